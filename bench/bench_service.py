"""``lightbox serve`` against the plain pattern (FastAPI + PyTorch eager per request).

    .venv/bin/python bench/bench_service.py [--model ct-lesion-cls] [--clients 1,8]
        [--requests 40] [--no-torch] [--batch-clients 8,32] [--batching-only]
        [--ray] [--ray-clients 8] [--ray-autoscale] [--max-replicas 3]

In the same run, on the same model and payload (one 1 × 1 × 128 × 128 float32 image,
golden.npz's first input), each server a real uvicorn process on 127.0.0.1 (one worker),
called by ``--clients`` concurrent clients (threads, one keep-alive connection each,
``--requests`` requests each):

* service json     ``POST /v2/models/ID/infer``, Open Inference Protocol, JSON tensors
* service binary   the same with the binary tensor data extension (input and outputs)
* peer torch json  ``bench/service_peer.py``: FastAPI, a Pydantic body of floats, PyTorch
                   eager per request (the recipe's module with the artifact's weights)
* bare ORT         ``session.run`` in this process on the same tensor, no HTTP (the
                   viewer's session settings): the floor the service's overhead is over

Per server and client count: requests/s (all requests over the wall time), p50 and p99
latency. Ratios: service binary / peer (requests/s, above 1 the service is faster), JSON /
binary p50, and the service's p50 over bare ORT (overhead, ms and ×). Every service
request is a real audited run (one signed, fsynced audit record each). Outputs are checked
equal to bare ORT (service) and within the golden tolerance (peer). Load average printed.

Dynamic batching: two services side by side, one with ``service_batch_window_ms`` = 0
(off), one with the default window (on); at each ``--batch-clients`` count the binary
load runs on each, interleaved (off, on, off, on: a drift of the machine's load falls on
both), and the ratio on/off of requests/s and p50 is printed, with the mean rows per run
(``lightbox_batch_size`` from /metrics). On a GPU machine (a GPU execution provider in
ONNX Runtime) every bundled model's golden batch is also timed on each provider against
the CPU (bench/gpu_check.py); elsewhere the line says "no GPU".

Audit group commit (``--audit-clients``, default 1,8): the service against itself with
one fsync per audit record (``bench/service_one_fsync.py``: the same CLI, group commit
replaced by a plain append), side by side, interleaved the same way, on the binary load:
requests/s and p50 of each, p50 over bare ORT (the overhead line) for each, and the ratio
group/one-fsync. One client gains nothing by construction (one record per fsync either
way); concurrent clients whose runs finish together share a write and an fsync.

``--ray``: only ``lightbox serve --ray local --replicas 2`` (Ray Serve, a private local
Ray instance) against plain ``lightbox serve``, both serving a copy of the one model, the
binary load at ``--ray-clients`` interleaved (plain, ray, plain, ray; medians); prints
the ray/plain ratio of requests/s and p50. Outputs checked equal to bare ORT on both.

``--ray-autoscale``: only ``lightbox serve --ray local --replicas 1 --max-replicas M``
(``--max-replicas``, default 3; ``--target-requests 1 --upscale-delay 1``) against plain
``lightbox serve``: the binary load at ``--ray-clients`` on plain, then on Ray with its one
replica (before), then concurrent load (bounded: at most 500 requests per client) until
the command reports M replicas running (Serve's status API), then plain and Ray again
(after). Prints requests/s and p50 of each, the replicas before and after, and the ratios
ray before/plain, ray after/plain and after/before.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from tests.service.server import (  # noqa: E402
    environment,
    free_port,
    quiet_port,
    running_service,
)
from viewer.inference.session import create_session, thread_count  # noqa: E402

Call = Callable[[http.client.HTTPConnection], bytes]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def load(clients: int, requests: int, port: int, call: Call) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) of ``clients`` threads doing ``requests`` calls each."""
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            call(conn)  # warm-up: the connection, the first run
            mine = []
            for _ in range(requests):
                t0 = time.perf_counter()
                call(conn)
                mine.append(time.perf_counter() - t0)
            with lock:
                latencies.extend(mine)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return (len(latencies) / wall, percentile(latencies, 50) * 1e3,
            percentile(latencies, 99) * 1e3)


