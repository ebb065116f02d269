"""What DICOM over TLS costs: the same CT series retrieved by Lightbox's C-GET from a plain
Orthanc and from an Orthanc in TLS mode (mutual TLS, TLS 1.2+ with its certificates made
by ``openssl``), and a C-ECHO (an association and nothing else: the handshake's share)
from each, in interleaved rounds (medians), in the same run.

    .venv/bin/python bench/bench_tls.py [--slices N] [--size PX] [--rounds N] [--echoes N]

Needs Orthanc (``/usr/sbin/Orthanc``; Debian: apt-get install orthanc) and ``openssl``.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--echoes", type=int, default=10)
    ns = parser.parse_args()

    from tests.net.tls_certs import OPENSSL, make_pki
    from tests.pacs_server import LIGHTBOX_AET, ORTHANC, ORTHANC_AET, Orthanc, free_port
    from viewer.host.settings import load_settings
    from viewer.io.demo import write_phantom_series
    from viewer.net.dimse import echo
    from viewer.net.retrieve import retrieve
    from viewer.net.store import LocalStore

    if ORTHANC is None or OPENSSL is None:
        print("Orthanc or openssl is not installed: nothing to measure")
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-tls-"))
    pki = make_pki(work / "pki")
    servers = {"plain": Orthanc(work / "plain", free_port(), free_port(), free_port()),
               "TLS": Orthanc(work / "tls", free_port(), free_port(), free_port(), tls={
                   "certificate": pki.server_cert, "key": pki.server_key,
                   "trusted": pki.ca, "client_required": True})}
    with contextlib.ExitStack() as stack:
        for server in servers.values():
            server.folder.mkdir()
            server.write_config()
            server.start()
            stack.callback(server.stop)
        stack.callback(shutil.rmtree, work, True)
        paths = write_phantom_series(work / "series", slices=ns.slices, size=ns.size)
        for path in paths:
            for server in servers.values():
                assert server.upload(path) is not None
        import pydicom

        first = pydicom.dcmread(paths[0], stop_before_pixels=True)
        study, series = str(first.StudyInstanceUID), str(first.SeriesInstanceUID)
        megabytes = sum(p.stat().st_size for p in paths) / 1e6
        settings = {}
        for name, server in servers.items():
            site = work / f"{name}.toml"
            tls = (f'tls_ca_file = "{pki.ca}"\ntls_cert_file = "{pki.client_cert}"\n'
                   f'tls_key_file = "{pki.client_key}"\n') if name == "TLS" else ""
            site.write_text(
                f'local_ae_title = "{LIGHTBOX_AET}"\n{tls}[dicom_nodes.orthanc]\n'
                f'ae_title = "{ORTHANC_AET}"\nhost = "127.0.0.1"\nport = {server.dicom_port}\n'
                f"tls = {'true' if name == 'TLS' else 'false'}\n", encoding="utf-8")
            settings[name] = load_settings(site, work / "prefs.json")
            assert settings[name].problems == (), settings[name].problems

        def get(name: str) -> Callable[[Path], None]:
            def run(out: Path) -> None:
                s = settings[name]
                outcome = retrieve(s.dicom_nodes["orthanc"], s, study, series,
                                   store=LocalStore(out, indexed=False))
                assert outcome.complete and outcome.stored == ns.slices
            return run

        def echoes(name: str) -> Callable[[Path], None]:
            def run(_out: Path) -> None:
                s = settings[name]
                for _ in range(ns.echoes):
                    echo(s.dicom_nodes["orthanc"], s)
            return run

        contestants = {"Lightbox C-GET plain": get("plain"), "Lightbox C-GET TLS": get("TLS"),
                       "C-ECHO plain": echoes("plain"), "C-ECHO TLS": echoes("TLS")}
        times: dict[str, list[float]] = {name: [] for name in contestants}
        for round_ in range(ns.rounds):
            for name, fn in contestants.items():
                out = work / f"out-{round_}-{name.replace(' ', '-')}"
                start = time.perf_counter()
                fn(out)
                times[name].append(time.perf_counter() - start)
                shutil.rmtree(out, ignore_errors=True)
        median = {name: statistics.median(t) for name, t in times.items()}
        print(f"series: {ns.slices} images of {ns.size}x{ns.size}, {megabytes:.1f} MB; "
              f"{ns.rounds} interleaved rounds, medians")
        for kind in ("Lightbox C-GET", "C-ECHO"):
            plain, tls = median[f"{kind} plain"], median[f"{kind} TLS"]
            per = 1 if kind == "Lightbox C-GET" else ns.echoes
            what = "the series" if kind == "Lightbox C-GET" else "one association"
            print(f"{kind + ' plain':<22} {plain / per * 1000:8.1f} ms  ({what})")
            print(f"{kind + ' TLS':<22} {tls / per * 1000:8.1f} ms  ({tls / plain:.2f}x plain)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
