"""Train the ct-body-seg demo U-Net on generated phantom slices (CPU, about 2 minutes).

    python train.py --out weights.pt [--seed 0] [--metrics metrics.json]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "common")]

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from model import UNet  # noqa: E402
from phantom2d import SEG_NAMES, dataset  # noqa: E402
from training import arguments, batches, report, save, seed_everything  # noqa: E402

CENTER, WIDTH = 40.0, 400.0  # as spec.yaml's input intensity
TRAIN, HELD_OUT, BATCH, STEPS = 1500, 200, 12, 1200
CROP = 64  # training on random crops: a quarter of the pixels, four times the steps
CLASS_WEIGHTS = torch.tensor([0.5, 1.0, 1.0, 2.0, 4.0])


def tensors(samples):
    x = np.stack([s.image for s in samples])[:, None]
    y = np.stack([s.labels for s in samples]).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def dice_per_label(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x[i : i + 50]).argmax(1) for i in range(0, len(x), 50)])
    out = {}
    for value, name in enumerate(SEG_NAMES):
        p, t = pred == value, y == value
        denom = (p.sum() + t.sum()).item()
        out[name] = round(2 * (p & t).sum().item() / denom, 4) if denom else None
    return out


def main() -> None:
    args = arguments(__doc__)
    started = time.monotonic()
    seed_everything(args.seed)
    x, y = tensors(dataset(TRAIN, args.seed, CENTER, WIDTH))
    hx, hy = tensors(dataset(HELD_OUT, 10_000 + args.seed, CENTER, WIDTH))
    model = UNet(in_channels=1, classes=len(SEG_NAMES), width=8)
    steps = args.steps or STEPS
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=3e-3, total_steps=steps)
    rng = np.random.default_rng(args.seed)
    model.train()
    for step, idx in zip(range(steps), batches(len(x), BATCH, rng), strict=False):
        r, c = rng.integers(0, x.shape[-1] - CROP + 1, size=2)
        xb = x[idx, :, r : r + CROP, c : c + CROP]
        yb = y[idx, r : r + CROP, c : c + CROP]
        loss = F.cross_entropy(model(xb), yb, weight=CLASS_WEIGHTS)
        optim.zero_grad()
        loss.backward()
        optim.step()
        sched.step()
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.4f}", flush=True)
    save(model, args.out)
    report({"dice": dice_per_label(model, hx, hy), "held_out": HELD_OUT}, started, args.metrics)


if __name__ == "__main__":
    main()
