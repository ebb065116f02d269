"""Randomised 2-D variants of the demo CT phantom, the training data of the bundled models.

Plain numpy and Pillow, seeded: the same seed gives the same images on every machine.

The generative story
--------------------
Each sample is one axial slice of a simplified trunk, drawn the way ``viewer.demo`` draws
its phantom (read its docstring: same structures, same nominal HU, same screen layout with
the patient's right on the screen's left), with every free choice randomised so that a
model trained on it has seen more than the one demo study, and every level of the demo
has been seen: the demo itself must lie inside this distribution, slice by slice.

* **where along the trunk**: ``t`` (0 = top of the scan, 1 = bottom) is uniform in 0 → 1
  for 35 % of the slices, in the lesion-bearing liver 0.55 → 0.90 for 30 %, and in one of
  the three transition zones for the other 35 %: the top of the scan (0 → 0.06: ribs
  with no lung or only the lung apex), the lung base and liver dome (0.44 → 0.62: small
  lungs, small liver, ribs or not) and the liver tip and below (0.88 → 1.0). A model
  that has seen these only by chance (1-3 % of slices) calls their odd shapes lesions;
* **the organs along t**, each boundary jittered round the demo's: lungs from
  ``t`` 0.02 ± 0.02 to 0.50 ± 0.03 (the same apex-to-base taper as the demo: 0.35 of full
  size at the ends), liver from the lung base to 0.95 ± 0.03 (a dome at the top,
  thinning at its tip), ribs above 0.55 ± 0.04 on 45 % of slices (the demo: 8 mm of every
  25 mm, about a third), bone discs on the ring inside the fat rim as in the demo;
* **the body**: centre shifted up to ±0.08 of the half field of view, size × 0.70 → 1.10,
  height × 0.90 → 1.10, fat rim 0.03 → 0.09 thick; organs scale and move with the body,
  each with a little jitter of its own; the spine (vertebral body and spinous process)
  as in the demo;
* **tissue HU**: fat −100 ± 20, soft tissue 40 ± 10, lung −850 ± 50, liver 60 ± 8,
  cancellous 250 ± 40, cortical 900 ± 80;
* **liver lesions are spheres cut by the slice**, as the demo's is: none (35 %), one
  (40 %), two (17 %) or three (8 %) per liver slice; each a sphere of radius 4 → 13 mm
  (the demo's: 8.2 mm) whose centre lies a uniform ``dz`` within ± its radius of the
  slice, so the slice shows a disc of in-plane radius ``sqrt(R² − dz²)``, from the
  sphere's equator down to its very edge; discs lie wholly inside the liver and apart
  from each other, 25 → 70 HU darker than the liver (the demo's: 50);
* **what counts as a lesion** on a slice: a disc of in-plane radius at least
  :data:`LESION_MIN_RADIUS_MM` (3 mm: under 2 pixels at the models' 128-pixel input, a
  few pixels at the demo's 0.8 mm). Such a slice is labelled "lesion" and the disc gets
  a box. A thinner cut of a sphere's edge is still drawn and still painted "lesion" in
  the segmentation, but the slice is ``partial``: the classifier and detector are
  trained neither to report it nor to deny it (its weight is zero), and the demo's
  quality test does not judge them there;
* **the scanner**: field of view 2 × (85 → 125) mm, matrix 256 (55 %), 512 (25 %),
  384 (10 %) or 128 (10 %) pixels (the demo writes 256, and 512 for the fine variant);
  Gaussian noise σ 3 → 14 HU per pixel, rounded to whole HU as the demo stores it;
* **the viewer's pre-processing, exactly**: the HU image is windowed and clipped as the
  recipe's spec.yaml says, then letterboxed to 128 × 128 with Pillow's bilinear resize,
  the very code path ``viewer.inference.preprocess`` takes (window first, then resample:
  averaging after the clip is what a bright rib's edge looks like to the model).

:func:`sample` returns the model input (128 × 128, 0 → 1), the segmentation labels
(:data:`SEG_NAMES`) at 128 × 128, the boxes of the lesions that count, in input pixels
(x0, y0, x1, y1), and the boxes of the partial ones (``ignore``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

SIZE = 128
# Segmentation labels of the bundled ct-body-seg model.
BACKGROUND, LUNG, LIVER, BONE, LESION = range(5)
SEG_NAMES = ("background", "lung", "liver", "bone", "lesion")
#: A slice shows a lesion when the sphere's in-plane radius there is at least this.
LESION_MIN_RADIUS_MM = 3.0

_RIB_ANGLES = np.radians([-150, -120, -60, -30, 0, 30, 60, 120, 150, 180])
_LESION_COUNTS = (0, 1, 2, 3)
_LESION_P = (0.35, 0.40, 0.17, 0.08)
_MATRICES = (256, 512, 384, 128)
_MATRIX_P = (0.55, 0.25, 0.10, 0.10)
_ZONES = ((0.0, 0.06), (0.44, 0.62), (0.88, 1.0))


@dataclass(frozen=True)
class Sample:
    image: np.ndarray  # float32 (128, 128): the model input, windowed and resized
    labels: np.ndarray  # uint8 (128, 128), SEG_NAMES
    boxes: np.ndarray  # float32 (n, 4), xyxy in input pixels: lesions that count
    ignore: np.ndarray  # float32 (m, 4): partial cuts of a sphere's edge
    t: float
    spacing_mm: float = 0.0  # in-plane pixel spacing of the generated scan (square pixels)
    matrix: int = 0  # rows = columns of the generated scan, before the resize to 128

    @property
    def has_lesion(self) -> bool:
        return len(self.boxes) > 0

    @property
    def partial(self) -> bool:
        """Only sub-threshold lesion edges: neither "lesion" nor "no lesion"."""
        return not self.has_lesion and len(self.ignore) > 0


def _axis(size: int) -> np.ndarray:
    return ((np.arange(size, dtype=np.float32) + 0.5) / size) * 2 - 1


def _paint(target: np.ndarray, shape: tuple, value: float) -> None:
    """Set ``value`` inside an ellipse or rectangle (half-FOV units), within its bbox only."""
    kind, cu, cv, au, av = shape
    if au <= 0 or av <= 0:
        return
    axis = _axis(target.shape[0])
    cols = np.nonzero(np.abs(axis - cu) <= au)[0]
    rows = np.nonzero(np.abs(axis - cv) <= av)[0]
    if cols.size == 0 or rows.size == 0:
        return
    c0, c1, r0, r1 = cols[0], cols[-1] + 1, rows[0], rows[-1] + 1
    if kind == "rect":
        target[r0:r1, c0:c1] = value
        return
    du = ((axis[c0:c1] - cu) / au) ** 2
    dv = ((axis[r0:r1] - cv) / av) ** 2
    target[r0:r1, c0:c1][dv[:, None] + du[None, :] <= 1] = value


def _scene(rng: np.random.Generator) -> dict:
    """Draw every random choice of one slice but the lesions (geometry in half-FOV units)."""
    s = rng.uniform(0.70, 1.10)
    sv = s * rng.uniform(0.90, 1.10)
    cu, cv = rng.uniform(-0.08, 0.08), 0.05 + rng.uniform(-0.08, 0.08)
    au, av = min(0.85 * s, 0.97 - abs(cu)), min(0.60 * sv, 0.93 - abs(cv))
    pick = rng.uniform()
    if pick < 0.35:
        t = rng.uniform(0.0, 1.0)
    elif pick < 0.65:
        t = rng.uniform(0.55, 0.90)
    else:
        t = rng.uniform(*_ZONES[int(rng.integers(len(_ZONES)))])
    lung_base = 0.50 + rng.uniform(-0.03, 0.03)
    return {
        "t": t,
        "lung": (0.02 + rng.uniform(-0.02, 0.02), lung_base),
        "liver": (lung_base, 0.95 + rng.uniform(-0.03, 0.03)),
        "ribs": rng.uniform() < 0.45 and t < 0.55 + rng.uniform(-0.04, 0.04),
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
        "jitter": rng.uniform(-0.03, 0.03, size=6),
        "matrix": int(rng.choice(_MATRICES, p=_MATRIX_P)),
        "half_fov_mm": rng.uniform(85.0, 125.0),
        "noise": rng.uniform(3.0, 14.0),
    }


def _shapes(scene: dict) -> tuple[dict[str, list], tuple | None]:
    """Shapes of each structure, in painting order, and the liver ellipse (or None)."""
    cu, cv, au, av = scene["body"]
    su, sv = scene["s"]
    j = scene["jitter"]
    t = scene["t"]

    def at(u: float, v: float) -> tuple[float, float]:
        return cu + u * su, cv + (v - 0.05) * sv

    rim = scene["rim"]
    shapes: dict[str, list] = {
        "fat": [("ellipse", cu, cv, au, av)],
        "soft": [("ellipse", cu, cv, au - rim, av - rim)],
        "lung": [], "liver": [], "cortical": [], "cancellous": [],
    }
    bu, bv = at(j[0] * 0.3, 0.38)
    shapes["cortical"].append(("ellipse", bu, bv, 0.10 * su, 0.10 * su))
    shapes["cortical"].append(("rect", bu, bv + 0.15 * sv, 0.03 * su, 0.05 * sv))  # spinous
    shapes["cancellous"].append(("ellipse", bu, bv, 0.075 * su, 0.075 * su))
    top, base = scene["lung"]
    if top <= t <= base:  # the demo's taper, stretched over this slice's lung range
        scale = 0.35 + 0.65 * math.sin(math.pi * (t - top) / (base - top)) ** 0.5
        for k, side in enumerate((-1, 1)):
            lu, lv = at(side * 0.42 + j[1 + k], j[3])
            shapes["lung"].append(("ellipse", lu, lv, 0.26 * scale * su, 0.36 * scale * sv))
    liver = None
    dome, tip = scene["liver"]
    if dome < t <= tip:
        scale = min(1.0, (t - dome) / 0.08) ** 0.5 * min(1.0, (tip - t) / 0.15) ** 0.5
        lu, lv = at(-0.35 + j[4], j[5])
        liver = (lu, lv, 0.36 * scale * su, 0.36 * scale * sv)
        shapes["liver"].append(("ellipse", *liver))
    if scene["ribs"]:
        for angle in _RIB_ANGLES:
            ru = cu + (au - rim - 0.03) * math.cos(angle)
            rv = cv + (av - rim - 0.03) * math.sin(angle)
            shapes["cortical"].append(("ellipse", ru, rv, 0.03 * su, 0.03 * su))
    return shapes, liver


def _lesions(scene: dict, liver: tuple | None, rng: np.random.Generator) -> list:
    """(u, v, in-plane radius, contrast) per lesion disc: spheres cut at a random height."""
    if liver is None:
        return []
    mm = scene["half_fov_mm"]
    count = int(rng.choice(_LESION_COUNTS, p=_LESION_P))
    lesions: list = []
    for _ in range(count * 20):  # rejection sampling; gives up quietly when crowded
        if len(lesions) == count:
            break
        radius = rng.uniform(4.0, 13.0)
        dz = rng.uniform(-radius, radius)
        r = math.sqrt(radius**2 - dz**2) / mm
        contrast = rng.uniform(25.0, 70.0)
        room_u, room_v = liver[2] - r - 0.01, liver[3] - r - 0.01
        if r < 0.004 or min(room_u, room_v) <= 0:
            continue
        a, rho = rng.uniform(0, 2 * math.pi), math.sqrt(rng.uniform(0, 1))
        u = liver[0] + rho * math.cos(a) * room_u
        v = liver[1] + rho * math.sin(a) * room_v
        if all(math.hypot(u - p, v - q) > r + rr + 0.03 for p, q, rr, _ in lesions):
            lesions.append((u, v, r, contrast))
    return lesions


_ORDER = ("fat", "soft", "lung", "liver", "cortical", "cancellous")
_SEG = {"fat": BACKGROUND, "soft": BACKGROUND, "lung": LUNG, "liver": LIVER,
        "cortical": BONE, "cancellous": BONE}


def _render(size: int, scene: dict, shapes: dict, lesions: list, hu: bool) -> np.ndarray:
    out = np.full((size, size), scene["hu"]["air"] if hu else BACKGROUND,
                  dtype=np.float32 if hu else np.uint8)
    # ribs and spine are painted over the soft tissue, lungs and liver under the bone
    for name in _ORDER:
        for shape in shapes[name]:
            _paint(out, shape, scene["hu"][name] if hu else _SEG[name])
    for u, v, r, contrast in lesions:
        _paint(out, ("ellipse", u, v, r, r), scene["hu"]["liver"] - contrast if hu else LESION)
    return out


def window(hu: np.ndarray, center: float, width: float) -> np.ndarray:
    """HU → [0, 1] through a window, clipped: the manifest's ``window`` intensity."""
    low = np.float32(center - width / 2)
    return np.clip((hu.astype(np.float32) - low) / np.float32(width), 0.0, 1.0)


