"""What a volume run measured as a whole: per-label volumes in mL, and how it was windowed.

Every ``Result`` of a volume run carries the same :class:`VolumeSummary` (frozen, shared),
so the AI panel and the command line can show the volumes beside the masks they come from.
A volume is the label's voxel count on the ORIGINAL grid (the masks the reader sees) ×
one acquired voxel's volume (pixel spacing × slice spacing), so it adds up exactly what
is shown, slice by slice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from viewer.inference.manifest import Label


@dataclass(frozen=True)
class LabelVolume:
    output: str
    label: Label
    voxels: int
    ml: float


@dataclass(frozen=True)
class VolumeSummary:
    voxel_mm3: float  # one acquired voxel
    frames: int  # acquired slices the volumes count over (the whole series)
    target_shape: tuple[int, int, int]  # the model's grid (depth, rows, columns)
    target_spacing_mm: tuple[float, float, float]  # reached along (depth, rows, columns)
    patches: int
    accumulator_bytes: int  # C × target voxels × 4 B, per output, summed
    volumes: tuple[LabelVolume, ...] = ()  # foreground labels, manifest order

    def ml(self, name: str) -> float:
        """The volume of the label called ``name`` (mL); KeyError if there is none."""
        for item in self.volumes:
            if item.label.name == name:
                return item.ml
        raise KeyError(name)


def label_volumes(output: str, labels: tuple[Label, ...], counts: Mapping[int, int],
                  voxel_mm3: float) -> tuple[LabelVolume, ...]:
    """Each non-background label's count and volume (label 0 is background)."""
    return tuple(
        LabelVolume(output, label, int(counts.get(label.value, 0)),
                    counts.get(label.value, 0) * voxel_mm3 / 1000.0)
        for label in labels if label.value
    )


def volume_lines(summary: VolumeSummary) -> list[str]:
    """One plain line per label, ``name 12.3 mL``, as the command line prints them."""
    return [f"{item.label.name} {item.ml:.1f} mL" for item in summary.volumes]
