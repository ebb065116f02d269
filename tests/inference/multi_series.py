"""A real two-input model and a real two-series MR study, for the multi-series tests.

The model (built through ``viewer.modelkit``, the real build path) reads a pre-contrast
image (the primary: the series the reader runs it on) and a post-contrast image (another
series of the study, found by the rule "modality MR, description matching (?i)post") and
marks "enhancing" where post − pre is large after the window: it has fixed weights, so the
answer is known.

The study (pydicom writes the files): both series show the same bright disc (no
difference there), and the post-contrast series also shows a square of enhancement. The
post-contrast series has other pixels (32 × 32 at 2 mm against 64 × 64 at 1 mm, the same
field of view), so the model's second input must be resampled onto the first's grid.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

ROOT = Path(__file__).resolve().parents[2]
DEMO_KEY = ROOT / "models" / "keys" / "DEMO-ONLY-model-signing-key.pem"
MODEL_ID = "enhance-diff"
SIZE = 64  # the model's input and the pre-contrast images: 64 × 64 at 1 mm
BACKGROUND, DISC, ENHANCED = 100, 400, 900
#: The enhancing square in patient millimetres (x from, x to, y from, y to), and where it
#: lies on the pre-contrast grid (rows, columns; pixel centres at -31.5 + index mm).
SQUARE_MM = (-16.0, 0.0, 0.0, 16.0)
SQUARE_ROWS, SQUARE_COLS = slice(32, 48), slice(16, 32)
SLICES = (0.0, 3.0, 6.0, 9.0, 12.0)

MODEL = """
class EnhanceDiff(nn.Module):
    \"\"\"Logits [background, enhancing] from post − pre (both windowed to 0..1).\"\"\"

    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.tensor(20.0))
        self.threshold = nn.Parameter(torch.tensor(0.25))

    def forward(self, pre, post):
        d = (post - pre - self.threshold) * self.gain
        return torch.cat([-d, d], dim=1)
"""


def _input(name: str, series: dict | None = None) -> dict:
    item = {
        "name": name, "shape": ["batch", 1, SIZE, SIZE], "dtype": "float32", "channels": 1,
        "resize": {"size": [SIZE, SIZE], "keep_aspect": True, "pad_value": 0.0,
                   "interpolation": "linear"},
        "intensity": {"kind": "window", "center": 500, "width": 1000},
    }
    if series is not None:
        item["series"] = series
    return item


def write_recipe(folder: Path) -> Path:
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.py").write_text("import torch\nfrom torch import nn\n\n"
                                     + textwrap.dedent(MODEL), encoding="utf-8")
    spec = {
        "id": MODEL_ID, "name": "Enhancement (test)", "version": "0.1.0",
        "description": "Marks where the post-contrast image is brighter than the pre-contrast.",
        "not_for_clinical_use": True, "seed": 0,
        "intended_use": {"modality": ["MR"], "body_part": [], "population": "test images",
                         "input": "slice"},
        "model": {"class": "EnhanceDiff", "kwargs": {}},
        "inputs": [_input("pre"),
                   _input("post", {"modality": ["MR"], "description": "(?i)post",
                                   "role": "post-contrast"})],
        "outputs": [{"name": "logits", "kind": "mask", "shape": ["batch", 2, SIZE, SIZE],
                     "activation": "softmax",
                     "labels": [{"value": 0, "name": "background"},
                                {"value": 1, "name": "enhancing", "color": "#FF5252"}]}],
        "tolerance": {"atol": 1e-4, "rtol": 1e-3},
        "golden": {"generated": ["low", "high", "noise", "smooth"]},
        "training_data": "none: fixed weights",
    }
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    (folder / "train.py").write_text("# fixed weights\n", encoding="utf-8")
    return folder


def build_model(work: Path) -> Path:
    """The artifact, built and signed by the real build path; returns the models folder."""
    import torch

    from viewer.modelkit import build_artifact, load_recipe

    recipe = write_recipe(work / "recipe" / MODEL_ID)
    weights = work / "weights.pt"
    torch.save(load_recipe(recipe).instantiate().state_dict(), weights)
    build_artifact(recipe, weights, work / "models", key=DEMO_KEY)
    return work / "models"


@dataclass(frozen=True)
class SeriesSpec:
    description: str
    number: int
    size: int = SIZE
    spacing: float = 1.0
    slices: tuple[float, ...] = SLICES
    enhanced: bool = False
    modality: str = "MR"
    frame_of_reference: str = ""  # "": the study's
    mirrored: bool = False  # columns run right to left (row cosines -x): same anatomy


@dataclass
class Study:
    uid: str = ""
    frame_of_reference: str = ""

    def __post_init__(self) -> None:
        self.uid = self.uid or generate_uid()
        self.frame_of_reference = self.frame_of_reference or generate_uid()


def write_series(folder: Path, study: Study, spec: SeriesSpec) -> str:
    """One axial series of ``spec``; returns its Series Instance UID."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = generate_uid()
    # Pixel centres: the field of view is -32..32 mm on x and y for every series.
    first = -32.0 + spec.spacing / 2
    centres = first + np.arange(spec.size) * spec.spacing
    x, y = np.meshgrid(centres, centres)
    image = np.full((spec.size, spec.size), BACKGROUND, dtype=np.uint16)
    image[(x + 12) ** 2 + (y + 12) ** 2 < 8**2] = DISC
    if spec.enhanced:
        x0, x1, y0, y1 = SQUARE_MM
        image[(x >= x0) & (x < x1) & (y >= y0) & (y < y1)] = ENHANCED
    corner_x = first
    if spec.mirrored:  # the first column is now the rightmost one
        image, corner_x = np.ascontiguousarray(image[:, ::-1]), -first
    for k, z in enumerate(spec.slices):
        ds = _header(study, spec, series_uid)
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [corner_x, first, z]
        if spec.mirrored:
            ds.ImageOrientationPatient = [-1, 0, 0, 0, 1, 0]
        ds.SliceLocation = z
        ds.PixelData = image.tobytes()
        ds.save_as(folder / f"{spec.number:02d}-{k:03d}.dcm", enforce_file_format=True)
    return series_uid


