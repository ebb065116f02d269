"""A volume run shows as every other mask run: in the MPR planes and as one DICOM SEG."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.imaging.mpr import Plane, Reformat, load_volume
from viewer.inference import run_model
from viewer.inference.dicom_export import write_dicom
from viewer.inference.verify import verify_artifact
from viewer.io.scan import scan
from viewer.state.ai_results import OverlayState
from viewer.state.plane_results import plane_results


@pytest.fixture(params=["axial_phantom_dir", "sagittal_phantom_dir"])
def run(volume_model, request):
    series = scan([request.getfixturevalue(request.param)]).all_series()[0]
    results = run_model(verify_artifact(volume_model), series,
                        audit_log=AuditLog.of(load_settings()))
    return series, results


@pytest.mark.parametrize("plane", list(Plane))
def test_the_mpr_planes_show_the_masks_where_the_image_is_bright(run, plane):
    series, results = run
    state = OverlayState()
    state.add_results(results)
    reformat = Reformat.of(load_volume(series), plane)
    derived = plane_results(state, series.uid, len(series.frames), reformat, f"plane.{plane}")
    assert len(derived) == reformat.count  # a whole-series run is cut into every plane
    shown = 0
    for result in derived:
        image = reformat.image(result.provenance.frame_index)
        mask = result.masks[0].mask
        assert mask.shape == image.shape
        assert np.array_equal(mask > 0, image > 50)  # on the bright box, nowhere else
        top = np.argwhere(mask == 2)
        if plane is not Plane.AXIAL and top.size:  # feet at the bottom: the top surface is up
            shown += 1
            assert top[:, 0].max() < np.argwhere(mask == 1)[:, 0].min()
    assert plane is Plane.AXIAL or shown > 0


def test_a_volume_run_exports_one_multiframe_seg(run, tmp_path):
    series, results = run
    written = write_dicom(results, series, tmp_path)
    assert [p.name for p in written] == ["surface-3d-seg.dcm"]  # one file for the run
    seg = pydicom.dcmread(written[0])
    assert seg.Modality == "SEG"
    assert int(seg.NumberOfFrames) == len(series.frames) * 2  # each slice, each segment
    assert [s.SegmentLabel for s in seg.SegmentSequence] == ["bright", "top"]
    referenced = {r.ReferencedSOPInstanceUID
                  for r in seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence}
    assert referenced == {f.instance.sop_instance_uid for f in series.frames}
