"""What the PACS benchmarks share: a local Orthanc loaded with one phantom CT series, and
the plain peers Lightbox's retrieves are measured against (a pynetdicom C-GET that writes
each object's bytes to a file, and dcmtk's ``getscu``).

Used by bench_pacs.py, bench_dicomweb.py and bench_arriving.py; not a benchmark itself.
The Orthanc is the tests' (``tests/pacs_server.py``): 127.0.0.1, free ports, its own
temporary storage, the DICOMweb plugin where installed.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.pacs_server import LIGHTBOX_AET, ORTHANC_AET, Orthanc, free_port


@dataclass(frozen=True)
class LoadedSeries:
    """The running Orthanc and the one series it holds."""

    server: Orthanc
    study: str
    series: str
    paths: tuple[Path, ...]

    @property
    def megabytes(self) -> float:
        return sum(p.stat().st_size for p in self.paths) / 1e6

    def site(self, path: Path, store: Path, *, dicomweb: bool = False) -> Path:
        """A site file naming the Orthanc as node ``orthanc`` (and, with ``dicomweb``,
        its DICOMweb service as node ``web``), the store at ``store``."""
        server = self.server
        text = (f'local_ae_title = "{LIGHTBOX_AET}"\nstorage_port = {server.storage_port}\n'
                f'pacs_store_dir = "{store}"\n[dicom_nodes.orthanc]\n'
                f'ae_title = "{ORTHANC_AET}"\nhost = "127.0.0.1"\nport = {server.dicom_port}\n')
        if dicomweb:
            text += f'[dicomweb_nodes.web]\nurl = "{server.dicomweb_url}"\n'
        path.write_text(text, encoding="utf-8")
        return path

    def plain_get(self, out: Path) -> None:
        """The plain peer: one C-GET of the series with pynetdicom, each object's bytes
        written to a file as they come (no listing, no checks, no fsync)."""
        from pydicom import Dataset
        from pynetdicom import AE, StoragePresentationContexts, build_role, evt
        from pynetdicom.sop_class import (  # type: ignore[attr-defined]
            StudyRootQueryRetrieveInformationModelGet,
        )

        out.mkdir(parents=True)
        count = [0]

        def store(event: evt.Event) -> int:
            (out / f"{event.request.AffectedSOPInstanceUID}.dcm").write_bytes(
                event.encoded_dataset())
            count[0] += 1
            return 0x0000

        ae = AE(ae_title=LIGHTBOX_AET)
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
        for cx in StoragePresentationContexts[:120]:
            ae.add_requested_context(cx.abstract_syntax)
        roles = [build_role(cx.abstract_syntax, scp_role=True)
                 for cx in StoragePresentationContexts[:120]]
        assoc = ae.associate("127.0.0.1", self.server.dicom_port, ae_title=ORTHANC_AET,
                             ext_neg=roles, evt_handlers=[(evt.EVT_C_STORE, store)])
        ds = Dataset()
        ds.QueryRetrieveLevel = "SERIES"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = self.study, self.series
        for _ in assoc.send_c_get(ds, StudyRootQueryRetrieveInformationModelGet):
            pass
        assoc.release()
        assert count[0] == len(self.paths)

    def getscu(self, out: Path) -> None:
        """dcmtk's getscu of the series into ``out``."""
        out.mkdir(parents=True)
        subprocess.run(["getscu", "-aet", LIGHTBOX_AET, "-aec", ORTHANC_AET, "-S",
                        "-k", "QueryRetrieveLevel=SERIES", "-k",
                        f"StudyInstanceUID={self.study}", "-k",
                        f"SeriesInstanceUID={self.series}", "-od", str(out), "127.0.0.1",
                        str(self.server.dicom_port)], check=True, capture_output=True)
        assert len(list(out.iterdir())) == len(self.paths)


@contextlib.contextmanager
def orthanc_with_series(work: Path, slices: int, size: int) -> Iterator[LoadedSeries]:
    """A started Orthanc (its folder in ``work``) holding one phantom CT series of
    ``slices`` images of ``size``²; stopped at the end."""
    import pydicom

    from viewer.io.demo import write_phantom_series

    server = Orthanc(work / "orthanc", free_port(), free_port(), free_port())
    server.folder.mkdir()
    server.write_config()
    server.start()
    try:
        paths = write_phantom_series(work / "series", slices=slices, size=size)
        for path in paths:
            assert server.upload(path) is not None
        first = pydicom.dcmread(paths[0], stop_before_pixels=True)
        yield LoadedSeries(server, str(first.StudyInstanceUID), str(first.SeriesInstanceUID),
                           tuple(paths))
    finally:
        server.stop()


def interleaved_medians(contestants: dict[str, Callable[[Path], None]], rounds: int,
                        work: Path) -> dict[str, float]:
    """Each contestant's median seconds over ``rounds`` rounds in which they alternate
    (a busy machine slows them alike), each retrieving into a fresh folder removed after."""
    times: dict[str, list[float]] = {name: [] for name in contestants}
    for round_ in range(rounds):
        for name, fn in contestants.items():
            out = work / f"out-{round_}-{name.replace(' ', '-')}"
            start = time.perf_counter()
            fn(out)
            times[name].append(time.perf_counter() - start)
            shutil.rmtree(out)
    return {name: statistics.median(t) for name, t in times.items()}
