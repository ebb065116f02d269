"""Volume models: sliding window through ONNX Runtime vs MONAI in PyTorch, resampling, memory.

    .venv/bin/python bench/bench_volume.py [--slices 600] [--size 512] [--pixel 0.7]
        [--thickness 1.0] [--spacing 1.5] [--patch 64] [--repeat 1] [--quick]
        [--recipe DIR --weights FILE] [--no-window] [--no-run]

A synthetic CT (a water ellipsoid with a bone shell in air, int16 HU) is generated in
memory, slice by slice, behind an in-memory series, so no disk is read. In the same run:

* assembly  ``viewer.inference.volume_grid.assemble``: every frame through the frame
            source, the manifest's intensity, separable linear resampling to the model's
            spacing (NumPy, chunked). Baseline: the whole stack as float32, the same
            intensity, then ``scipy.ndimage.zoom(order=1, grid_mode=True)`` to the same
            grid (the same centre-aligned sampling: the script prints the largest
            difference). Peak memory of each (``tracemalloc``: NumPy's allocations) as a
            multiple of the int16 series.
* window    a MONAI ``UNet`` (3-D, seeded weights; or ``--recipe``/``--weights``: a
            volume model's recipe, its plan from the spec) built into a verified artifact by
            ``viewer.modelkit``; the viewer's window (``sliding_window.slide``: ONNX
            Runtime as the viewer sets it up, batches of 4, gaussian blending) against
            MONAI's ``sliding_window_inference`` in PyTorch eager on the same resampled
            volume, patch plan, importance map (``roi_weight_map``) and weights, softmax
            blended, then argmax. The labels must agree: the script exits 1 if any voxel
            differs where MONAI's top two probabilities are more than 1e-3 apart (float
            noise decides a near-tie either way, and those are counted and printed).
            Target: ONNX Runtime >= 1.5x faster.
* run       the whole ``run_model`` on the series (assembly, window, labels back onto
            every frame, mL): its time and peak NumPy memory against the int16 series.

``--quick`` shrinks everything (48 slices of 96², 4 mm voxels, patch 16) for a smoke run. Needs torch,
MONAI and SciPy (test extras); the viewer itself uses none of them.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from pydicom import Dataset  # noqa: E402

from viewer.inference.manifest import Intensity  # noqa: E402
from viewer.inference.preprocess import apply_intensity  # noqa: E402
from viewer.inference.session import thread_count  # noqa: E402
from viewer.inference.sliding_window import importance, positions, slide  # noqa: E402
from viewer.inference.volume_grid import (  # noqa: E402
    assemble,
    geometry,
    pad_in_model_space,
    plan_grid,
)
from viewer.inference.volume_plan import VolumePlan  # noqa: E402
from viewer.io.model import FrameGeometry, FrameRef, Instance, PixelInfo, Series  # noqa: E402

INTENSITY = Intensity("window", center=40.0, width=400.0)
TIE = 1e-3
MIB = 2**20


# --- a synthetic CT in memory ----------------------------------------------------------------


def synthetic_ct(slices: int, size: int, pixel: float,
                 thickness: float) -> tuple[Series, Callable[[FrameRef], np.ndarray]]:
    """An axial series (head first) whose frames are computed when asked for."""
    half = size * pixel / 2
    centres = -half + pixel * (np.arange(size) + 0.5)
    y, x = np.meshgrid(centres, centres, indexing="ij")
    extent = slices * thickness / 2
    instances = []
    for k in range(slices):
        z = extent - thickness * (k + 0.5)
        header = Dataset()
        header.FrameOfReferenceUID = "1.2.3"
        instances.append(Instance(
            path=Path(f"ct{k:04d}.dcm"), kind="dicom", sop_instance_uid=f"1.2.3.{k}",
            modality="CT", instance_number=k + 1,
            pixel=PixelInfo(rows=size, columns=size, bits_stored=16, pixel_representation=1),
            geometry=[FrameGeometry((-half + pixel / 2, -half + pixel / 2, z),
                                    (1.0, 0.0, 0.0, 0.0, 1.0, 0.0), (pixel, pixel),
                                    "PixelSpacing")],
            header=header))
    series = Series(uid="bench-ct", study_uid="bench", modality="CT", description="bench CT",
                    instances=instances, frames=[FrameRef(i) for i in instances],
                    sorted_by="position")
    z_of = {id(f.instance): extent - thickness * (k + 0.5) for k, f in enumerate(series.frames)}

    def source(ref: FrameRef) -> np.ndarray:
        z = z_of[id(ref.instance)]
        r = (x / (0.8 * half)) ** 2 + (y / (0.6 * half)) ** 2 + (z / max(extent, 1)) ** 2
        hu = np.where(r < 1.0, 0, -1000).astype(np.int16)
        hu[(r >= 0.85) & (r < 1.0)] = 700  # a bone shell
        return hu

    return series, source


# --- assembly and resampling -----------------------------------------------------------------


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """(best seconds of ``repeat`` untraced runs, the last result)."""
    best, value = float("inf"), None
    for _ in range(max(1, repeat)):
        value = None  # the previous result is freed before the next run
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def peak_of(fn: Callable[[], Any]) -> tuple[int, Any]:
    """(peak bytes NumPy and Python allocated during one run, its result); a separate
    run from the timed ones, since tracing slows allocation down."""
    tracemalloc.start()
    try:
        value = fn()
        return tracemalloc.get_traced_memory()[1], value
    finally:
        tracemalloc.stop()


def scipy_baseline(series: Series, source: Callable[[FrameRef], np.ndarray],
                   target: tuple[int, int, int], intensity: Intensity) -> np.ndarray:
    from scipy import ndimage

    from viewer.imaging.lut import modality_values

    stack = np.stack([modality_values(source(f), f.instance) for f in series.frames])
    stack = apply_intensity(stack, intensity)
    zoom = [m / n for m, n in zip(target, stack.shape, strict=True)]
    resampled: np.ndarray = ndimage.zoom(stack, zoom, order=1, grid_mode=True, mode="nearest")
    return resampled


# --- the network, built into a verified artifact ---------------------------------------------

MODEL_SOURCE = '''
from monai.networks.nets import UNet


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.unet = UNet(spatial_dims=3, in_channels=1, out_channels=3,
                         channels=(8, 16, 32), strides=(2, 2), num_res_units=1, norm="batch")

    def forward(self, x):
        return self.unet(x)
'''


def build_model(work: Path, plan: VolumePlan, ns: argparse.Namespace) -> tuple[Any, Any]:
    """(the verified artifact, the same network in PyTorch eager with the same weights):
    the recipe given with ``--recipe``/``--weights``, else the bench UNet on ``plan``."""
    import torch

    from viewer.inference.verify import verify_artifact
    from viewer.modelkit import build_artifact, load_recipe
    from viewer.modelkit.weights import apply_state_dict, load_state_dict

    if ns.recipe is not None:
        recipe, weights = Path(ns.recipe), Path(ns.weights)
    else:
        recipe, weights = bench_recipe(work, plan), work / "weights.pt"
        torch.manual_seed(0)
        torch.save(load_recipe(recipe).instantiate().state_dict(), weights)
    key = ROOT / "models" / "keys" / "DEMO-ONLY-model-signing-key.pem"
    extra = {"batch_sizes": (1, 2)} if ns.quick else {}  # fewer parity batches: a smoke run
    folder = build_artifact(recipe, weights, work / "models", key=key, **extra)
    net = load_recipe(recipe).instantiate()
    apply_state_dict(net, load_state_dict(weights), weights.name)
    return verify_artifact(folder), net.eval()


def bench_recipe(work: Path, plan: VolumePlan) -> Path:
    """The bench UNet's recipe folder, its volume section from ``plan``."""
    import yaml

    p = list(plan.patch_size)
    spec = {
        "id": "bench-unet-3d", "name": "Bench UNet 3-D", "version": "0.1.0",
        "description": "Seeded random weights: a benchmark, not a model.",
        "not_for_clinical_use": True, "seed": 0,
        "intended_use": {"modality": ["CT"], "body_part": [], "population": "none",
                         "input": "volume"},
        "model": {"class": "Net", "kwargs": {}},
        "inputs": [{"name": "image", "shape": ["batch", 1, *p], "dtype": "float32",
                    "channels": 1, "intensity": {"kind": "window", "center": 40,
                                                 "width": 400}}],
        "outputs": [{"name": "logits", "kind": "mask", "shape": ["batch", 3, *p],
                     "activation": "softmax",
                     "labels": [{"value": 0, "name": "background"},
                                {"value": 1, "name": "a"}, {"value": 2, "name": "b"}]}],
        "volume": {"spacing_mm": list(plan.spacing_mm), "axes": plan.axes, "patch_size": p,
                   "overlap": plan.overlap, "blending": plan.blending,
                   "pad_value": plan.pad_value, "interpolation": plan.interpolation},
        "tolerance": {"atol": 1e-4, "rtol": 1e-3},
        "golden": {"generated": ["noise", "smooth"]},
        "training_data": "none: seeded random weights",
    }
    recipe = work / "recipe"
    recipe.mkdir(parents=True, exist_ok=True)
    (recipe / "model.py").write_text(
        "import torch\nfrom torch import nn\n" + MODEL_SOURCE, encoding="utf-8")
    (recipe / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    (recipe / "train.py").write_text("# random weights\n", encoding="utf-8")
    return recipe


def monai_window(net: Any, image: np.ndarray, plan: VolumePlan, pad: float,
                 activation: str = "softmax") -> tuple[np.ndarray, np.ndarray]:
    """MONAI's sliding window on ``image``: (labels, top-two probability margin)."""
    import torch
    from monai.inferers import sliding_window_inference

    weights = torch.from_numpy(importance(plan.patch_size, plan.blending))

    def activate(logits: Any) -> Any:  # blended after the manifest's activation, as the viewer
        if activation == "softmax":
            return torch.softmax(logits, dim=1)
        return torch.sigmoid(logits) if activation == "sigmoid" else logits

    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(image))[None, None]
        probs = sliding_window_inference(
            x, list(plan.patch_size), 4, lambda b: activate(net(b)),
            overlap=plan.overlap, mode=plan.blending, roi_weight_map=weights,
            padding_mode="constant", cval=pad)[0]
        top = torch.topk(probs, 2, dim=0).values
        return probs.argmax(0).numpy().astype(np.uint8), (top[0] - top[1]).numpy()


