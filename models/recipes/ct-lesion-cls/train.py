"""Train the ct-lesion-cls demo classifier on generated phantom slices (CPU, about 2 minutes).

    python train.py --out weights.pt [--seed 0] [--metrics metrics.json]

The image label is "lesion" when the slice shows a liver lesion of in-plane radius at
least phantom2d.LESION_MIN_RADIUS_MM; a slice through only a sphere's very edge has weight
zero (see phantom2d's docstring). The per-location map
is supervised only through the pooled image score (weak supervision), plus a light pull
towards "no lesion" wherever the slice has none near, so the heatmap stays quiet there.
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
from model import LesionClassifier  # noqa: E402
from phantom2d import LESION, dataset  # noqa: E402
from training import arguments, batches, report, save, seed_everything  # noqa: E402

CENTER, WIDTH = 60.0, 200.0  # as spec.yaml's input intensity
TRAIN, HELD_OUT, BATCH, STEPS = 1500, 400, 16, 800


def tensors(samples):
    x = np.stack([s.image for s in samples])[:, None]
    y = np.array([s.has_lesion for s in samples], np.float32)
    # a slice through only a sphere's very edge is neither "lesion" nor "no lesion"
    w = np.array([not s.partial for s in samples], np.float32)
    # 16 × 16 cells: 1 where a lesion pixel lies in the cell (only used as "no lesion here")
    cells = np.stack([(s.labels == LESION).reshape(16, 8, 16, 8).any(axis=(1, 3)) for s in samples])
    return (torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(w),
            torch.from_numpy(cells.astype(np.float32)))


def evaluate(model, x, y, w):
    model.eval()
    with torch.no_grad():
        probs, _ = model(x)
    judged = w > 0.5
    pred = probs[judged, 1] >= 0.5
    truth = y[judged] > 0.5
    return {
        "accuracy": round((pred == truth).float().mean().item(), 4),
        "sensitivity": round((pred & truth).sum().item() / max(truth.sum().item(), 1), 4),
        "specificity": round((~pred & ~truth).sum().item() / max((~truth).sum().item(), 1), 4),
        "positives": int(truth.sum().item()), "negatives": int((~truth).sum().item()),
        "partial_not_judged": int((~judged).sum().item()),
    }


def main() -> None:
    args = arguments(__doc__)
    started = time.monotonic()
    seed_everything(args.seed)
    x, y, w, cells = tensors(dataset(TRAIN, args.seed, CENTER, WIDTH))
    hx, hy, hw, _ = tensors(dataset(HELD_OUT, 10_000 + args.seed, CENTER, WIDTH))
    model = LesionClassifier(width=16, dropout=0.2)
    steps = args.steps or STEPS
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=3e-3, total_steps=steps)
    rng = np.random.default_rng(args.seed)
    model.train()
    for step, idx in zip(range(steps), batches(len(x), BATCH, rng), strict=False):
        local = model.local_logits(x[idx])
        loss = F.binary_cross_entropy_with_logits(model.pooled(local), y[idx], weight=w[idx])
        # cells without lesion pixels should say so (weight small: the image label leads)
        quiet = 1 - cells[idx]
        cell_loss = F.binary_cross_entropy_with_logits(
            local[:, 0], torch.zeros_like(quiet), weight=quiet
        )
        loss = loss + 0.2 * cell_loss
        optim.zero_grad()
        loss.backward()
        optim.step()
        sched.step()
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.4f}", flush=True)
    save(model, args.out)
    report({**evaluate(model, hx, hy, hw), "held_out": HELD_OUT}, started, args.metrics)


if __name__ == "__main__":
    main()
