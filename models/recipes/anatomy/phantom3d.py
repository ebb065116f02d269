"""Randomised 3-D variants of the demo CT phantom, the training data of ct-body-seg3d.

Plain numpy, seeded. The anatomy is ``viewer.io.demo``'s (read its docstring: the same
structures, nominal HU and layout), drawn as whole volumes in the model axes "IPL": depth
increases toward Inferior (the demo's ``t``, 0 = top of the scan), rows toward Posterior
(the demo's ``v``), columns toward the patient's Left (the demo's ``u``, screen left =
patient right). Every free choice is randomised, as ``../common/phantom2d.py`` does slice by
slice, but once per volume, so the organs are continuous along z:

* **the scan**: half field of view 85 → 125 mm (the demo: 102.4), scanned length
  120 → 240 mm (the demo: 157.5);
* **the body**: centre shifted up to ± 0.08 of the half field of view, size × 0.70 → 1.10,
  height × 0.90 → 1.10, fat rim 0.03 → 0.09; organs scale and move with it;
* **the organs along t**: lungs from 0.02 ± 0.02 to 0.50 ± 0.03 (tapered as the demo's),
  liver from the lung base to 0.95 ± 0.03 (a dome and a thin tip), ribs above
  0.55 ± 0.04: 8 mm of every 25 mm, at a random phase; the spine on every slice;
* **liver lesions**: 0 → 3 spheres (the demo has one) of radius 4 → 13 mm, wholly inside
  the liver, 25 → 70 HU darker than it;
* **tissue HU** as phantom2d's (fat −100 ± 20, soft 40 ± 10, lung −850 ± 50, liver
  60 ± 8, cancellous 250 ± 40, cortical 900 ± 80);
* **the viewer's resampling**: each voxel of the model grid is the mean of 2 × 2 × 2
  sub-samples (partial volume, as a linear resampling from a finer series blurs edges),
  plus Gaussian noise σ 1 → 12 HU (the series' noise after resampling).

Labels (:data:`SEG_NAMES`, as ct-body-seg's): background, lung, liver, bone (cortical and
cancellous), lesion, taken at each voxel's centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SEG_NAMES = ("background", "lung", "liver", "bone", "lesion")
BACKGROUND, LUNG, LIVER, BONE, LESION = range(5)
MODEL_AXES = "IPL"
AIR_HU = -1000.0
_RIB_ANGLES = np.radians([-150, -120, -60, -30, 0, 30, 60, 120, 150, 180])
# painting order: later structures cover earlier ones
_TISSUES = ("air", "fat", "soft", "lung", "liver", "lesion", "cancellous", "cortical")
_LABEL_OF = {"lung": LUNG, "liver": LIVER, "lesion": LESION, "cancellous": BONE,
             "cortical": BONE}


@dataclass(frozen=True)
class Volume:
    hu: np.ndarray  # float32 (depth, rows, columns), model axes "IPL"
    labels: np.ndarray  # uint8, SEG_NAMES
    spacing_mm: float


@dataclass(frozen=True)
class Scene:
    half_fov_mm: float
    length_mm: float
    body: tuple[float, float, float, float]  # cu, cv, au, av (half-FOV units)
    rim: float
    lung: tuple[float, float]  # t range
    liver: tuple[float, float]
    ribs_below: float  # ribs where t < this
    rib_phase_mm: float
    lesions: tuple[tuple[float, float, float, float, float], ...]  # u, v, t, r_mm, dHU
    hu: dict[str, float]
    noise: float

    @property
    def scale(self) -> tuple[float, float]:
        return self.body[2] / 0.85, self.body[3] / 0.60


DEMO = Scene(102.4, 157.5, (0.0, 0.05, 0.85, 0.60), 0.06, (0.02, 0.50), (0.50, 0.95), 0.55,
             0.0, ((-0.40, 0.0, 0.70, 0.08 * 102.4, 50.0),),
             {"air": -1000, "fat": -100, "soft": 40, "lung": -850, "liver": 60,
              "cancellous": 250, "cortical": 900}, 8.0)


def random_scene(rng: np.random.Generator) -> Scene:
    s = rng.uniform(0.70, 1.10)
    sv = s * rng.uniform(0.90, 1.10)
    cu, cv = rng.uniform(-0.08, 0.08), 0.05 + rng.uniform(-0.08, 0.08)
    au, av = min(0.85 * s, 0.97 - abs(cu)), min(0.60 * sv, 0.93 - abs(cv))
    lung_base = 0.50 + rng.uniform(-0.03, 0.03)
    liver = (lung_base, 0.95 + rng.uniform(-0.03, 0.03))
    half_fov, length = rng.uniform(85.0, 125.0), rng.uniform(120.0, 240.0)
    liver_hu = rng.uniform(52, 68)
    lesions = []
    for _ in range(int(rng.choice(4, p=(0.25, 0.45, 0.2, 0.1)))):
        r_mm = rng.uniform(4.0, 13.0)
        t = rng.uniform(0.62, 0.85)
        u = cu + (-0.35 + rng.uniform(-0.15, 0.15)) * au / 0.85
        v = cv + (-0.05 + rng.uniform(-0.15, 0.15)) * av / 0.60
        lesions.append((u, v, t, r_mm, rng.uniform(25, 70)))
    return Scene(
        half_fov, length, (cu, cv, au, av), rng.uniform(0.03, 0.09),
        (0.02 + rng.uniform(-0.02, 0.02), lung_base), liver,
        0.55 + rng.uniform(-0.04, 0.04), rng.uniform(0, 25), tuple(lesions),
        {"air": AIR_HU, "fat": rng.uniform(-120, -80), "soft": rng.uniform(30, 50),
         "lung": rng.uniform(-900, -800), "liver": liver_hu,
         "cancellous": rng.uniform(210, 290), "cortical": rng.uniform(820, 980)},
        rng.uniform(1.0, 12.0))


def _tissue(scene: Scene, u: np.ndarray, v: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Index into _TISSUES at points (u, v, t) broadcast together."""
    cu, cv, au, av = scene.body
    su, sv = scene.scale
    shape = np.broadcast_shapes(u.shape, v.shape, t.shape)
    out = np.zeros(shape, dtype=np.uint8)

    def ell(cx: float, cy: float, ax, ay) -> np.ndarray:
        ax, ay = np.maximum(ax, 1e-6), np.maximum(ay, 1e-6)
        return ((u - cx) / ax) ** 2 + ((v - cy) / ay) ** 2 <= 1

    def at(x: float, y: float) -> tuple[float, float]:
        return cu + x * su, cv + (y - 0.05) * sv

    def paint(mask: np.ndarray, name: str) -> None:
        out[np.broadcast_to(mask, shape)] = _TISSUES.index(name)

    paint(ell(cu, cv, au, av), "fat")
    paint(ell(cu, cv, au - scene.rim, av - scene.rim), "soft")
    t0, t1 = scene.lung
    in_lung = (t >= t0) & (t <= t1)
    taper = 0.35 + 0.65 * np.sin(np.pi * np.clip((t - t0) / (t1 - t0), 0, 1)) ** 0.5
    for side in (-1, 1):
        x, y = at(side * 0.42, 0.0)
        paint(in_lung & ell(x, y, 0.26 * su * taper, 0.36 * sv * taper), "lung")
    l0, l1 = scene.liver
    in_liver = (t > l0) & (t <= l1)
    dome = (np.clip((t - l0) / 0.08, 0, 1) ** 0.5) * (np.clip((l1 - t) / 0.15, 0, 1) ** 0.5)
    x, y = at(-0.35, 0.0)
    liver = in_liver & ell(x, y, 0.36 * su * dome, 0.36 * sv * dome)
    paint(liver, "liver")
    for k, (lu, lv, lt, r_mm, _) in enumerate(scene.lesions):
        dz = (t - lt) * scene.length_mm
        r = np.sqrt(np.maximum(r_mm**2 - dz**2, 0)) / scene.half_fov_mm
        paint(liver & (np.abs(dz) < r_mm) & ell(lu, lv, r, r), "lesion")
        out[(out == _TISSUES.index("lesion")) & ~liver] = _TISSUES.index("soft")
        del k
    x, y = at(0.0, 0.38)
    paint(ell(x, y, 0.10 * su, 0.10 * su), "cortical")
    paint(ell(x, y, 0.075 * su, 0.075 * su), "cancellous")
    x0, y0 = at(0.0, 0.48)
    _, y1 = at(0.0, 0.58)
    paint((np.abs(u - x0) <= 0.03 * su) & (v >= y0) & (v <= y1), "cortical")
    ribs = (t < scene.ribs_below) & ((t * scene.length_mm + scene.rib_phase_mm) % 25.0 < 8.0)
    for angle in _RIB_ANGLES:
        x, y = at(0.76 * math.cos(angle), 0.05 + 0.51 * math.sin(angle))
        paint(ribs & ell(x, y, 0.03 * su, 0.03 * sv), "cortical")
    return out


