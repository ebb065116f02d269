"""A CNN that says whether a slice shows a liver lesion, with a class-activation map.

The classifier is a 1 × 1 convolution over a 16 × 16 feature map, giving a lesion score
per location; the image's score pools those with a soft maximum (log-sum-exp), so one
small lesion is enough. The heatmap ``cam`` is the per-location lesion probability, the
very quantity the pooled decision is made of, computed inside the graph.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class LesionClassifier(nn.Module):
    def __init__(self, width: int = 16, dropout: float = 0.2, sharpness: float = 4.0) -> None:
        super().__init__()
        self.sharpness = sharpness
        self.features = nn.Sequential(
            _conv(1, width), nn.MaxPool2d(2),
            _conv(width, width * 2), nn.MaxPool2d(2),
            _conv(width * 2, width * 4), nn.MaxPool2d(2),
            _conv(width * 4, width * 4),
        )
        self.dropout = nn.Dropout2d(dropout)
        self.score = nn.Conv2d(width * 4, 1, 1)

    def local_logits(self, image: torch.Tensor) -> torch.Tensor:
        return self.score(self.dropout(self.features(image)))  # [batch, 1, 16, 16]

    def pooled(self, local: torch.Tensor) -> torch.Tensor:
        """Log-sum-exp pooling: between the mean (sharpness → 0) and the maximum (→ ∞)."""
        r = self.sharpness
        flat = local.flatten(1) * r
        return (torch.logsumexp(flat, dim=1) - math.log(flat.shape[1])) / r

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        local = self.local_logits(image)
        logit = self.pooled(local)
        probs = torch.softmax(torch.stack([torch.zeros_like(logit), logit], dim=1), dim=1)
        return probs, torch.sigmoid(local)