def post(conn: http.client.HTTPConnection, path: str, body: bytes,
         headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    conn.request("POST", path, body, headers)
    answer = conn.getresponse()
    data = answer.read()
    if answer.status != 200:
        raise SystemExit(f"{path}: {answer.status} {data[:300]!r}")
    return data, {k.lower(): v for k, v in answer.getheaders()}


@contextlib.contextmanager
def peer(model: Path, home: Path) -> Iterator[int]:
    port = free_port()
    log = (home / "peer.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "service_peer.py"), "--port", str(port),
         "--model", str(model), "--threads", str(thread_count())],
        cwd=ROOT, env=environment(home, ""), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise SystemExit("the peer stopped: " + (home / "peer.log").read_text())
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("the peer did not start")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="ct-lesion-cls")
    ap.add_argument("--clients", default="1,8", help="concurrent clients, comma-separated")
    ap.add_argument("--requests", type=int, default=40, help="requests per client")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch peer")
    ap.add_argument("--batch-clients", default="8,32",
                    help="client counts of the batching on/off comparison ('' to skip)")
    ap.add_argument("--audit-clients", default="1,8",
                    help="client counts of the audit group commit comparison ('' to skip)")
    ap.add_argument("--batching-only", action="store_true",
                    help="only the batching comparison and the GPU check")
    ap.add_argument("--ray", action="store_true",
                    help="only Ray Serve with 2 replicas against plain lightbox serve")
    ap.add_argument("--ray-clients", type=int, default=8,
                    help="concurrent clients of the --ray comparison")
    ap.add_argument("--ray-autoscale", action="store_true",
                    help="only Ray Serve autoscaling from 1 replica, before and after, "
                    "against plain lightbox serve")
    ap.add_argument("--max-replicas", type=int, default=3,
                    help="the replicas --ray-autoscale scales up to")
    ns = ap.parse_args()
    counts = [int(c) for c in ns.clients.split(",")]
    folder = ROOT / "models" / ns.model
    manifest = json.loads((folder / "manifest.json").read_text())
    input_name = manifest["inputs"][0]["name"]
    with np.load(folder / "golden.npz") as golden:
        image = np.ascontiguousarray(golden[f"input:{input_name}"][:1], dtype=np.float32)
    session = create_session((folder / "model.onnx").read_bytes())
    names = [o.name for o in session.get_outputs()]
    bare_out = dict(zip(names, session.run(names, {input_name: image}), strict=True))
    bare = []
    for _ in range(3):
        session.run(names, {input_name: image})
    for _ in range(max(20, ns.requests)):
        t0 = time.perf_counter()
        session.run(names, {input_name: image})
        bare.append(time.perf_counter() - t0)
    bare_p50 = statistics.median(bare) * 1e3

    path = f"/v2/models/{ns.model}/infer"
    json_body = json.dumps({"inputs": [{"name": input_name, "shape": list(image.shape),
                                        "datatype": "FP32",
                                        "data": image.reshape(-1).tolist()}]}).encode()
    header = json.dumps({"inputs": [{"name": input_name, "shape": list(image.shape),
                                     "datatype": "FP32",
                                     "parameters": {"binary_data_size": image.nbytes}}],
                         "parameters": {"binary_data_output": True}}).encode()
    binary_body = header + image.astype("<f4").tobytes()
    peer_body = json.dumps({"data": image.reshape(-1).tolist(),
                            "shape": list(image.shape)}).encode()

    def service_json(conn: http.client.HTTPConnection) -> bytes:
        return post(conn, path, json_body, {"Content-Type": "application/json"})[0]

    def service_binary(conn: http.client.HTTPConnection) -> bytes:
        return post(conn, path, binary_body, {
            "Content-Type": "application/octet-stream",
            "Inference-Header-Content-Length": str(len(header))})[0]

    def peer_json(conn: http.client.HTTPConnection) -> bytes:
        return post(conn, "/predict", peer_body, {"Content-Type": "application/json"})[0]

    rows: dict[tuple[str, int], tuple[float, float, float]] = {}
    print(f"model {ns.model}, payload {image.shape} float32 ({image.nbytes} bytes binary, "
          f"{len(json_body)} bytes JSON); {ns.requests} requests per client; ORT threads "
          f"{thread_count()}")
    print(f"bare ORT              session.run p50 {bare_p50:8.2f} ms")
    if ns.ray_autoscale:
        ray_autoscale(ns.ray_clients, ns.requests, ns.max_replicas, folder, service_binary,
                      (input_name, image), bare_out)
        print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        return 0
    if ns.ray:
        ray_against_plain(ns.ray_clients, ns.requests, folder, service_binary,
                          (input_name, image), bare_out)
        print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        return 0
    batch_counts = [int(c) for c in ns.batch_clients.split(",") if c]
    if batch_counts:
        batching(batch_counts, ns.requests, ns.model, service_binary)
    audit_counts = [int(c) for c in ns.audit_clients.split(",") if c]
    if audit_counts and not ns.batching_only:
        audit_group(audit_counts, ns.requests, bare_p50, service_binary)
    gpu_against_cpu()
    if ns.batching_only:
        print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        with running_service(home / "serve") as server:
            port = int(server.url.rsplit(":", 1)[1])
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            served = json.loads(service_json(conn))
            for out in served["outputs"]:
                got = np.asarray(out["data"], np.float32).reshape(out["shape"])
                if not np.array_equal(got, bare_out[out["name"]]):
                    diff = float(np.abs(got - bare_out[out["name"]]).max())
                    print(f"  note: service {out['name']} differs from bare ORT by {diff:.3g}")
            conn.close()
            for clients in counts:
                for label, call in (("service json", service_json),
                                    ("service binary", service_binary)):
                    rows[(label, clients)] = load(clients, ns.requests, port, call)
                    show(label, clients, rows[(label, clients)])
        if not ns.no_torch:
            (home / "peer").mkdir()
            with peer(folder, home / "peer") as port:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                answer = json.loads(peer_json(conn))
                conn.close()
                worst = max(float(np.abs(np.asarray(answer[n], np.float32)
                                         - bare_out[n].reshape(-1)).max()) for n in names)
                print(f"  peer outputs vs bare ORT: max |diff| {worst:.3g}")
                for clients in counts:
                    rows[("peer torch json", clients)] = load(clients, ns.requests, port,
                                                              peer_json)
                    show("peer torch json", clients, rows[("peer torch json", clients)])
    for clients in counts:
        binary, js = rows[("service binary", clients)], rows[("service json", clients)]
        line = (f"ratios  clients {clients:>2}: JSON/binary p50 {js[1] / binary[1]:.2f}x; "
                f"service binary p50 over bare ORT +{binary[1] - bare_p50:.2f} ms "
                f"({binary[1] / bare_p50:.2f}x)")
        if ("peer torch json", clients) in rows:
            p = rows[("peer torch json", clients)]
            line += (f"; service binary/peer req/s {binary[0] / p[0]:.2f}x, "
                     f"service json/peer req/s {js[0] / p[0]:.2f}x")
        print(line)
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


