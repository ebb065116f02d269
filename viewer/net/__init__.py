"""The hospital network: DICOM query/retrieve with the nodes IT configured (pynetdicom).

Nothing here runs unless the site configuration lists ``dicom_nodes`` or
``dicomweb_nodes`` (``viewer.host.dicom_nodes``, ``viewer.host.dicomweb_nodes``); nothing
here contacts any host but those nodes, and the only socket it listens on is the Storage
SCP on the configured ``storage_port``, opened by a C-MOVE retrieve or ``lightbox pacs
listen`` for their duration, or by the viewer while it runs with ``receive_pushes``,
accepting only the configured nodes' AE titles.
Importing this package imports no network library: each module imports pynetdicom where
it runs. The only room that may (tests/test_offline.py holds the rest of ``viewer`` to
that). Qt-free.

* :mod:`viewer.net.errors`: what went wrong, in the one error tree, for the reader or IT;
* :mod:`viewer.net.dimse`: the association (timeouts, refusals, the causes of a failure),
  C-ECHO;
* :mod:`viewer.net.tls`: DICOM over TLS for ``tls = true`` nodes (the site's certificate
  files, what a failed handshake means);
* :mod:`viewer.net.query`: C-FIND at study and series level, typed, capped;
* :mod:`viewer.net.store`: the per-user local store, written atomically, resumable;
* :mod:`viewer.net.receiver`: each received object checked, then written by one thread;
* :mod:`viewer.net.retrieve`: C-GET and C-MOVE (with a Storage SCP), progress, cancel,
  resumption;
* :mod:`viewer.net.push`: studies a node pushes to the Storage SCP;
* :mod:`viewer.net.listener`: the running viewer's Storage SCP (pushes, and its C-MOVEs);
* :mod:`viewer.net.index`: the local study list (SQLite; no network code), which the
  viewer also loads for the folders it opens;
* :mod:`viewer.net.cache`: the store kept within ``pacs_cache_gb``, the list kept equal
  to the folder after a crash.
* :mod:`viewer.net.send`: C-STORE of the results Lightbox wrote to a configured node.
* :mod:`viewer.net.web`: a DICOMweb node's HTTP session (no proxy, the site's TLS, no
  redirect elsewhere), its failures as these errors, QIDO-RS;
* :mod:`viewer.net.wado`: WADO-RS retrieve into the same store, as C-GET;
* :mod:`viewer.net.stow`: STOW-RS of the same results as :mod:`viewer.net.send`;
* :mod:`viewer.net.nodes`: one dispatch (echo, find, retrieve, send) for both kinds of
  node, which every caller uses. requests and dicomweb-client load only there.

pynetdicom decodes received data sets with pydicom, whose value checks would *log* a
malformed value (a name, a birth date): importing :mod:`viewer.io` first makes pydicom
quiet the moment it is imported, as everywhere else in Lightbox.
"""

import viewer.io  # noqa: F401 - before pydicom: no value of a received object is logged
