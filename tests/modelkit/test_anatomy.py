"""The 3-D demonstration models' data: the MNI152 brain as a real MR series, and the 3-D
phantom generator, which must draw the demo phantom's own anatomy.

The series are read back by the viewer's own scan (examine) and frame source, never by
the writer: what the reader would open is what is checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.anatomy import mni152, phantom3d, write_mni152_series
from viewer.io.scan import scan


@pytest.fixture(scope="module")
def brain():
    pytest.importorskip("nilearn")
    return mni152().load(resolution=2)


@pytest.fixture(scope="module")
def series_dirs(tmp_path_factory):
    pytest.importorskip("nilearn")
    base = tmp_path_factory.mktemp("mni152")
    return {o: write_mni152_series(base / o, o) for o in ("axial", "sagittal")}


def test_the_template_is_written_as_an_mr_series_the_viewer_examines_cleanly(series_dirs):
    for orientation, folder in series_dirs.items():
        (series,) = scan([folder]).all_series()
        assert series.modality == "MR" and len(series.frames) in (95, 99)
        assert series.sorted_by == "position"  # a regular stack: no gaps, tilt or mix
        assert not series.warnings, (orientation, series.warnings)
    import pydicom

    ds = pydicom.dcmread(next(series_dirs["axial"].glob("*.dcm")))
    assert ds.SOPClassUID == pydicom.uid.MRImageStorage and ds.Modality == "MR"
    assert ds.BodyPartExamined == "BRAIN" and str(ds.PatientName) == "Demo^MNI152"
    assert [float(v) for v in ds.PixelSpacing] == [2.0, 2.0] and float(ds.SliceThickness) == 2
    assert ds.PatientBirthDate == "" and "PatientAddress" not in ds


def test_both_acquisitions_put_each_voxel_where_the_nifti_affine_says(brain, series_dirs):
    """A voxel's LPS position (RAS from the NIfTI affine, x and y negated) holds the same
    value in the axial series, in the sagittal one, and in the template."""
    import pydicom

    rng = np.random.default_rng(0)
    files = {o: [pydicom.dcmread(p) for p in sorted(d.glob("*.dcm"))]
             for o, d in series_dirs.items()}
    for _ in range(50):
        index = tuple(int(rng.integers(n)) for n in brain.t1.shape)
        lps = (brain.affine_lps @ np.array([*index, 1.0]))[:3]
        want = round(float(brain.t1[index]) * 1000)
        for orientation, datasets in files.items():
            assert _value_at(datasets, lps) == want, (orientation, index)


def _value_at(datasets, lps: np.ndarray) -> int:
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    spacing = float(datasets[0].PixelSpacing[0])
    for ds in datasets:
        offset = lps - np.array(ds.ImagePositionPatient, dtype=float)
        if abs(offset @ normal) < 0.01:
            r, c = round(offset @ col_dir / spacing), round(offset @ row_dir / spacing)
            return int(ds.pixel_array[r, c])
    raise AssertionError(f"no slice through {lps}")


def test_a_written_series_goes_back_to_model_axes(brain):
    m = mni152()
    for orientation in m.ORIENTATIONS:
        written, _ = m.in_orientation(brain, brain.labels, orientation)
        assert written.shape != brain.labels.shape or orientation == "axial"
        assert np.array_equal(m.from_orientation(brain, written, orientation), brain.labels)


def test_the_template_in_model_axes_runs_feet_to_head_back_and_to_the_left(brain):
    """Model axes "SPL": the affine's columns point to +z, +y, +x of LPS."""
    steps = brain.affine_lps[:3, :3]
    assert np.allclose(steps, np.diag([2.0, 2.0, 2.0])[[2, 1, 0]])
    labels = brain.labels
    assert set(np.unique(labels)) == {0, 1, 2, 3}
    inside = np.argwhere(labels > 0)
    # the brain's top is toward increasing depth: the cerebellum (below) is narrower in
    # the axial plane than the hemispheres above the ventricles
    depth = inside[:, 0]
    low, high = np.percentile(depth, [10, 60])
    assert (labels[int(low)] > 0).sum() < (labels[int(high)] > 0).sum()


def test_the_3d_phantom_draws_the_demo_phantoms_anatomy():
    """phantom3d.DEMO on a 3 mm grid against viewer.io.demo's own label map, sampled at
    the same points (the demo's 64 slices × 256² at 0.8 mm, 2.5 mm apart)."""
    from viewer.io.demo import _Layout, phantom_labels

    p3 = phantom3d()
    volume = p3.render(p3.DEMO, 3.0)
    layout = _Layout(64, 256, (0.8, 0.8), 2.5)
    of_demo = {3: p3.LUNG, 4: p3.LIVER, 5: p3.LESION, 6: p3.BONE, 7: p3.BONE}
    cols = np.rint((np.arange(volume.labels.shape[2]) + 0.5) * 3 / 0.8 - 0.5).astype(int)
    agree = []
    for depth in range(0, volume.labels.shape[0], 4):
        index = round(depth * 3 / 2.5)
        if index >= 64:
            break
        demo = phantom_labels(index, layout)
        truth = np.zeros_like(demo)
        for k, v in of_demo.items():
            truth[demo == k] = v
        agree.append((truth[np.ix_(cols, cols)] == volume.labels[depth]).mean())
    assert min(agree) > 0.97 and np.mean(agree) > 0.99
    assert (volume.labels == p3.LESION).sum() > 50  # the demo's 8 mm lesion, about 85 voxels


