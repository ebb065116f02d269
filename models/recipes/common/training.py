"""What every bundled recipe's train.py shares: arguments, seeding, saving."""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", required=True, help="where to write the weights (.pt)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--steps", type=int, default=None, help="optimiser steps (default: the recipe's)"
    )
    parser.add_argument(
        "--metrics", default=None, help="also write held-out metrics to this JSON file"
    )
    return parser.parse_args()


def seed_everything(seed: int) -> None:
    """Same seed, same weights: one thread count, deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)


def save(model: torch.nn.Module, out: str) -> None:
    """A state_dict, never the pickled module (see docs/modelkit.md)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)


def report(metrics: dict, started: float, path: str | None) -> None:
    metrics = {**metrics, "train_seconds": round(time.monotonic() - started, 1)}
    print(json.dumps(metrics, indent=1))
    if path:
        Path(path).write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")


def batches(count: int, size: int, rng: np.random.Generator):
    """Endless shuffled index batches."""
    while True:
        order = rng.permutation(count)
        for i in range(0, count - size + 1, size):
            yield order[i : i + size]