# --- the script ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=600)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--pixel", type=float, default=0.7)
    parser.add_argument("--thickness", type=float, default=1.0)
    parser.add_argument("--spacing", type=float, default=1.5)
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="48 slices of 96², patch 16")
    parser.add_argument("--recipe", type=Path, help="a volume model's recipe folder (its "
                        "spec.yaml's volume section is the plan) instead of the bench UNet")
    parser.add_argument("--weights", type=Path, help="the recipe's state_dict")
    parser.add_argument("--no-window", action="store_true", help="skip ORT vs MONAI")
    parser.add_argument("--no-run", action="store_true", help="skip the whole run_model")
    ns = parser.parse_args(argv)
    if ns.quick:
        ns.slices, ns.size, ns.patch, ns.pixel, ns.thickness, ns.spacing = 48, 96, 16, 2.0, \
            2.0, 4.0
    if (ns.recipe is None) != (ns.weights is None):
        parser.error("--recipe and --weights go together")
    plan = VolumePlan((ns.spacing,) * 3, "SPL", (ns.patch,) * 3, 0.5, "gaussian", -1024.0)
    with tempfile.TemporaryDirectory() as tmp:
        verified = net = None
        intensity = INTENSITY
        if not ns.no_window:
            started = time.perf_counter()
            verified, net = build_model(Path(tmp), plan, ns)
            plan, intensity = verified.manifest.volume, verified.manifest.inputs[0].intensity
            print(f"built and verified {verified.manifest.id} in "
                  f"{time.perf_counter() - started:.1f} s")
        series, source = synthetic_ct(ns.slices, ns.size, ns.pixel, ns.thickness)
        own = ns.slices * ns.size * ns.size * 2
        grid = plan_grid(geometry(series), plan)
        print(f"series {ns.slices} x {ns.size}x{ns.size} int16 ({own / MIB:.0f} MiB), "
              f"{ns.pixel} mm pixels, {ns.thickness} mm slices -> model grid "
              f"{' x '.join(map(str, grid.model_shape))} at "
              f"{' x '.join(f'{v:g}' for v in plan.spacing_mm)} mm, {thread_count()} threads")
        acquired = assembly(ns, series, source, grid, intensity, own)
        if verified is None:
            return 0
        status = window(ns, plan, grid, acquired, verified, net)
        if not ns.no_run:
            whole_run(verified, series, source, own)
    return status


