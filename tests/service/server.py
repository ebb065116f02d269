"""A real ``lightbox serve`` process on 127.0.0.1 for the service tests and the benchmark,
called over HTTP with the standard library (no in-process client: the key and size-limit
checks must be the ones a network client meets)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-key-0123456789abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def quiet_port() -> int:
    """A free port below the kernel's ephemeral range and above Ray's worker ports
    (10002-19999): a port from :func:`free_port`, released, can be taken again by any
    server binding port 0 (Ray starts many) before the service under test binds it."""
    for port in random.sample(range(20000, 32000), 200):
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            return port
    return free_port()


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Service:
    url: str
    key: str | None
    process: subprocess.Popen[bytes]
    home: Path  # audit, spool (TMPDIR), config of the process
    context: ssl.SSLContext | None = None  # https: the client's TLS (mutual TLS tests)

    def call(self, method: str, path: str, body: bytes | None = None, *,
             headers: Mapping[str, str] | None = None, key: str | None | bool = True
             ) -> Reply:
        sent = dict(headers or {})
        chosen = self.key if key is True else (key or None)
        if chosen:
            sent["Authorization"] = f"Bearer {chosen}"
        request = urllib.request.Request(self.url + path, data=body, method=method,
                                         headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=300, context=self.context) as answer:
                return Reply(answer.status, {k.lower(): v for k, v in answer.headers.items()},
                             answer.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, {k.lower(): v for k, v in error.headers.items()},
                         error.read())

    def raw(self, head: bytes, chunks: Sequence[bytes] = ()) -> tuple[int, Any]:
        """Send ``head`` (request line and headers) then ``chunks`` on one socket, as a
        client that keeps writing would; the status and JSON body of the answer. A server
        that answered early and closed may refuse the rest: that is not a failure here."""
        host, port = self.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=120) as sock:
            sock.sendall(head)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for chunk in chunks:
                    sock.sendall(chunk)
            sock.shutdown(socket.SHUT_WR) if not chunks else None
            data = b""
            with contextlib.suppress(ConnectionResetError):
                while part := sock.recv(65536):
                    data += part
        status_line, _, rest = data.partition(b"\r\n")
        body = rest.split(b"\r\n\r\n", 1)[1]
        return int(status_line.split()[1]), json.loads(body)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post_json(self, path: str, payload: Any, **kw: Any) -> Reply:
        return self.call("POST", path, json.dumps(payload).encode(),
                         headers={"Content-Type": "application/json"}, **kw)

    def upload(self, path: str, files: Sequence[Path | bytes], **kw: Any) -> Reply:
        body, content_type = multipart(files)
        return self.call("POST", path, body, headers={"Content-Type": content_type}, **kw)


def multipart(files: Sequence[Path | bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for i, item in enumerate(files):
        data = item.read_bytes() if isinstance(item, Path) else item
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                     f"filename=\"f{i}.dcm\"\r\nContent-Type: application/dicom\r\n\r\n"
                     .encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


def environment(home: Path, site: str) -> dict[str, str]:
    (home / "spool").mkdir(parents=True, exist_ok=True)
    (home / "site.toml").write_text(site)
    return {**os.environ, "LIGHTBOX_SITE_CONFIG": str(home / "site.toml"),
            "LIGHTBOX_AUDIT_DIR": str(home / "audit"), "LIGHTBOX_CONFIG_DIR": str(home / "config"),
            "LIGHTBOX_CACHE_DIR": str(home / "cache"), "LIGHTBOX_LOG_DIR": str(home / "logs"),
            "XDG_DATA_HOME": str(home / "data"), "TMPDIR": str(home / "spool"),
            "PYTHONPATH": str(ROOT)}


@contextlib.contextmanager
def running_service(home: Path, *, site: str = "", key: str | None = None,
                    args: Sequence[str] = (), start_s: float = 180,
                    context: ssl.SSLContext | None = None,
                    program: Sequence[str] = ("-m", "viewer"),
                    port: int | None = None) -> Iterator[Service]:
    """``python -m viewer serve`` (or ``python PROGRAM serve``: a benchmark's variant) on
    a free port (or ``port``) until the block ends."""
    port = port or free_port()
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, *program, "serve", "--port", str(port), *args],
        cwd=ROOT, env=environment(home, site), stdout=log, stderr=subprocess.STDOUT)
    scheme = "https" if context is not None else "http"
    service = Service(f"{scheme}://127.0.0.1:{port}", key, process, home, context)
    try:
        deadline = time.monotonic() + start_s
        while True:
            if process.poll() is not None:
                raise RuntimeError("lightbox serve stopped: "
                                   + (home / "serve.log").read_text(errors="replace"))
            with contextlib.suppress(OSError):
                if service.get("/v2/health/live", key=False).status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("lightbox serve did not start: "
                                   + (home / "serve.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
