"""A small 3-D U-Net: a patch of T1 MR (normalised) → logits of 4 tissue labels per voxel.

Three levels (8, 16, 32 channels, a 32-channel bottom at 1/8 of the patch), BatchNorm (in
eval mode the running statistics: no dependence on the batch, nor on a patch's own
variance, so a constant patch of the sliding window's padding is an ordinary input).
"""

from __future__ import annotations

import torch
from torch import nn


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm3d(cout),
        nn.ReLU(inplace=True),
        nn.Conv3d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm3d(cout),
        nn.ReLU(inplace=True),
    )


class UNet3D(nn.Module):
    def __init__(self, in_channels: int = 1, classes: int = 4, width: int = 8) -> None:
        super().__init__()
        w = (width, width * 2, width * 4)
        self.down = nn.ModuleList([_block(in_channels, w[0]), _block(w[0], w[1])])
        self.bottom = _block(w[1], w[2])
        self.pool = nn.MaxPool3d(2)
        self.up = nn.ModuleList([nn.ConvTranspose3d(w[i + 1], w[i], 2, stride=2) for i in (1, 0)])
        self.merge = nn.ModuleList([_block(w[i] * 2, w[i]) for i in (1, 0)])
        self.head = nn.Conv3d(w[0], classes, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        skips = []
        x = image
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips), strict=True):
            x = merge(torch.cat([up(x), skip], dim=1))
        return self.head(x)
