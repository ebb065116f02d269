"""The core's most common file-problem reasons, series warnings and report placeholders
("(no value)"), in the UI language.

The core (io, imaging) writes its reasons in English, because support staff search logs
for them. The reader sees them through this catalogue: a reason the catalogue knows is
shown translated (numbers and names it carries are kept), any other is shown as the core
wrote it. The English original stays in the tooltip of the problem list.

Each template is the core's own text with ``{}`` where the core puts a value, so the
English catalogue is an identity and a change of wording in the core shows up as an
untranslated (English) message rather than a wrong one.
"""

from __future__ import annotations

import re
from functools import cache

from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate

CONTEXT = "ProblemText"

TEMPLATES = (
    QT_TRANSLATE_NOOP("ProblemText", "not a DICOM file"),
    QT_TRANSLATE_NOOP("ProblemText", "not a DICOM file or supported image"),
    QT_TRANSLATE_NOOP("ProblemText", "not a DICOM file (or badly damaged)"),
    QT_TRANSLATE_NOOP("ProblemText", "file is empty"),
    QT_TRANSLATE_NOOP("ProblemText", "file is truncated (header incomplete)"),
    QT_TRANSLATE_NOOP("ProblemText", "file is truncated (pixel data incomplete)"),
    QT_TRANSLATE_NOOP("ProblemText",
                      "file is truncated or damaged (less pixel data than the image size needs)"),
    QT_TRANSLATE_NOOP("ProblemText", "file holds no DICOM data (only a file meta header)"),
    QT_TRANSLATE_NOOP("ProblemText", "no image to display (this object holds no pixels)"),
    QT_TRANSLATE_NOOP("ProblemText", "image is too large to open safely"),
    QT_TRANSLATE_NOOP("ProblemText", "image is too large for the available memory"),
    QT_TRANSLATE_NOOP("ProblemText", "image data is truncated or damaged"),
    QT_TRANSLATE_NOOP("ProblemText",
                      "damaged: pixel data without image size (Rows, Columns or Bits Allocated "
                      "missing)"),
    QT_TRANSLATE_NOOP("ProblemText", "cannot be read ({})"),
    QT_TRANSLATE_NOOP("ProblemText", "cannot be opened ({})"),
    QT_TRANSLATE_NOOP("ProblemText", "images compressed as {} cannot be decoded "
                      "(no decoder installed)"),
    QT_TRANSLATE_NOOP("ProblemText", "the {} image data is damaged and cannot be decoded"),
    QT_TRANSLATE_NOOP("ProblemText", "the image data cannot be read ({})"),
    # headers that contradict the pixel data (viewer/io/consistency.py)
    QT_TRANSLATE_NOOP("ProblemText", "Bits Allocated is {} (1, 8, 16, 32 or 64 are possible)"
                      ": the header contradicts the image data, so it is not shown"),
    QT_TRANSLATE_NOOP("ProblemText", "Bits Stored ({}) does not fit in Bits Allocated ({})"
                      ": the header contradicts the image data, so it is not shown"),
    QT_TRANSLATE_NOOP("ProblemText", "High Bit is {} where Bits Stored ({}) needs {}"
                      ": the header contradicts the image data, so it is not shown"),
    QT_TRANSLATE_NOOP("ProblemText", "Pixel Representation is {} (0 or 1 are possible)"
                      ": the header contradicts the image data, so it is not shown"),
    QT_TRANSLATE_NOOP("ProblemText", "{} samples per pixel do not fit {} (it has {})"
                      ": the header contradicts the image data, so it is not shown"),
    QT_TRANSLATE_NOOP("ProblemText", "the pixel data holds {} bytes where the header describes {}"
                      ": the header contradicts the image data, so it is not shown"),
    QT_TRANSLATE_NOOP("ProblemText", "the compressed image is {}×{} where the header says {}×{}"
                      ": the header contradicts the image data, so it is not shown"),
    QT_TRANSLATE_NOOP("ProblemText", "the compressed image has {} samples per pixel where the header says {}"
                      ": the header contradicts the image data, so it is not shown"),
    QT_TRANSLATE_NOOP("ProblemText", "the compressed image has {}-bit samples where Bits Allocated is {}"
                      ": the header contradicts the image data, so it is not shown"),
    # what an object without an image holds (viewer/io/objects.py)
    QT_TRANSLATE_NOOP("ProblemText", "Segmentation (1 segment): open its images to see it"),
    QT_TRANSLATE_NOOP("ProblemText", "Segmentation ({} segments): open its images to see it"),
    # series warnings (viewer/io/series.py)
    QT_TRANSLATE_NOOP("ProblemText", "images have {} different sizes"),
    QT_TRANSLATE_NOOP("ProblemText", "mixed orientations ({} different image planes)"),
    QT_TRANSLATE_NOOP("ProblemText", "uneven slice spacing ({} to {} mm)"),
    QT_TRANSLATE_NOOP("ProblemText", "{} slice position(s) occur more than once (duplicates, "
                      "or several acquisitions in one series)"),
    QT_TRANSLATE_NOOP("ProblemText", "missing slices? {} gap(s) up to {} mm where {} mm is "
                      "typical (about {} slice(s) missing)"),
    QT_TRANSLATE_NOOP("ProblemText", "gantry tilt or sheared stack: slices are offset {}° "
                      "from their normal (3-D views and measurements across slices may be "
                      "distorted)"),
    QT_TRANSLATE_NOOP("ProblemText", "Number of Frames is invalid; the frame count was taken "
                      "from the pixel data size"),
    # intended-use warnings and problems (viewer/inference/intended_use.py)
    QT_TRANSLATE_NOOP("ProblemText", "modality is {}; the model is meant for {}"),
    QT_TRANSLATE_NOOP("ProblemText", "body part is not recorded; the model is meant for {}"),
    QT_TRANSLATE_NOOP("ProblemText", "body part is {}; the model is meant for {}"),
    QT_TRANSLATE_NOOP("ProblemText", "view is {}; the model is meant for {}"),
    QT_TRANSLATE_NOOP("ProblemText", "pixel spacing is unknown; the model is meant for {}–{} mm"),
    QT_TRANSLATE_NOOP("ProblemText", "pixel spacing is {} mm; the model is meant for {}–{} mm"),
    QT_TRANSLATE_NOOP("ProblemText", "the series holds no image"),
    QT_TRANSLATE_NOOP("ProblemText", "the model reads {} consecutive slices; the series has {}"),
    QT_TRANSLATE_NOOP("ProblemText", "models with more than one input are not supported by this "
                      "viewer"),
    # what a structured report could not show (viewer/io/structured_report.py, sr_values.py)
    QT_TRANSLATE_NOOP("ProblemText", "({} item(s) nested too deep)"),
    QT_TRANSLATE_NOOP("ProblemText", "(an item could not be read: {})"),
    QT_TRANSLATE_NOOP("ProblemText", "(see item {})"),
    QT_TRANSLATE_NOOP("ProblemText", "(an item without a value type)"),
    QT_TRANSLATE_NOOP("ProblemText", "(tcoord not shown)"),
    QT_TRANSLATE_NOOP("ProblemText", "(waveform not shown)"),
    QT_TRANSLATE_NOOP("ProblemText", "(value type {} not shown)"),
    QT_TRANSLATE_NOOP("ProblemText", "(no value)"),
    QT_TRANSLATE_NOOP("ProblemText", "({} is not a number)"),
    QT_TRANSLATE_NOOP("ProblemText", "(object {})"),
    QT_TRANSLATE_NOOP("ProblemText", "(no reference)"),
    QT_TRANSLATE_NOOP("ProblemText", "content nested deeper than {} levels is not shown"),
    QT_TRANSLATE_NOOP("ProblemText", "only the first {} items of this report are shown"),
    QT_TRANSLATE_NOOP("ProblemText", "the rest of the report could not be read ({})"),
    # MPR refusals (viewer/imaging/mpr.py), shown by the error boundary
    QT_TRANSLATE_NOOP("ProblemText", "MPR needs a stack of at least {} slices; {} has {}."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR works on grey-scale CT or MR stacks; {} is in colour."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR cannot stack {}: its images have different sizes."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR cannot place {} in 3-D: some images lack their "
                      "position, orientation or pixel spacing."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR cannot stack {}: its images lie in different planes "
                      "(mixed orientations, e.g. a localiser). Open a series with one plane."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR cannot stack {}: some slice positions occur twice "
                      "(duplicates or several acquisitions in one series)."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR refused for {}: slices are missing (a gap of {} mm "
                      "where {} mm is typical). Reconstructing across the gap would show "
                      "anatomy that is not there; load the complete series."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR refused for {}: uneven slice spacing ({} to {} mm) "
                      "would distort the other planes. Use a series reconstructed with even "
                      "spacing."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR refused for {}: the slices are sheared by {}° "
                      "(gantry tilt), so the other planes would be distorted. Use a "
                      "tilt-corrected reconstruction from the scanner, or read this series in "
                      "its own plane."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR needs {} MiB for the {} slices of {}, more than the "
                      "{} MiB left in the memory budget for images. Open MPR on a slab of {} "
                      "slices around the current one instead."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR needs {} MiB for the {} slices of {}, more than the "
                      "{} MiB left in the memory budget for images. Close other series, or "
                      "read this one in its own plane."),
    QT_TRANSLATE_NOOP("ProblemText", "MPR no longer fits the image memory budget: close the "
                      "other MPR view or series and try again."),
    QT_TRANSLATE_NOOP("ProblemText", "the image this report refers to is not open; open the "
                      "study it belongs to (File > Open), then follow the reference again"),
    # a model the site runs unsigned (viewer/inference/signing.py UNSIGNED_MARK)
    QT_TRANSLATE_NOOP("ProblemText", "UNSIGNED · developer mode"),
    # AI refusals of models reading several series or a whole volume (viewer/inference:
    # companion.py, volume_inputs.py, volume_run.py, runner.py, series_match.py)
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series for {} has no frame of reference, so its slices cannot be matched to the images the model runs on by position'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series for {} is in a different frame of reference from the series the model runs on: positions in one mean nothing in the other (the two would need a registration first)'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series for {} holds no images'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series for {} has an image without position, orientation or pixel spacing, so it cannot be aligned'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series for {} mixes slice orientations; only a stack of parallel slices can be matched by position'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series for {} is cut in another orientation ({}° from the images the model runs on); only parallel slices are matched'),
    QT_TRANSLATE_NOOP("ProblemText", "model {}: the series for {} has no slice near this image's position: the nearest is {} mm away, more than half its slice spacing ({} mm)"),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series for {} does not overlap this image in the patient'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: an image to run on has no position, orientation or pixel spacing, so {} cannot be aligned to it'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series for {} or the series the model runs on has no frame of reference, so the two cannot be placed on one grid'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series for {} does not overlap the series the model runs on in the patient: the model would read nothing but padding from it'),
    QT_TRANSLATE_NOOP("ProblemText", "model {}: this series at the model's spacing needs about {} of memory (grid {}); this computer has {}. Close other programs or run it on a larger workstation."),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the model has no input {} read from another series (it has {})'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: input {} reads another series of the study; choose one (the command line: --input NAME=SERIES)'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the series chosen for input {} cannot be used: {}'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the slices around this image differ in size'),
    QT_TRANSLATE_NOOP("ProblemText", 'model {}: the model reads the series as a volume of at least {} slices; the series has {}'),
    QT_TRANSLATE_NOOP("ProblemText", 'the model reads the series as a volume of at least {} slices; the series has {}'),
    QT_TRANSLATE_NOOP("ProblemText", 'no series of this study matches input {}: needs {}; found: {}'),
    QT_TRANSLATE_NOOP("ProblemText", 'it is the series the model runs on; input {} needs another series'),
    QT_TRANSLATE_NOOP("ProblemText", 'it belongs to another study'),
    QT_TRANSLATE_NOOP("ProblemText", 'it holds no images'),
    QT_TRANSLATE_NOOP("ProblemText", 'it does not fit input {}: {}'),
    # the file system as it is (viewer/io/scan.py, viewer/host/files.py)
    QT_TRANSLATE_NOOP("ProblemText", 'a named pipe, not a file'),
    QT_TRANSLATE_NOOP("ProblemText", 'a character device, not a file'),
    QT_TRANSLATE_NOOP("ProblemText", 'a block device, not a file'),
    QT_TRANSLATE_NOOP("ProblemText", 'a socket, not a file'),
    QT_TRANSLATE_NOOP("ProblemText", 'a folder, not a file'),
    QT_TRANSLATE_NOOP("ProblemText", 'a symbolic link loop (the link leads back to itself); remove or fix the link'),
    QT_TRANSLATE_NOOP("ProblemText", 'a broken symbolic link (its target does not exist)'),
    QT_TRANSLATE_NOOP("ProblemText", 'a link to a folder outside the one opened: not followed (open that folder too)'),
    QT_TRANSLATE_NOOP("ProblemText", 'a link back to a folder already included (a loop): not read twice'),
    QT_TRANSLATE_NOOP("ProblemText", 'folder cannot be read ({})'),
    QT_TRANSLATE_NOOP("ProblemText", 'listed in the DICOMDIR but outside its folder (refused: a DICOMDIR may only point inside)'),
    QT_TRANSLATE_NOOP("ProblemText", 'listed in the DICOMDIR but missing'),
    # the hospital network (viewer/net: dimse.py, query.py, retrieve.py, store.py); the
    # parts a value can be are templates too, so that they are translated in turn
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) refused to talk to this workstation ({}): check that the node knows Lightbox's AE title {} and that {} is the node's own AE title"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) accepted the connection but did not answer the association request within {} s: is it a DICOM node, on this port?"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}): the host name {} is unknown on this network; check the site configuration or the workstation's name resolution"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) did not answer within {} s: the node is down, or a firewall drops the connection"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) cannot be reached ({}): the node is not running or the port is wrong"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) broke off {}: it aborted the association, the connection was lost, or it did not answer within {} s. Try again; if it happens at once every time, the node may not let Lightbox's AE title {} search or retrieve: ask its administrator to add it"),
    QT_TRANSLATE_NOOP("ProblemText", "the search"),
    QT_TRANSLATE_NOOP("ProblemText", "the listing of the study's images"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) refused the search (status {}): the keys may be more than it supports"),
    QT_TRANSLATE_NOOP("ProblemText", "no DICOM node named {} is configured; the configured ones are {}"),
    QT_TRANSLATE_NOOP("ProblemText", "the {} may not hold a backslash or control characters"),
    QT_TRANSLATE_NOOP("ProblemText", "the {} is longer than DICOM allows ({})"),
    QT_TRANSLATE_NOOP("ProblemText", "patient name"),
    QT_TRANSLATE_NOOP("ProblemText", "patient ID"),
    QT_TRANSLATE_NOOP("ProblemText", "accession number"),
    QT_TRANSLATE_NOOP("ProblemText", "the study date {} is not a date or range: write YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- (from) or -YYYYMMDD (until)"),
    QT_TRANSLATE_NOOP("ProblemText", "the study date range {} ends before it starts"),
    QT_TRANSLATE_NOOP("ProblemText", "{} is not a calendar date (YYYYMMDD)"),
    QT_TRANSLATE_NOOP("ProblemText", "the connection to DICOM node {} ({}) was lost or timed out after {} of {} images; what arrived is kept: retrieve again to fetch the rest"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) does not know the destination {}: ask the PACS administrator to add Lightbox's AE title {} with this workstation's address and storage port"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) has no images of that study"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) has no images of that study and series"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) refused to list the study's images (status {})"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} lists more than {} images for one study"),
    QT_TRANSLATE_NOOP("ProblemText", "the local store {} is full ({}): free space there (or ask IT to move pacs_store_dir) and retrieve again; what arrived is kept and the rest resumes"),
    QT_TRANSLATE_NOOP("ProblemText", "cannot write to the local store {} ({}); check the folder's permissions"),
    QT_TRANSLATE_NOOP("ProblemText", "storing a received image failed unexpectedly; what was stored is kept, retrieve again"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}): the node's certificate is not trusted ({}) by the site's tls_ca_file {}: IT must give the CA that issued it"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}): the node's certificate is not trusted ({}) by the system's authorities, and the site sets no tls_ca_file: IT must give the CA that issued it"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}): the node's certificate is not issued for {}: the site's host must be a name or address the certificate lists, or the node needs a certificate for it"),
    QT_TRANSLATE_NOOP("ProblemText", "the site's {} {} holds no PEM certificate Lightbox can use ({})"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) requires this workstation's certificate (mutual TLS), and the site gives none: IT sets tls_cert_file and tls_key_file"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) does not accept this workstation's certificate {} ({}): the node must trust the CA that issued it"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOM node {} ({}) did not complete a TLS handshake ({}): it does not speak DICOM over TLS on this port; set tls = false for it, or ask for its TLS port"),
    QT_TRANSLATE_NOOP("ProblemText", "the site's {} {} cannot be read ({})"),
    QT_TRANSLATE_NOOP("ProblemText", "the site sets {} but not {}: this workstation's certificate needs both (or neither)"),
    QT_TRANSLATE_NOOP("ProblemText", "the site's tls_key_file {} is not the private key of its tls_cert_file {}"),
    QT_TRANSLATE_NOOP("ProblemText", "the site's tls_cert_file {} or tls_key_file {} is not a PEM certificate and its unencrypted PEM private key ({})"),
    QT_TRANSLATE_NOOP("ProblemText", "a TLS node sends by C-MOVE, so Lightbox's storage port needs its own certificate: the site must set tls_cert_file and tls_key_file (or the node retrieve = \"get\")"),
    # DICOMweb (viewer/net: web.py, wado.py, nodes.py)
    QT_TRANSLATE_NOOP("ProblemText", "the connection to DICOMweb node {} ({}) was lost during {}; try again"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}): the {} file {} is readable by every account on this computer; IT makes it readable by Lightbox's users only (chmod o-r {})"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}): the {} file {} cannot be read ({}); ask IT to check it and its permissions"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}): the {} file {} is empty"),
    QT_TRANSLATE_NOOP("ProblemText", "password"),
    QT_TRANSLATE_NOOP("ProblemText", "token"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}): the site's TLS files (tls_ca_file, tls_cert_file, tls_key_file) cannot be used ({}); ask IT to check them"),
    QT_TRANSLATE_NOOP("ProblemText", "no DICOM or DICOMweb node is configured: IT lists them in the site configuration ({}), [dicom_nodes.NAME] or [dicomweb_nodes.NAME] tables (see docs/pacs.md)"),
    QT_TRANSLATE_NOOP("ProblemText", "name the node to use: one of {}"),
    QT_TRANSLATE_NOOP("ProblemText", "no node named {} is configured; the configured ones are {}"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) refused {} (HTTP {}): {}; ask IT to check the node's auth, username and password or token file"),
    QT_TRANSLATE_NOOP("ProblemText", "it asks for credentials and none are configured"),
    QT_TRANSLATE_NOOP("ProblemText", "the user name {} or its password was refused"),
    QT_TRANSLATE_NOOP("ProblemText", "the token was refused (expired or wrong)"),
    QT_TRANSLATE_NOOP("ProblemText", "the credentials were accepted but do not allow {}"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) answered 404 (not found) to {}: the URL's path is probably not the DICOMweb service's base (e.g. http://pacs:8042/dicom-web), or the study is not there"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) failed {} (HTTP {}): the service has a problem; try again later or ask its administrator"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) refused {} (HTTP {})"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}): the TLS connection failed ({}): its certificate is not trusted by this workstation or does not name that host; IT sets tls_ca_file to the hospital's certificate authority"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) did not answer {} within {} s: the service is down or overloaded, or a firewall drops the connection"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}): the host name {} is unknown on this network; check the site configuration"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) cannot be reached ({}): the service is not running, or the URL's host or port is wrong"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) sent an answer to {} that is not DICOMweb ({}): check the URL"),
    QT_TRANSLATE_NOOP("ProblemText", "the connection to DICOMweb node {} ({}) was lost or timed out after {} of {} images ({}); what arrived is kept: retrieve again to fetch the rest"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) sent a malformed multipart answer after {} of {} images; what arrived is kept: retrieve again to fetch the rest"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) redirected to another address ({}); Lightbox contacts only the configured URL: ask IT to configure the address it redirects to"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) has no images of that study"),
    QT_TRANSLATE_NOOP("ProblemText", "DICOMweb node {} ({}) has no images of that study and series"),
    QT_TRANSLATE_NOOP("ProblemText", "the retrieve"),
    QT_TRANSLATE_NOOP("ProblemText", "a search"),
    QT_TRANSLATE_NOOP("ProblemText", "the send"),
    # the inference servers (viewer/net/inference_client.py, viewer/inference/remote.py)
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}) cannot be reached ({}): the server is not running, or the url is wrong"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}) did not answer within {} s: it is overloaded or down, or a firewall drops the connection"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}): the host name {} is unknown on this network; check the site configuration"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}) does not accept this workstation's API key (from {}): IT must give a key the server's service_api_keys lists"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}) asks for an API key and the site gives none: IT sets api_key_file for it"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}) does not serve the model verified here, so it was not sent there: {}. Run it here, or IT installs the same artifact on both"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}) closed the connection: it requires this workstation's certificate (mutual TLS), and the site gives none: IT sets tls_cert_file and tls_key_file"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}): its certificate is not trusted by {} or does not name {} ({}): IT must give the CA that issued it"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}): the TLS handshake failed ({}); is it an https server on this port?"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}) failed (HTTP {}, {}): {}"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}) refused the request (HTTP {}, {}): {}"),
    QT_TRANSLATE_NOOP("ProblemText", "inference server {} ({}) does not take a series this large ({}): run it here, or IT raises the server's service_max_request_mb / service_max_instances"),
)


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    # Longest first, so "not a DICOM file" does not claim "not a DICOM file or ...".
    ordered = sorted(TEMPLATES, key=len, reverse=True)
    return tuple((re.compile("^" + re.escape(t).replace(r"\{\}", "(.+?)") + "$", re.DOTALL), t)
                 for t in ordered)


def problem_text(reason: str) -> str:
    """``reason`` in the UI language when the catalogue knows it, else as the core wrote it."""
    for pattern, template in _patterns():
        match = pattern.match(reason)
        if match:
            # A value may itself be a catalogued reason ("cannot be used: {}"): in turn.
            values = [problem_text(value) for value in match.groups()]
            try:  # a translation may reorder the values ({2} ... {0})
                return translate(CONTEXT, template).format(*values)
            except (IndexError, KeyError, ValueError):
                return reason  # a broken translation must not lose the file's numbers
    return reason
