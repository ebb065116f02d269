"""A small one-stage, anchor-free detector (CenterNet-like) for liver lesions.

Every cell of a 16 × 16 grid over the 128 × 128 input predicts whether a lesion's centre
lies in it, where in the cell, and the box size. Box decoding happens in the graph, so the
ONNX outputs are ready to use: ``boxes`` [batch, 256, 4] as x0, y0, x1, y1 in input pixels
and ``scores`` [batch, 256, 1]; thresholding and non-maximum suppression are left to the
viewer, which reads them from the manifest.
"""

from __future__ import annotations

import torch
from torch import nn


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class LesionDetector(nn.Module):
    def __init__(self, size: int = 128, stride: int = 8, width: int = 16) -> None:
        super().__init__()
        self.stride = stride
        self.features = nn.Sequential(
            _conv(1, width), nn.MaxPool2d(2),
            _conv(width, width * 2), nn.MaxPool2d(2),
            _conv(width * 2, width * 3), nn.MaxPool2d(2),
            _conv(width * 3, width * 4), _conv(width * 4, width * 4),
        )
        self.head = nn.Conv2d(width * 4, 5, 1)  # objectness, dx, dy, log w, log h
        cells = size // stride
        ys, xs = torch.meshgrid(torch.arange(cells), torch.arange(cells), indexing="ij")
        self.register_buffer("grid_x", xs.reshape(1, -1).float(), persistent=False)
        self.register_buffer("grid_y", ys.reshape(1, -1).float(), persistent=False)

    def raw(self, image: torch.Tensor) -> torch.Tensor:
        """The head's maps [batch, 5, cells, cells] (what training supervises)."""
        return self.head(self.features(image))

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.raw(image).flatten(2)  # [batch, 5, cells²]
        cx = (self.grid_x + torch.sigmoid(out[:, 1])) * self.stride
        cy = (self.grid_y + torch.sigmoid(out[:, 2])) * self.stride
        half_w = torch.exp(out[:, 3].clamp(-4.0, 4.0)) * (self.stride / 2)
        half_h = torch.exp(out[:, 4].clamp(-4.0, 4.0)) * (self.stride / 2)
        boxes = torch.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], dim=2)
        scores = torch.sigmoid(out[:, 0]).unsqueeze(2)
        return boxes, scores
