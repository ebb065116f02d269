"""Train the ct-lesion-det demo detector on generated phantom slices (CPU, about 2 minutes).

    python train.py --out weights.pt [--seed 0] [--metrics metrics.json]

Targets, CenterNet-style: the grid cell holding a lesion's centre is positive for
objectness and learns the centre's place in the cell and the box's log size.
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
from model import LesionDetector  # noqa: E402
from phantom2d import dataset  # noqa: E402
from training import arguments, batches, report, save, seed_everything  # noqa: E402

CENTER, WIDTH = 60.0, 200.0  # as spec.yaml's input intensity
SIZE, STRIDE = 128, 8
CELLS = SIZE // STRIDE
TRAIN, HELD_OUT, BATCH, STEPS = 1500, 300, 16, 1600
CROP = 64  # random crops on the grid: a quarter of the pixels per step
THRESHOLD, IOU_MATCH = 0.5, 0.3


def targets(samples):
    """Per sample: objectness [cells, cells], its weight, and regression [4, cells, cells].

    The centre cell of a partial cut (a sphere's very edge, see phantom2d) has objectness
    weight zero: the detector is taught neither to box it nor to ignore it.
    """
    obj = np.zeros((len(samples), CELLS, CELLS), np.float32)
    weight = np.ones((len(samples), CELLS, CELLS), np.float32)
    reg = np.zeros((len(samples), 4, CELLS, CELLS), np.float32)
    for i, s in enumerate(samples):
        for x0, y0, x1, y1 in s.ignore:
            cx, cy = (x0 + x1) / 2 / STRIDE, (y0 + y1) / 2 / STRIDE
            weight[i, min(int(cy), CELLS - 1), min(int(cx), CELLS - 1)] = 0.0
        for x0, y0, x1, y1 in s.boxes:
            cx, cy = (x0 + x1) / 2 / STRIDE, (y0 + y1) / 2 / STRIDE
            gx, gy = min(int(cx), CELLS - 1), min(int(cy), CELLS - 1)
            obj[i, gy, gx] = 1.0
            reg[i, :, gy, gx] = (
                cx - gx, cy - gy, np.log((x1 - x0) / STRIDE), np.log((y1 - y0) / STRIDE)
            )
    return torch.from_numpy(obj), torch.from_numpy(weight), torch.from_numpy(reg)


def tensors(samples):
    x = np.stack([s.image for s in samples])[:, None]
    return torch.from_numpy(x), *targets(samples)


def iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms(boxes, scores, threshold=0.3):
    keep = []
    for i in np.argsort(-scores):
        if all(iou(boxes[i], boxes[k]) <= threshold for k in keep):
            keep.append(i)
    return boxes[keep]


def evaluate(model, samples):
    model.eval()
    x = torch.from_numpy(np.stack([s.image for s in samples])[:, None])
    with torch.no_grad():
        boxes, scores = model(x)
    tp = fp = fn = 0
    for s, b, sc in zip(samples, boxes.numpy(), scores.numpy()[..., 0], strict=True):
        found = nms(b[sc >= THRESHOLD], sc[sc >= THRESHOLD])
        matched = set()
        for p in found:
            hits = [k for k, t in enumerate(s.boxes) if k not in matched and iou(p, t) >= IOU_MATCH]
            if hits:
                matched.add(hits[0])
                tp += 1
            elif not any(iou(p, t) >= IOU_MATCH for t in s.ignore):  # partial: not judged
                fp += 1
        fn += len(s.boxes) - len(matched)
    return {
        "recall": round(tp / max(tp + fn, 1), 4),
        "precision": round(tp / max(tp + fp, 1), 4),
        "lesions": tp + fn, "true_positives": tp, "false_positives": fp,
        "score_threshold": THRESHOLD, "iou_match": IOU_MATCH,
    }


def main() -> None:
    args = arguments(__doc__)
    started = time.monotonic()
    seed_everything(args.seed)
    x, obj, objw, reg = tensors(dataset(TRAIN, args.seed, CENTER, WIDTH))
    held_out = dataset(HELD_OUT, 10_000 + args.seed, CENTER, WIDTH)
    model = LesionDetector(size=SIZE, stride=STRIDE, width=16)
    steps = args.steps or STEPS
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=3e-3, total_steps=steps)
    rng = np.random.default_rng(args.seed)
    model.train()
    for step, idx in zip(range(steps), batches(len(x), BATCH, rng), strict=False):
        gr, gc = rng.integers(0, (SIZE - CROP) // STRIDE + 1, size=2)
        r0, c0, n = gr * STRIDE, gc * STRIDE, CROP // STRIDE
        raw = model.raw(x[idx, :, r0 : r0 + CROP, c0 : c0 + CROP])
        o = obj[idx, gr : gr + n, gc : gc + n]
        ow = objw[idx, gr : gr + n, gc : gc + n]
        r = reg[idx, :, gr : gr + n, gc : gc + n]
        loss_obj = F.binary_cross_entropy_with_logits(
            raw[:, 0], o, weight=ow, pos_weight=torch.tensor(30.0)
        )
        pos = o > 0
        if pos.any():
            pred = torch.stack(
                [torch.sigmoid(raw[:, 1]), torch.sigmoid(raw[:, 2]), raw[:, 3], raw[:, 4]], 1
            )
            loss_reg = F.smooth_l1_loss(pred.permute(0, 2, 3, 1)[pos], r.permute(0, 2, 3, 1)[pos])
        else:
            loss_reg = raw.sum() * 0
        loss = loss_obj + 2.0 * loss_reg
        optim.zero_grad()
        loss.backward()
        optim.step()
        sched.step()
        if step % 100 == 0:
            print(f"step {step} loss {loss.item():.4f}", flush=True)
    save(model, args.out)
    report({**evaluate(model, held_out), "held_out": HELD_OUT}, started, args.metrics)


if __name__ == "__main__":
    main()