def batching(counts: list[int], requests: int, model: str, call: Call) -> None:
    """Batching off against on, interleaved, on the binary load."""
    from viewer.host.site_keys import DEFAULT_BATCH_WINDOW_MS

    with tempfile.TemporaryDirectory() as tmp, \
            running_service(Path(tmp) / "off", site="service_batch_window_ms = 0\n") as off, \
            running_service(Path(tmp) / "on") as on:
        ports = {"off": int(off.url.rsplit(":", 1)[1]), "on": int(on.url.rsplit(":", 1)[1])}
        for clients in counts:
            got: dict[str, list[tuple[float, float, float]]] = {"off": [], "on": []}
            before = batch_totals(on, model)
            for _ in range(2):
                for label in ("off", "on"):
                    got[label].append(load(clients, requests, ports[label], call))
            after = batch_totals(on, model)
            rows = (after[0] - before[0]) / max(1.0, after[1] - before[1])
            median = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
                      for k, v in got.items()}
            for label in ("off", "on"):
                print(f"batching {label:<3}      clients {clients:>2}  {median[label][0]:8.1f} "
                      f"req/s  p50 {median[label][1]:8.2f} ms")
            print(f"ratios  batching clients {clients:>2}: on/off req/s "
                  f"{median['on'][0] / median['off'][0]:.2f}x, p50 "
                  f"{median['on'][1] / median['off'][1]:.2f}x; window "
                  f"{DEFAULT_BATCH_WINDOW_MS:g} ms, {rows:.1f} rows per run")


