"""Train the mr-brain-tissue demo 3-D U-Net on the MNI152 template (CPU, about 3 minutes).

    python train.py --out weights.pt [--seed 0] [--metrics metrics.json]

Data: nilearn's MNI152 T1 template at 2 mm and its tissue labels
(../anatomy/mni152.py), in the model axes "SPL", at the viewer's input scale (stored
values 0 → 1000, then spec.yaml's normalize). Patches of 32³ voxels are drawn through
random affines (../anatomy/augment.py) and intensity changes (below). Held out: the 1 mm
template, brought to the 2 mm grid by a triangle filter (another rendering of the same
anatomy, never seen in training), run whole through a Gaussian-blended sliding window
(MONAI's, as the viewer does it), plain and with an augmentation of its own.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "common"), str(HERE.parent / "anatomy")]

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from augment import Spatial, patches  # noqa: E402
from mni152 import STORED_SCALE, TISSUES, load  # noqa: E402
from model import UNet3D  # noqa: E402
from training import arguments, report, save, seed_everything  # noqa: E402

MEAN, STD = 500.0, 500.0  # spec.yaml's intensity: normalize
PATCH = (32, 32, 32)
BATCH, STEPS = 4, 360
# Left-right flips only: the template is symmetric, and a brain upside down is not a brain.
SPATIAL = Spatial(rotate_deg=10.0, zoom=(0.85, 1.15), flip_axes=(2,), thick_slice_p=0.25)
CLASS_WEIGHTS = torch.tensor([0.5, 2.0, 1.0, 1.0])


def intensity(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """T1 signal 0 → 1 per patch: gamma 0.7 → 1.5, scale 0.8 → 1.2, shift ± 0.05, then
    Gaussian noise σ 0 → 0.04; then the viewer's stored scale and normalize."""
    out = []
    for k in range(len(x)):
        v = x[k].clamp(min=0) ** rng.uniform(0.7, 1.5)
        v = v * rng.uniform(0.8, 1.2) + rng.uniform(-0.05, 0.05)
        v = v + torch.randn_like(v) * rng.uniform(0.0, 0.04)
        out.append(v)
    return (torch.stack(out) * STORED_SCALE - MEAN) / STD


def held_out_volume() -> tuple[np.ndarray, np.ndarray]:
    """The 1 mm template on the 2 mm grid: a (1/4, 1/2, 1/4) triangle filter along each
    axis, every other voxel (the two grids share their origin); labels at the centres."""
    fine = load(resolution=1)
    t1 = torch.from_numpy(fine.t1)[None, None]
    kernel = torch.tensor([0.25, 0.5, 0.25])
    k3 = kernel[:, None, None] * kernel[None, :, None] * kernel[None, None, :]
    smooth = F.conv3d(F.pad(t1, (1,) * 6, mode="replicate"), k3[None, None])
    return smooth[0, 0, ::2, ::2, ::2].numpy(), fine.labels[::2, ::2, ::2]


def segment(model: torch.nn.Module, t1: np.ndarray) -> np.ndarray:
    from monai.inferers import sliding_window_inference

    x = (torch.from_numpy(t1)[None, None] * STORED_SCALE - MEAN) / STD
    model.eval()
    with torch.no_grad():
        logits = sliding_window_inference(x, PATCH, 4, model, overlap=0.5, mode="gaussian",
                                          padding_mode="constant", cval=-MEAN / STD)
    return logits.argmax(1)[0].numpy()


def dice(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    out = {}
    for value, name in enumerate(TISSUES):
        if value == 0:
            continue
        p, t = pred == value, truth == value
        out[name] = round(2 * float((p & t).sum()) / float(p.sum() + t.sum()), 4)
    return out


def augmented(t1: np.ndarray, seed: int) -> np.ndarray:
    """The held-out volume as another scanner might show it: gamma 1.25, 0.9 × signal,
    noise σ 0.02 (a fixed draw, not a training one)."""
    rng = np.random.default_rng(seed)
    noisy = (np.clip(t1, 0, 1) ** 1.25) * 0.9 + rng.normal(0, 0.02, t1.shape)
    return noisy.astype(np.float32)


def main() -> None:
    args = arguments(__doc__)
    started = time.monotonic()
    seed_everything(args.seed)
    torch.set_num_threads(1)  # shared build machines; reproducible all the same
    brain = load(resolution=2)
    image, labels = torch.from_numpy(brain.t1), torch.from_numpy(brain.labels).long()
    model = UNet3D(in_channels=1, classes=len(TISSUES), width=8)
    steps = args.steps or STEPS
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=3e-3, total_steps=steps)
    rng = np.random.default_rng(args.seed)
    model.train()
    for step in range(steps):
        x, y = patches(image, labels, BATCH, PATCH, rng, SPATIAL, pad_value=0.0)
        loss = F.cross_entropy(model(intensity(x, rng)), y, weight=CLASS_WEIGHTS)
        optim.zero_grad()
        loss.backward()
        optim.step()
        sched.step()
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.4f}", flush=True)
    save(model, args.out)
    trained = round(time.monotonic() - started, 1)
    t1, truth = held_out_volume()
    metrics = {
        "dice": dice(segment(model, t1), truth),
        "dice_augmented": dice(segment(model, augmented(t1, 10_000 + args.seed)), truth),
        "held_out": "MNI152 1 mm template on the 2 mm grid (triangle filter), whole volume",
        "training_seconds_1_thread": trained,
    }
    report(metrics, started, args.metrics)


if __name__ == "__main__":
    main()