def test_generated_phantoms_are_seeded_and_varied():
    p3 = phantom3d()
    a, b = p3.dataset(2, seed=3, spacing=4.0)
    (again, _) = p3.dataset(2, seed=3, spacing=4.0)
    assert np.array_equal(a.hu, again.hu) and np.array_equal(a.labels, again.labels)
    assert a.hu.shape != b.hu.shape or not np.array_equal(a.labels, b.labels)


def test_the_documented_3d_rebuild_steps_run_and_reproduce_the_committed_goldens(tmp_path):
    """docs/modelkit.md, "The bundled demonstration models": the series writer's command
    and golden3d.py, run as written (on a copy of the recipe); the train and build lines
    name a real recipe and parse with the real CLI (training takes minutes: the bundled
    artifact's tests cover what it built)."""
    import re
    import shlex
    import shutil
    import subprocess
    import sys

    pytest.importorskip("nilearn")
    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "modelkit.md").read_text(encoding="utf-8")
    bundled = text[text.index("## The bundled demonstration models"):]
    (writer,) = re.findall(r"`(python models/recipes/anatomy/mni152\.py [^`]+)`", bundled)
    argv = shlex.split(writer.replace("OUT", str(tmp_path / "sagittal")))
    subprocess.run([sys.executable, *argv[1:]], cwd=root, check=True, capture_output=True)
    (series,) = scan([tmp_path / "sagittal"]).all_series()
    assert series.modality == "MR" and len(series.frames) == 99

    block = bundled[bundled.index("golden patches come from"):]
    block = block[block.index("```\n") + 4 : block.index("\n```", block.index("```\n") + 4)]
    lines = [ln for ln in block.replace("\\\n", " ").splitlines() if ln.strip()]
    golden, train, build = (shlex.split(ln.split("#")[0]) for ln in lines)
    recipe = Path(golden[2])
    copy = tmp_path / "recipes" / recipe.name
    shutil.copytree(root / recipe, copy)
    subprocess.run([sys.executable, golden[1], str(copy)], cwd=root, check=True,
                   capture_output=True)
    with np.load(copy / "golden_inputs.npz") as made, \
            np.load(root / recipe / "golden_inputs.npz") as committed:
        assert made.files == committed.files
        assert all(np.array_equal(made[k], committed[k]) for k in made.files)
    usage = (root / "viewer" / "modelkit" / "cli.py").read_text(encoding="utf-8")
    for line in (train, build):
        assert line[:3] == ["lightbox", "model", line[2]] and (root / line[3]).is_dir()
        assert f"lightbox model {line[2]} RECIPE_DIR" in usage
        assert {a for a in line if a.startswith("--")} <= set(re.findall(r"--[a-z]+", usage))


def test_an_augmented_patch_without_changes_is_the_crop_and_pads_outside():
    """augment.patches with no rotation, zoom, flip or thick slice reads the volume as it
    is around the centre it picked; beyond the volume, the pad value and background."""
    torch = pytest.importorskip("torch")
    from tests.anatomy import _module

    augment = _module("augment")
    image = torch.arange(20 * 22 * 24, dtype=torch.float32).reshape(20, 22, 24)
    labels = torch.zeros(20, 22, 24, dtype=torch.long)
    labels[10, 11, 12] = 1  # the only voxel a patch may be centred on
    plain = augment.Spatial(rotate_deg=0.0, zoom=(1.0, 1.0), thick_slice_p=0.0,
                            foreground_p=1.0)
    x, y = augment.patches(image, labels, 2, (5, 5, 5), np.random.default_rng(0), plain, -7.0)
    assert torch.allclose(x[0, 0], image[8:13, 9:14, 10:15], atol=1e-2)
    assert y[0, 2, 2, 2] == 1 and int(y.sum()) == 2
    labels[10, 11, 12], labels[0, 0, 0] = 0, 1  # a corner: half the patch is outside
    x, y = augment.patches(image, labels, 1, (5, 5, 5), np.random.default_rng(0), plain, -7.0)
    assert torch.allclose(x[0, 0, 2:, 2:, 2:], image[:3, :3, :3], atol=1e-2)
    assert torch.allclose(x[0, 0, :2], torch.tensor(-7.0), atol=1e-3)
    assert torch.all(y[0, :2] == 0)