def audit_group(counts: list[int], requests: int, bare_p50: float, call: Call) -> None:
    """One fsync per audit record against group commit, interleaved, binary load."""
    with tempfile.TemporaryDirectory() as tmp, \
            running_service(Path(tmp) / "one", program=(
                str(ROOT / "bench" / "service_one_fsync.py"),)) as one, \
            running_service(Path(tmp) / "group") as group:
        ports = {"one fsync": int(one.url.rsplit(":", 1)[1]),
                 "group": int(group.url.rsplit(":", 1)[1])}
        for clients in counts:
            got: dict[str, list[tuple[float, float, float]]] = {k: [] for k in ports}
            for _ in range(2):
                for label, port in ports.items():
                    got[label].append(load(clients, requests, port, call))
            median = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
                      for k, v in got.items()}
            for label in ports:
                rate, p50 = median[label]
                print(f"audit {label:<9}   clients {clients:>2}  {rate:8.1f} req/s  p50 "
                      f"{p50:8.2f} ms  over bare ORT +{p50 - bare_p50:.2f} ms")
            g, o = median["group"], median["one fsync"]
            print(f"ratios  audit clients {clients:>2}: group/one-fsync req/s "
                  f"{g[0] / o[0]:.2f}x, p50 {g[1] / o[1]:.2f}x; overhead over bare ORT "
                  f"{g[1] - bare_p50:.2f} ms against {o[1] - bare_p50:.2f} ms")

def ray_against_plain(clients: int, requests: int, folder: Path, call: Call,
                      image: tuple[str, np.ndarray], bare_out: dict[str, np.ndarray]) -> None:
    """Plain ``lightbox serve`` against Ray Serve with 2 replicas, interleaved."""
    import shutil

    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        shutil.copytree(folder, models / folder.name)
        only = ["--models-dir", str(models)]
        with running_service(Path(tmp) / "plain", args=only) as plain, \
                running_service(Path(tmp) / "ray", start_s=600, port=quiet_port(),
                                args=[*only, "--ray", "local", "--replicas", "2"]) as ray:
            ports = {"plain": int(plain.url.rsplit(":", 1)[1]),
                     "ray": int(ray.url.rsplit(":", 1)[1])}
            equal_to_bare(ports, folder.name, image, bare_out)
            got: dict[str, list[tuple[float, float, float]]] = {"plain": [], "ray": []}
            for _ in range(2):
                for label in ("plain", "ray"):
                    got[label].append(load(clients, requests, ports[label], call))
    median = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
              for k, v in got.items()}
    for label in ("plain", "ray"):
        name = "serve plain" if label == "plain" else "serve ray x2"
        print(f"{name:<17} clients {clients:>2}  {median[label][0]:8.1f} req/s  "
              f"p50 {median[label][1]:8.2f} ms")
    print(f"ratios  ray clients {clients:>2}: ray x2/plain req/s "
          f"{median['ray'][0] / median['plain'][0]:.2f}x, p50 "
          f"{median['ray'][1] / median['plain'][1]:.2f}x")


REPORTED = re.compile(r"lightbox serve: (\d+) replica\(s\) running")


def replicas_running(log: Path) -> int:
    """The replicas ``lightbox serve --ray`` last said were running (Serve's status)."""
    said = REPORTED.findall(log.read_text(errors="replace"))
    return int(said[-1]) if said else 0