def _header(study: Study, spec: SeriesSpec, series_uid: str) -> Dataset:
    sop = generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = sop
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = MRImageStorage, sop
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study.uid, series_uid
    ds.FrameOfReferenceUID = spec.frame_of_reference or study.frame_of_reference
    ds.Modality, ds.SeriesDescription, ds.SeriesNumber = spec.modality, spec.description, spec.number
    ds.PatientName, ds.PatientID = "Test^Multi", "MULTI-1"
    ds.PatientBirthDate, ds.PatientSex = "", "O"
    ds.StudyDate, ds.StudyTime, ds.StudyID, ds.AccessionNumber = "20260101", "120000", "1", ""
    ds.ReferringPhysicianName, ds.Manufacturer = "", "Lightbox tests"
    ds.SeriesDate, ds.SeriesTime = "20260101", f"12{spec.number:02d}00"
    if spec.enhanced:
        ds.ContrastBolusAgent = "GADOLINIUM"
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [spec.spacing, spec.spacing]
    ds.SliceThickness = 3.0
    ds.Rows = ds.Columns = spec.size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    return ds


#: The study the tests open: pre (primary), post at other pixels, and a T2 that fits no rule.
PRE = SeriesSpec("AX T1 PRE", 3)
POST = SeriesSpec("AX T1 POST GD", 5, size=32, spacing=2.0, enhanced=True)
T2 = SeriesSpec("AX T2", 4)
#: Refusals: another frame of reference; slices far from the primary's.
POST_OTHER_FRAME = SeriesSpec("AX T1 POST other frame", 8, enhanced=True,
                              frame_of_reference="1.2.826.0.1.3680043.8.498.999")
POST_FAR = SeriesSpec("AX T1 POST far", 9, enhanced=True, slices=(60.0, 63.0, 66.0))


def write_study(folder: Path, *extra: SeriesSpec) -> dict[str, str]:
    """PRE, POST, T2 (and ``extra``) in one study; description → series UID."""
    study = Study()
    return {spec.description: write_series(folder / f"s{spec.number}", study, spec)
            for spec in (PRE, POST, T2, *extra)}

