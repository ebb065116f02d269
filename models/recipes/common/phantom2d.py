"""Randomised 2-D variants of the demo CT phantom, the training data of the bundled models.

Plain numpy, seeded: the same seed gives the same images on every machine.

The generative story
--------------------
Each sample is one axial slice of a simplified trunk, drawn the way ``viewer.demo`` draws
its phantom (read its docstring: same structures, same nominal HU, same screen layout with
the patient's right on the screen's left), but with every free choice randomised so that a
model trained on it has seen more than the one demo study:

* **where along the trunk**: ``t`` uniform in 0 → 1 (as in the demo) for half of the
  slices, in the liver's 0.50 → 0.95 for the other half; lungs for
  0.02 ≤ t ≤ 0.50 (tapering to apex and base), liver for 0.50 < t ≤ 0.95 (a dome at the
  top, thinning at its tip), ribs for t < 0.55 on about a third of slices;
* **the body**: centre shifted up to ±0.08 of the half field of view, size × 0.70 → 1.10,
  height × 0.90 → 1.10, fat rim 0.03 → 0.09 thick; organs scale and move with the body,
  each with a little jitter of its own;
* **tissue HU**: fat −100 ± 20, soft tissue 40 ± 10, lung −850 ± 50, liver 60 ± 8,
  cancellous 250 ± 40, cortical 900 ± 80;
* **liver lesions**, on liver slices where the liver is big enough: none (35 %), one
  (40 %), two (17 %) or three (8 %); round, radius 0.035 → 0.13 of the half field of view,
  wholly inside the liver and apart from each other, 25 → 70 HU darker than the liver
  (the demo's lesion: radius 0.08, 50 HU darker);
* **noise**: Gaussian, σ 3 → 14 HU, at 256 × 256, then 2 × 2 averaged to 128 × 128, which
  is what a linear letterbox of a 256-pixel slice to the models' 128-pixel input does.

:func:`sample` returns the HU image at 128 × 128, the segmentation labels
(:data:`SEG_NAMES`), and the lesion boxes in input pixels (x0, y0, x1, y1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SIZE = 128
RENDER = 256
# Segmentation labels of the bundled ct-body-seg model.
BACKGROUND, LUNG, LIVER, BONE, LESION = range(5)
SEG_NAMES = ("background", "lung", "liver", "bone", "lesion")

_RIB_ANGLES = np.radians([-150, -120, -60, -30, 0, 30, 60, 120, 150, 180])
_LESION_COUNTS = (0, 1, 2, 3)
_LESION_P = (0.35, 0.40, 0.17, 0.08)


@dataclass(frozen=True)
class Sample:
    hu: np.ndarray  # float32 (128, 128)
    labels: np.ndarray  # uint8 (128, 128), SEG_NAMES
    boxes: np.ndarray  # float32 (n, 4), xyxy in input pixels
    has_lesion: bool


def _axis(size: int) -> np.ndarray:
    return ((np.arange(size, dtype=np.float32) + 0.5) / size) * 2 - 1


def _ellipse(size: int, cu: float, cv: float, au: float, av: float) -> np.ndarray:
    axis = _axis(size)
    if au <= 0 or av <= 0:
        return np.zeros((size, size), dtype=bool)
    return ((axis[None, :] - cu) / au) ** 2 + ((axis[:, None] - cv) / av) ** 2 <= 1


def _scene(rng: np.random.Generator) -> dict:
    """Draw every random choice of one slice (geometry in half-FOV units)."""
    s = rng.uniform(0.70, 1.10)
    sv = s * rng.uniform(0.90, 1.10)
    cu, cv = rng.uniform(-0.08, 0.08), 0.05 + rng.uniform(-0.08, 0.08)
    au, av = min(0.85 * s, 0.97 - abs(cu)), min(0.60 * sv, 0.93 - abs(cv))
    scene: dict = {
        # half the slices through the liver, so that lesions are not rare
        "t": rng.uniform(0.50, 0.95) if rng.uniform() < 0.5 else rng.uniform(0.0, 1.0),
        "body": (cu, cv, au, av),
        "rim": rng.uniform(0.03, 0.09),
        "s": (au / 0.85, av / 0.60),
        "hu": {
            "air": -1000.0,
            "fat": rng.uniform(-100 - 20, -100 + 20),
            "soft": rng.uniform(40 - 10, 40 + 10),
            "lung": rng.uniform(-850 - 50, -850 + 50),
            "liver": rng.uniform(60 - 8, 60 + 8),
            "cancellous": rng.uniform(250 - 40, 250 + 40),
            "cortical": rng.uniform(900 - 80, 900 + 80),
        },
        "ribs": rng.uniform() < 0.35,
        "jitter": rng.uniform(-0.03, 0.03, size=6),
        "noise": rng.uniform(3.0, 14.0),
    }
    return scene


def _draw(scene: dict, rng: np.random.Generator) -> tuple[dict[str, list], list]:
    """Shapes (ellipses) of each structure, in painting order, and the lesions."""
    cu, cv, au, av = scene["body"]
    su, sv = scene["s"]
    j = scene["jitter"]
    t = scene["t"]

    def at(u: float, v: float) -> tuple[float, float]:
        return cu + u * su, cv + (v - 0.05) * sv

    rim = scene["rim"]
    shapes: dict[str, list] = {
        "fat": [(cu, cv, au, av)],
        "soft": [(cu, cv, au - rim, av - rim)],
        "cortical": [],
        "cancellous": [],
        "lung": [],
        "liver": [],
    }
    su_, sv_ = at(0 + j[0] * 0.3, 0.38)
    shapes["cortical"].append((su_, sv_, 0.10 * su, 0.10 * su))
    shapes["cancellous"].append((su_, sv_, 0.075 * su, 0.075 * su))
    lesions = []
    if 0.02 <= t <= 0.50:
        scale = 0.35 + 0.65 * math.sin(math.pi * (t - 0.02) / 0.48) ** 0.5
        for k, side in enumerate((-1, 1)):
            lu, lv = at(side * 0.42 + j[1 + k], j[3])
            shapes["lung"].append((lu, lv, 0.26 * scale * su, 0.36 * scale * sv))
    liver = None
    if 0.50 < t <= 0.95:
        scale = min(1.0, (t - 0.50) / 0.08) ** 0.5 * min(1.0, (0.95 - t) / 0.15) ** 0.5
        lu, lv = at(-0.35 + j[4], j[5])
        liver = (lu, lv, 0.36 * scale * su, 0.36 * scale * sv)
        shapes["liver"].append(liver)
    if liver is not None and min(liver[2], liver[3]) > 0.12:
        count = int(rng.choice(_LESION_COUNTS, p=_LESION_P))
        for _ in range(count * 20):  # rejection sampling; gives up quietly when crowded
            if len(lesions) == count:
                break
            r = rng.uniform(0.035, 0.13)
            if r > 0.8 * min(liver[2], liver[3]) - 0.01:
                continue
            a, rho = rng.uniform(0, 2 * math.pi), math.sqrt(rng.uniform(0, 1))
            # inside the liver ellipse shrunk by the lesion radius
            u = liver[0] + rho * math.cos(a) * (liver[2] - r - 0.01)
            v = liver[1] + rho * math.sin(a) * (liver[3] - r - 0.01)
            if all(math.hypot(u - p, v - q) > r + rr + 0.03 for p, q, rr, _ in lesions):
                lesions.append((u, v, r, rng.uniform(25.0, 70.0)))
    if t < 0.55 and scene["ribs"]:
        for angle in _RIB_ANGLES:
            ru = cu + (au - rim - 0.03) * math.cos(angle)
            rv = cv + (av - rim - 0.03) * math.sin(angle)
            shapes["cortical"].append((ru, rv, 0.03 * su, 0.03 * su))
    return shapes, lesions


_ORDER = ("fat", "soft", "lung", "liver", "cortical", "cancellous")
_SEG = {"fat": BACKGROUND, "soft": BACKGROUND, "lung": LUNG, "liver": LIVER,
        "cortical": BONE, "cancellous": BONE}


def _paint(size: int, scene: dict, shapes: dict, lesions: list) -> tuple[np.ndarray, np.ndarray]:
    hu = np.full((size, size), scene["hu"]["air"], dtype=np.float32)
    seg = np.zeros((size, size), dtype=np.uint8)
    # ribs and spine are painted over the soft tissue, lungs and liver under the bone
    for name in _ORDER:
        for cu, cv, au, av in shapes[name]:
            inside = _ellipse(size, cu, cv, au, av)
            hu[inside] = scene["hu"][name]
            seg[inside] = _SEG[name]
    for u, v, r, contrast in lesions:
        inside = _ellipse(size, u, v, r, r)
        hu[inside] = scene["hu"]["liver"] - contrast
        seg[inside] = LESION
    return hu, seg


def sample(rng: np.random.Generator) -> Sample:
    """One random slice at 128 × 128 (see the module docstring)."""
    scene = _scene(rng)
    shapes, lesions = _draw(scene, rng)
    hu_hi, _ = _paint(RENDER, scene, shapes, lesions)
    hu_hi += rng.standard_normal(hu_hi.shape, dtype=np.float32) * np.float32(scene["noise"])
    f = RENDER // SIZE
    hu = hu_hi.reshape(SIZE, f, SIZE, f).mean(axis=(1, 3)).astype(np.float32)
    _, seg = _paint(SIZE, scene, shapes, lesions)
    half = SIZE / 2
    boxes = np.array(
        [((u - r + 1) * half, (v - r + 1) * half, (u + r + 1) * half, (v + r + 1) * half)
         for u, v, r, _ in lesions],
        dtype=np.float32,
    ).reshape(-1, 4)
    return Sample(hu, seg, boxes, bool(lesions))


def dataset(count: int, seed: int) -> list[Sample]:
    """``count`` samples from one seeded generator (same seed, same samples)."""
    rng = np.random.default_rng(seed)
    return [sample(rng) for _ in range(count)]


def window(hu: np.ndarray, center: float, width: float) -> np.ndarray:
    """HU → [0, 1] through a window, clipped: the manifest's ``window`` intensity."""
    low = center - width / 2
    return np.clip((hu - low) / width, 0.0, 1.0).astype(np.float32)
