"""A run on an inference server (the viewer as a client) against a run here and a plain upload.

    .venv/bin/python bench/bench_remote.py [--models ct-body-seg,ct-lesion-cls]
        [--slices 20] [--size 256] [--repeats 3]

In the same run, on the same demo phantom series (``--slices`` CT images of ``--size``²),
with a real ``lightbox serve`` on 127.0.0.1 (one uvicorn worker, an API key), the median of
``--repeats`` runs of each model:

* here     ``run_model`` in this process (the local run the panel's "Run on series" makes)
* remote   ``viewer.inference.remote.run_remote``: the model check (``GET /v1/models``),
           the streamed upload, the server's run, and the answer turned back into the
           same Results (``?outputs=arrays``: label maps, heatmaps and boxes decoded from
           the JSON answer; no SEG)
* plain    the same ``POST /v1/models/ID/run?outputs=arrays`` (same files) from a plain
           client: the whole multipart body built in memory, one urllib call, the JSON
           parsed and nothing more. The floor the viewer's client is over.
* seg      (mask models) the way masks came back before ``?outputs=arrays``: the plain
           call with ``?dicom=seg`` and the SEG read back into masks (``read_seg``), as
           ``run_remote`` did; ratio remote / seg.

Ratios per model: remote / here (what sending it to the server costs on the same CPU:
above 1 the server must be that much faster to pay; on a GPU server it is the work that
moves) and remote / plain (the client's own overhead: the check, the streaming, turning
the answer into Results). Remote results are checked equal to the local ones (masks
exactly, probabilities within 1e-5). Load average printed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from tests.service.server import KEY, multipart, running_service  # noqa: E402


def median_ms(repeats: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        out = work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="ct-body-seg,ct-lesion-cls")
    parser.add_argument("--slices", type=int, default=20)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    ns = parser.parse_args(argv)

    from viewer.audit.log import AuditLog
    from viewer.host.settings import load_settings
    from viewer.inference.dicom_import import read_seg
    from viewer.inference.registry import ModelRegistry
    from viewer.inference.remote import run_remote
    from viewer.inference.runner import run_model
    from viewer.io.demo import write_phantom_series
    from viewer.io.scan import scan
    from viewer.service.keys import hash_key

    with tempfile.TemporaryDirectory(prefix="bench-remote-") as tmp:
        home = Path(tmp)
        files = write_phantom_series(home / "series", slices=ns.slices, size=ns.size)
        series = next(s for s in scan([home / "series"]).all_series() if s.has_images)
        os.environ["LIGHTBOX_AUDIT_DIR"] = str(home / "audit")
        site = f'service_api_keys = ["{hash_key(KEY)}"]\n'
        with running_service(home / "serve", site=site, key=KEY) as server:
            (home / "key").write_text(KEY)
            (home / "site.toml").write_text(f'[inference_servers.bench]\nurl = "{server.url}"\n'
                                            f'api_key_file = "{home / "key"}"\n')
            settings = load_settings(home / "site.toml")
            registry = ModelRegistry(None, settings=settings)
            audit = AuditLog.of(settings)
            print(f"series   {len(files)} CT images of {ns.size}x{ns.size}, "
                  f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB; "
                  f"median of {ns.repeats}")
            for model_id in ns.models.split(","):
                entry = registry.get(model_id)
                assert entry.manifest is not None
                seg = any(o.kind in ("mask", "label_map") for o in entry.manifest.outputs)
                here_ms, here = median_ms(ns.repeats, lambda e=entry: run_model(
                    e, series, accept_warnings=True, audit_log=audit))
                remote_ms, there = median_ms(ns.repeats, lambda e=entry: run_remote(
                    e, series, server="bench", settings=settings, audit_log=audit,
                    accept_warnings=True))
                path = f"/v1/models/{model_id}/run?accept_warnings=true&outputs=arrays"

                def plain(path: str = path) -> Any:
                    body, content_type = multipart(files)
                    request = urllib.request.Request(server.url + path, data=body, headers={
                        "Content-Type": content_type, "Authorization": f"Bearer {KEY}"})
                    with urllib.request.urlopen(request, timeout=600) as answer:
                        return json.loads(answer.read())

                plain_ms, _ = median_ms(ns.repeats, plain)
                seg_ms = 0.0
                if seg:
                    def old_way(model_id: str = model_id) -> Any:
                        answer = plain(f"/v1/models/{model_id}/run?accept_warnings=true"
                                       "&dicom=seg")
                        target = Path(tmp) / "result-seg.dcm"
                        target.write_bytes(base64.b64decode(next(
                            d for d in answer["dicom"] if d["kind"] == "SEG")["data_base64"]))
                        return read_seg(target, series)

                    seg_ms, _ = median_ms(ns.repeats, old_way)
                for a, b in zip(here, there, strict=True):
                    for ma, mb in zip(a.masks, b.masks, strict=True):
                        assert np.array_equal(ma.mask, mb.mask), "remote mask differs"
                    for la, lb in zip(a.labels, b.labels, strict=True):
                        assert np.allclose(la.probabilities, lb.probabilities, atol=1e-5)
                print(f"here     {model_id:<16} {here_ms:9.1f} ms")
                print(f"remote   {model_id:<16} {remote_ms:9.1f} ms")
                print(f"plain    {model_id:<16} {plain_ms:9.1f} ms")
                if seg:
                    print(f"seg      {model_id:<16} {seg_ms:9.1f} ms")
                print(f"ratios   {model_id}: remote/here {remote_ms / here_ms:.2f}x; "
                      f"remote/plain {remote_ms / plain_ms:.2f}x"
                      + (f"; remote/seg {remote_ms / seg_ms:.2f}x" if seg else ""))
    print("load average " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