def assembly(ns: argparse.Namespace, series: Series, source: Callable[[FrameRef], np.ndarray],
             grid: Any, intensity: Intensity, own: int) -> np.ndarray:
    ours = lambda: assemble(series, grid, intensity, "linear", source=source)  # noqa: E731
    baseline = lambda: scipy_baseline(series, source, grid.target, intensity)  # noqa: E731
    ours_s, _ = best_of(ours, ns.repeat)
    ours_peak, acquired = peak_of(ours)
    base_s, _ = best_of(baseline, ns.repeat)
    base_peak, base = peak_of(baseline)
    difference = float(np.abs(acquired - base).max())
    del base
    print(f"assembly+resampling  Lightbox {ours_s:8.2f} s  peak {ours_peak / MIB:7.0f} MiB "
          f"({ours_peak / own:.2f}x series)   NumPy+scipy.zoom {base_s:8.2f} s  peak "
          f"{base_peak / MIB:7.0f} MiB ({base_peak / own:.2f}x series)   "
          f"time ratio {base_s / ours_s:.2f}x   max difference {difference:.2e}")
    result: np.ndarray = acquired
    return result


def window(ns: argparse.Namespace, plan: VolumePlan, grid: Any, acquired: np.ndarray,
           verified: Any, net: Any) -> int:
    import torch

    torch.set_num_threads(thread_count())
    manifest = verified.manifest
    spec, out = manifest.inputs[0], manifest.outputs[0]
    image = np.ascontiguousarray(grid.to_model(acquired))
    pad = pad_in_model_space(plan, spec.intensity)
    patches = len(positions(image.shape, plan))
    session = verified.session()

    def ort() -> np.ndarray:
        blended = slide(image, plan, manifest.outputs,
                        lambda b: session.run([o.name for o in manifest.outputs],
                                              {spec.name: b}), pad=pad)
        return blended[0].labels()

    with torch.inference_mode():  # warm-up: the ONNX session is warm from verification
        net(torch.zeros((4, 1, *plan.patch_size)))
    ort_s, labels = best_of(ort, ns.repeat)
    monai_s, (theirs, margin) = best_of(
        lambda: monai_window(net, image, plan, pad, out.activation), ns.repeat)
    table = np.array([label.value or 0 for label in out.labels], dtype=np.int64)
    theirs = table[theirs] if theirs.max(initial=0) < table.size else theirs
    differ = labels != theirs
    real = int((differ & (margin > TIE)).sum())
    ratio = monai_s / ort_s
    edge = "x".join(map(str, plan.patch_size))
    print(f"sliding window ({patches} patches of {edge})  ONNX Runtime {ort_s:8.2f} s"
          f"   MONAI PyTorch eager {monai_s:8.2f} s   ratio {ratio:.2f}x   target >= 1.5x: "
          f"{'ok' if ratio >= 1.5 else 'MISSED'}")
    print(f"labels equal on {labels.size - int(differ.sum())} of {labels.size} voxels; "
          f"{int(differ.sum())} differ, all near-ties (top-two margin <= {TIE:g}): "
          f"{'yes' if real == 0 else f'NO, {real} are not'}")
    return 0 if real == 0 else 1


def whole_run(verified: Any, series: Series, source: Callable[[FrameRef], np.ndarray],
              own: int) -> None:
    from viewer.audit.log import AuditLog
    from viewer.host.settings import load_settings
    from viewer.inference import run_model

    with tempfile.TemporaryDirectory() as audit:
        os.environ["LIGHTBOX_AUDIT_DIR"] = audit
        log = AuditLog.of(load_settings())
        started = time.perf_counter()
        peak, results = peak_of(lambda: run_model(verified, series, audit_log=log,
                                                  source=source, accept_warnings=True))
        seconds = time.perf_counter() - started
    summary = results[0].volume
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    print(f"whole run_model (traced)  {seconds:8.2f} s   peak NumPy {peak / MIB:7.0f} MiB "
          f"({peak / own:.2f}x series; accumulator {summary.accumulator_bytes / MIB:.0f} MiB)"
          f"   process max RSS so far {rss / MIB:.0f} MiB   {len(results)} masks")


if __name__ == "__main__":
    sys.exit(main())
