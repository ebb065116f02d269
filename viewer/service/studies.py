"""The studies the service shows the web viewer: folders scanned as the desktop scans them.

``lightbox serve --studies DIR`` (repeatable) and ``lightbox serve --demo`` (the demo
study, :func:`viewer.io.demo.build_demo`, written once into the cache folder) name the
folders; PACS retrieves (:mod:`viewer.service.pacs_bridge`) add the site's local store.
Each folder is read by the viewer's own scan (:func:`viewer.io.scan.scan`: headers only,
series grouped and sorted in space as the desktop sorts them), so the web page sees the
same series, in the same order, with the same frames, as a reader at a workstation.

Pixels come from the viewer's one frame source over a small LRU
(:class:`viewer.io.cache.FrameCache`, :data:`CACHE_BYTES`): any transfer syntax decoded
by :mod:`viewer.io.pixels`, the memory the service holds bounded whatever the archive.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from viewer.imaging.lut import modality_values
from viewer.io.cache import FrameCache
from viewer.io.frames import FrameSource, frame_source
from viewer.io.model import FrameRef, Series, Study
from viewer.io.scan import scan
from viewer.service.problems import ServiceError

#: Decoded frames the service keeps (stored values): about 500 CT slices of 512².
CACHE_BYTES = 256 * 1024 * 1024
#: Series descriptions (``GET /v1/series/{uid}`` answers) kept until the next scan, the
#: most recently asked: a 1,000-frame series' is about 0.3 MB.
DESCRIBED_SERIES = 64


@dataclass(frozen=True)
class Frame:
    """One frame as the web viewer gets it: grey modality values (float32) or RGB (uint8)."""

    data: np.ndarray
    samples: int

    @property
    def rows(self) -> int:
        return int(self.data.shape[0])

    @property
    def columns(self) -> int:
        return int(self.data.shape[1])

    @property
    def dtype(self) -> str:
        return "uint8" if self.samples == 3 else "float32"

    def little_endian_bytes(self) -> bytes:
        wanted = np.dtype("u1") if self.samples == 3 else np.dtype("<f4")
        return np.ascontiguousarray(self.data, dtype=wanted).tobytes()


def named(uid: str) -> str:
    """``uid`` quoted for a Problem, cut short past the 64 characters a UID may have
    (DICOM PS3.5 9.1): a request with a huge one gets a short answer, not an echo."""
    return repr(uid) if len(uid) <= 64 else repr(uid[:64]) + "…"


class StudyStore:
    """The studies under ``roots`` (rescanned by :meth:`refresh`), and their frames."""

    def __init__(self, roots: Sequence[Path], cache_bytes: int = CACHE_BYTES) -> None:
        self.roots = [Path(r) for r in roots]
        self.cache = FrameCache(cache_bytes)
        self.source: FrameSource = frame_source(self.cache)
        self._lock = threading.Lock()
        self._studies: list[Study] = []
        self._series: dict[str, tuple[Study, Series]] = {}
        self._imageless: frozenset[str] = frozenset()  # series found with nothing to show
        self._described: OrderedDict[str, tuple[Series, bytes]] = OrderedDict()
        self.refresh()

    def add_root(self, root: Path) -> None:
        if root not in self.roots:
            self.roots.append(root)

    def refresh(self) -> None:
        """Read the folders again (a retrieve added a study): one scan, swapped in whole."""
        found = scan([r for r in self.roots if r.is_dir()]) if self.roots else None
        studies = [] if found is None else [
            s for s in found.studies if any(x.has_images for x in s.series)]
        studies.sort(key=lambda s: (s.date, s.uid), reverse=True)
        series = {x.uid: (s, x) for s in studies for x in s.series if x.has_images}
        imageless = frozenset() if found is None else frozenset(
            x.uid for s in found.studies for x in s.series if not x.has_images)
        with self._lock:
            self._studies, self._series, self._imageless = studies, series, imageless
            self._described.clear()

    def studies(self) -> list[Study]:
        with self._lock:
            return list(self._studies)

    def study(self, uid: str) -> Study:
        with self._lock:
            for study in self._studies:
                if study.uid == uid:
                    return study
        raise ServiceError("unknown_study", f"no study {named(uid)} on this service")

    def series(self, uid: str) -> tuple[Study, Series]:
        with self._lock:
            found = self._series.get(uid)
        if found is None and uid in self._imageless:
            raise ServiceError("no_images", f"series {named(uid)} holds no images to show (a "
                               "report, a segmentation or another object without pixels): "
                               "open the image series it belongs with")
        if found is None:
            raise ServiceError("unknown_series", f"no series {named(uid)} on this service")
        return found

    def described(self, uid: str, build: Callable[[Study, Series], bytes]) -> bytes:
        """``build(study, series)`` for series ``uid``, made once per scan (the
        :data:`DESCRIBED_SERIES` most recently asked are kept)."""
        study, series = self.series(uid)
        with self._lock:
            found = self._described.get(uid)
            if found is not None and found[0] is series:
                self._described.move_to_end(uid)
                return found[1]
        answer = build(study, series)
        with self._lock:
            current = self._series.get(uid)
            if current is not None and current[1] is series:  # not rescanned meanwhile
                self._described[uid] = (series, answer)
                while len(self._described) > DESCRIBED_SERIES:
                    self._described.popitem(last=False)
        return answer

    def frame_ref(self, series: Series, index: int) -> FrameRef:
        if not 0 <= index < len(series.frames):
            raise ServiceError("unknown_frame", f"the series has frames 0 to "
                               f"{len(series.frames) - 1}, not {index}")
        return series.frames[index]

    def frame(self, series_uid: str, index: int) -> Frame:
        """The frame's modality values (rescale or modality LUT applied), or its RGB."""
        _, series = self.series(series_uid)
        ref = self.frame_ref(series, index)
        stored = self.source(ref)
        if stored.ndim == 3:
            return Frame(stored, 3)
        return Frame(modality_values(stored, ref.instance, ref.frame), 1)