def to_input(image: np.ndarray) -> np.ndarray:
    """A square image → 128 × 128 as ``viewer.inference.preprocess.fit`` resamples it."""
    if image.shape == (SIZE, SIZE):
        return image.astype(np.float32)
    plane = Image.fromarray(np.ascontiguousarray(image, dtype=np.float32), mode="F")
    return np.asarray(plane.resize((SIZE, SIZE), Image.Resampling.BILINEAR), dtype=np.float32)


def sample(rng: np.random.Generator, center: float, width: float) -> Sample:
    """One random slice, windowed (``center``/``width``) and resized as the viewer does."""
    scene = _scene(rng)
    shapes, liver = _shapes(scene)
    lesions = _lesions(scene, liver, rng)
    matrix = scene["matrix"]
    hu = _render(matrix, scene, shapes, lesions, hu=True)
    noise = rng.standard_normal(hu.shape, dtype=np.float32) * np.float32(scene["noise"])
    hu += np.rint(noise)
    image = to_input(window(hu, center, width))
    labels = _render(SIZE, scene, shapes, lesions, hu=False)
    half, minimum = SIZE / 2, LESION_MIN_RADIUS_MM / scene["half_fov_mm"]

    def boxes(keep) -> np.ndarray:
        return np.array(
            [((u - r + 1) * half, (v - r + 1) * half, (u + r + 1) * half, (v + r + 1) * half)
             for u, v, r, _ in lesions if keep(r)],
            dtype=np.float32,
        ).reshape(-1, 4)

    return Sample(image, labels, boxes(lambda r: r >= minimum), boxes(lambda r: r < minimum),
                  float(scene["t"]), 2 * scene["half_fov_mm"] / matrix, matrix)


def dataset(count: int, seed: int, center: float, width: float) -> list[Sample]:
    """``count`` samples from one seeded generator (same seed, same samples).

    The window changes only the images: the same seed draws the same slices for every
    model.
    """
    rng = np.random.default_rng(seed)
    return [sample(rng, center, width) for _ in range(count)]


def reference_samples(count: int, seed: int, spec: dict) -> list[dict]:
    """Training-like samples for the artifact's reference statistics (``spec.yaml``'s
    ``reference.generator``): the model input as the viewer prepares it, the scan's pixel
    spacing and size. Drawn like the training data, from a seed of their own."""
    intensity = spec["inputs"][0]["intensity"]
    return [
        {"image": s.image, "spacing_mm": (s.spacing_mm, s.spacing_mm),
         "size": (s.matrix, s.matrix)}
        for s in dataset(count, seed, float(intensity["center"]), float(intensity["width"]))
    ]