def ray_autoscale(clients: int, requests: int, most: int, folder: Path, call: Call,
                  image: tuple[str, np.ndarray], bare_out: dict[str, np.ndarray]) -> None:
    """Plain ``lightbox serve`` against Ray Serve before and after it scales 1 → ``most``."""
    import shutil

    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        shutil.copytree(folder, models / folder.name)
        only = ["--models-dir", str(models)]
        scaling = ["--replicas", "1", "--max-replicas", str(most), "--target-requests", "1",
                   "--upscale-delay", "1", "--downscale-delay", "600"]
        with running_service(Path(tmp) / "plain", args=only) as plain, \
                running_service(Path(tmp) / "ray", start_s=600, port=quiet_port(),
                                args=[*only, "--ray", "local", *scaling]) as ray:
            log = Path(tmp) / "ray" / "serve.log"
            ports = {"plain": int(plain.url.rsplit(":", 1)[1]),
                     "ray": int(ray.url.rsplit(":", 1)[1])}
            equal_to_bare(ports, folder.name, image, bare_out)
            rows = {"plain before": load(clients, requests, ports["plain"], call)}
            before = max(replicas_running(log), 1)
            rows["ray before"] = load(clients, requests, ports["ray"], call)
            t0 = time.perf_counter()
            sent = 0
            while replicas_running(log) < most and sent < 500 * clients:
                load(clients, 10, ports["ray"], call)  # the load that makes it scale
                sent += 10 * clients
            waited = time.perf_counter() - t0
            after = replicas_running(log)
            rows["ray after"] = load(clients, requests, ports["ray"], call)
            rows["plain after"] = load(clients, requests, ports["plain"], call)
    print(f"ray autoscale: {before} replica(s) before, {after} after {sent} requests of "
          f"load ({waited:.0f} s); max {most}")
    for label, row in rows.items():
        show(f"serve {label}", clients, row)
    plain_rate = (rows["plain before"][0] + rows["plain after"][0]) / 2
    print(f"ratios  ray autoscale clients {clients:>2}: before x{before}/plain req/s "
          f"{rows['ray before'][0] / plain_rate:.2f}x, after x{after}/plain "
          f"{rows['ray after'][0] / plain_rate:.2f}x, after/before "
          f"{rows['ray after'][0] / rows['ray before'][0]:.2f}x")


def equal_to_bare(ports: dict[str, int], model: str, image: tuple[str, np.ndarray],
                  bare_out: dict[str, np.ndarray]) -> None:
    """Each server's JSON answer for the benchmark's image is bare ORT's."""
    name, tensor = image
    body = json.dumps({"inputs": [{"name": name, "shape": list(tensor.shape),
                                   "datatype": "FP32",
                                   "data": tensor.reshape(-1).tolist()}]}).encode()
    for label, port in ports.items():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        data, _ = post(conn, f"/v2/models/{model}/infer", body,
                       {"Content-Type": "application/json"})
        conn.close()
        for out in json.loads(data)["outputs"]:
            got = np.asarray(out["data"], np.float32).reshape(out["shape"])
            if not np.array_equal(got, bare_out[out["name"]]):
                diff = float(np.abs(got - bare_out[out["name"]]).max())
                print(f"  note: {label} {out['name']} differs from bare ORT by {diff:.3g}")


def batch_totals(server: Any, model: str) -> tuple[float, float]:
    """(rows, runs) of ``model``'s raw-tensor runs so far, from /metrics."""
    text = server.get("/metrics").body.decode()
    found = {"sum": 0.0, "count": 0.0}
    for line in text.splitlines():
        for kind in found:
            if line.startswith(f'lightbox_batch_size_{kind}{{model="{model}"}}'):
                found[kind] = float(line.rsplit(" ", 1)[1])
    return found["sum"], found["count"]


def gpu_against_cpu() -> None:
    """bench/gpu_check.py's replay and timing, where a GPU provider is offered."""
    sys.path.insert(0, str(ROOT / "bench"))
    from gpu_check import check

    with tempfile.TemporaryDirectory() as tmp:
        lines, _ok = check([], 5, Path(tmp))
    if any(line.startswith("no GPU") for line in lines):
        print("GPU vs CPU: " + next(line for line in lines if line.startswith("no GPU")))
        return
    bundled = sorted(p.name for p in (ROOT / "models").iterdir()
                     if (p / "manifest.json").is_file())
    with tempfile.TemporaryDirectory() as tmp:
        lines, _ok = check(bundled, 20, Path(tmp))
    for line in lines:
        print("GPU vs CPU: " + line)


def show(label: str, clients: int, row: tuple[float, float, float]) -> None:
    rate, p50, p99 = row
    print(f"{label:<17} clients {clients:>2}  {rate:8.1f} req/s  p50 {p50:8.2f} ms  "
          f"p99 {p99:8.2f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