def _grid(scene: Scene, spacing: float, offset: float) -> tuple[np.ndarray, ...]:
    """(t, v, u) sample coordinates of a model grid covering the scan, shifted by
    ``offset`` voxels (sub-samples)."""
    n_in = max(int(round(2 * scene.half_fov_mm / spacing)), 1)
    n_z = max(int(round(scene.length_mm / spacing)) + 1, 1)
    inplane = ((np.arange(n_in) + 0.5 + offset) * spacing - scene.half_fov_mm) / scene.half_fov_mm
    t = np.clip((np.arange(n_z) + offset) * spacing / scene.length_mm, 0, 1)
    return t[:, None, None], inplane[None, :, None], inplane[None, None, :]


def render(scene: Scene, spacing: float, rng: np.random.Generator | None = None) -> Volume:
    """The scene on a grid of ``spacing`` mm in model axes "IPL"; noise from ``rng``."""
    t, v, u = _grid(scene, spacing, 0.0)
    names = _TISSUES
    labels_t = _tissue(scene, u, v, t)
    labels = np.zeros(labels_t.shape, dtype=np.uint8)
    for name, value in _LABEL_OF.items():
        labels[labels_t == names.index(name)] = value
    hu = np.zeros(labels_t.shape, dtype=np.float64)
    for du in (-0.25, 0.25):
        for dv in (-0.25, 0.25):
            for dt in (-0.25, 0.25):
                tt, vv, uu = _grid(scene, spacing, 0.0)
                step = spacing / scene.half_fov_mm
                sub = _tissue(scene, uu + du * step, vv + dv * step,
                              np.clip(tt + dt * spacing / scene.length_mm, 0, 1))
                hu += _hu_of(scene, sub, uu + du * step, vv + dv * step, tt)
    hu /= 8
    if rng is not None:
        hu += rng.normal(0.0, scene.noise, hu.shape)
    return Volume(hu.astype(np.float32), labels, spacing)


def _hu_of(scene: Scene, tissue: np.ndarray, u: np.ndarray, v: np.ndarray,
           t: np.ndarray) -> np.ndarray:
    table = np.array([scene.hu.get(n, 0.0) for n in _TISSUES])
    hu = table[tissue]
    lesion = tissue == _TISSUES.index("lesion")
    if lesion.any() and scene.lesions:
        # each lesion its own contrast: the nearest lesion centre decides
        u_b, v_b, t_b = np.broadcast_arrays(u, v, t)
        best = np.full(hu.shape, np.inf)
        for lu, lv, lt, _, d_hu in scene.lesions:
            dist = ((u_b - lu) * scene.half_fov_mm) ** 2 + ((v_b - lv) * scene.half_fov_mm) ** 2 \
                + ((t_b - lt) * scene.length_mm) ** 2
            pick = lesion & (dist < best)
            hu[pick] = scene.hu["liver"] - d_hu
            best = np.where(pick, dist, best)
    return hu


def dataset(count: int, seed: int, spacing: float) -> list[Volume]:
    """``count`` random volumes, seeded (the same seed, the same volumes)."""
    rng = np.random.default_rng(seed)
    return [render(random_scene(rng), spacing, rng) for _ in range(count)]
