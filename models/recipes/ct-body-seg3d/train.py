"""Train the ct-body-seg3d demo 3-D U-Net on generated phantom volumes (CPU, about 3 minutes).

    python train.py --out weights.pt [--seed 0] [--metrics metrics.json]

Data: randomised 3-D variants of the demo CT phantom (../anatomy/phantom3d.py) drawn on
the model's 3 mm grid in the model axes "IPL"; patches of 32³ voxels through random
affines (../anatomy/augment.py: rotation ± 5°, zoom 0.9 → 1.1, thicker slices; no flips:
the liver is on the patient's right), a patch in two centred on a lesion when the volume
has one; windowed as spec.yaml says. Held out: 8 volumes from seed 10000 + seed, and the
demo phantom's own anatomy, each run whole through a Gaussian-blended sliding window
(MONAI's, as the viewer does it).
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
from model import UNet3D  # noqa: E402
from phantom3d import DEMO, LESION, SEG_NAMES, dataset, render  # noqa: E402
from training import arguments, report, save, seed_everything  # noqa: E402

CENTER, WIDTH = 40.0, 400.0  # spec.yaml's intensity: window
SPACING = 3.0
PAD_HU = -1024.0
PATCH = (32, 32, 32)
TRAIN, HELD_OUT, BATCH, STEPS = 48, 8, 4, 360
SPATIAL = Spatial(rotate_deg=5.0, zoom=(0.9, 1.1), flip_axes=(), thick_slice_p=0.25)
CLASS_WEIGHTS = torch.tensor([0.5, 1.0, 1.0, 2.0, 4.0])


def window(hu: torch.Tensor) -> torch.Tensor:
    return ((hu - (CENTER - WIDTH / 2)) / WIDTH).clamp(0.0, 1.0)


def segment(model: torch.nn.Module, hu: np.ndarray) -> np.ndarray:
    from monai.inferers import sliding_window_inference

    x = window(torch.from_numpy(hu))[None, None]
    model.eval()
    with torch.no_grad():
        logits = sliding_window_inference(x, PATCH, 4, model, overlap=0.5, mode="gaussian",
                                          padding_mode="constant",
                                          cval=float(window(torch.tensor(PAD_HU))))
    return logits.argmax(1)[0].numpy()


def dice(pairs: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, float | None]:
    """Dice per label over all voxels of all volumes together."""
    out: dict[str, float | None] = {}
    for value, name in enumerate(SEG_NAMES):
        if value == 0:
            continue
        inter = sum(float(((p == value) & (t == value)).sum()) for p, t in pairs)
        total = sum(float((p == value).sum() + (t == value).sum()) for p, t in pairs)
        out[name] = round(2 * inter / total, 4) if total else None
    return out


def main() -> None:
    args = arguments(__doc__)
    started = time.monotonic()
    seed_everything(args.seed)
    torch.set_num_threads(1)  # shared build machines; reproducible all the same
    volumes = dataset(TRAIN, args.seed, SPACING)
    images = [torch.from_numpy(v.hu) for v in volumes]
    labels = [torch.from_numpy(v.labels).long() for v in volumes]
    model = UNet3D(in_channels=1, classes=len(SEG_NAMES), width=8)
    steps = args.steps or STEPS
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=3e-3, total_steps=steps)
    rng = np.random.default_rng(args.seed)
    model.train()
    for step in range(steps):
        k = int(rng.integers(len(volumes)))
        lesion = labels[k] == LESION
        focus = lesion if lesion.any() and rng.uniform() < 0.5 else None
        x, y = patches(images[k], labels[k], BATCH, PATCH, rng, SPATIAL, PAD_HU, focus)
        loss = F.cross_entropy(model(window(x)), y, weight=CLASS_WEIGHTS)
        optim.zero_grad()
        loss.backward()
        optim.step()
        sched.step()
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.4f}", flush=True)
    save(model, args.out)
    trained = round(time.monotonic() - started, 1)
    held = dataset(HELD_OUT, 10_000 + args.seed, SPACING)
    demo = render(DEMO, SPACING, np.random.default_rng(10_000 + args.seed))
    metrics = {
        "dice": dice([(segment(model, v.hu), v.labels) for v in held]),
        "dice_demo_phantom": dice([(segment(model, demo.hu), demo.labels)]),
        "held_out": f"{HELD_OUT} generated volumes (seed {10_000 + args.seed}), whole, "
                    "and the demo phantom's anatomy on the 3 mm grid",
        "training_seconds_1_thread": trained,
    }
    report(metrics, started, args.metrics)


if __name__ == "__main__":
    main()
