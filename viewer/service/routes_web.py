"""The web viewer's page at ``/web/`` and the model files the page verifies and runs.

The page is the build of ``web/`` (``npm run build``, or dev.py) in ``webapp/`` beside
this module: every script, wasm file and style is served from here, nothing from a CDN
(docs/web.md). Each answer carries:

* a Content-Security-Policy allowing this origin only (the page could not reach another
  server even if a script tried), ``'wasm-unsafe-eval'`` for ONNX Runtime's WebAssembly
  and ``blob:`` workers;
* ``Cross-Origin-Opener-Policy: same-origin`` and ``Cross-Origin-Embedder-Policy:
  require-corp``: the page is cross-origin isolated, which WebAssembly threads need
  (``SharedArrayBuffer``);
* ``Cache-Control: no-cache`` for index.html (a new build is seen at the next load) and a
  year's ``immutable`` for ``assets/`` (their names carry a hash of their content), sent
  gzipped where the browser takes it (compressed once per file, kept in memory).

The page holds no patient data, so it needs no API key; every data endpoint does where
the site sets keys (the page asks for one on a 401). ``/v1/models/{id}/files/{name}``
gives a verified model's manifest, signature and the files its manifest lists, nothing
else: the page checks their digests itself (a file changed on disk since the service
verified it is refused in the page, as on a workstation).
"""

from __future__ import annotations

import gzip
import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from viewer.service.engine import Engine
from viewer.service.problems import ServiceError, body
from viewer.service.routes_v1 import ERRORS
from viewer.service.security import client

WEBAPP = Path(__file__).resolve().parent / "webapp"
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; "
       "connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; font-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "Cross-Origin-Opener-Policy": "same-origin",
           "Cross-Origin-Embedder-Policy": "require-corp",
           "Cross-Origin-Resource-Policy": "same-origin",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
#: Media types by suffix: Python's mimetypes reads the system's tables, which may not
#: know .wasm or .mjs (and a wasm file not sent as application/wasm is refused by
#: WebAssembly.instantiateStreaming).
MEDIA = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".mjs": "text/javascript; charset=utf-8", ".wasm": "application/wasm",
         ".css": "text/css; charset=utf-8", ".json": "application/json",
         ".map": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
         ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff",
         ".txt": "text/plain; charset=utf-8", ".onnx": "application/octet-stream"}
#: Sent gzipped to a browser that takes it (assets only: their bytes never change).
COMPRESSIBLE = {".js", ".mjs", ".wasm", ".css", ".json", ".map", ".svg", ".html", ".txt"}
BUILD = "cd web && npm ci --no-audit --no-fund && npm run build (or python dev.py)"
NOT_BUILT = f"the web viewer is not built: run {BUILD} where Lightbox is installed"
NOT_BUILT_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lightbox web viewer</title></head>
<body><h1>The web viewer is not built</h1>
<p>{NOT_BUILT.replace("the web viewer is not built: ", "")}. The inference service
itself works: see <a href="/docs">/docs</a>.</p></body></html>
"""

router = APIRouter(include_in_schema=False)
files_router = APIRouter(prefix="/v1", tags=["models"])


def web_response(webapp: Path, path: str, accept: str = "", encoding: str = "") -> Response:
    """The answer for ``/web/<path>``, from the build in ``webapp`` (``accept`` and
    ``encoding``: the request's Accept and Accept-Encoding)."""
    index = webapp / "index.html"
    if not index.is_file():
        if "text/html" in accept:
            return HTMLResponse(NOT_BUILT_PAGE, status_code=503, headers=HEADERS)
        return JSONResponse(body("web_not_built", NOT_BUILT), status_code=503,
                            headers=HEADERS)
    if path in ("", "index.html"):
        return FileResponse(index, media_type=MEDIA[".html"],
                            headers={**HEADERS, "Cache-Control": "no-cache"})
    root = webapp.resolve()
    plain = "\0" not in path and not any(p.startswith(".") for p in Path(path).parts)
    target = (root / path).resolve() if plain else root
    if not plain or not target.is_relative_to(root) or not target.is_file():
        return JSONResponse(body("not_found", f"the web viewer has no file {path!r}"),
                            status_code=404, headers=HEADERS)
    immutable = target.parent == root / "assets"
    media = MEDIA.get(target.suffix.lower(), "application/octet-stream")
    headers = {**HEADERS, "Cache-Control": "public, max-age=31536000, immutable"
               if immutable else "no-cache"}
    if immutable and "gzip" in encoding and target.suffix.lower() in COMPRESSIBLE:
        return Response(_gzipped(target), media_type=media,
                        headers={**headers, "Content-Encoding": "gzip",
                                 "Vary": "Accept-Encoding"})
    return FileResponse(target, media_type=media, headers=headers)


_gzip_lock = threading.Lock()
_gzip_cache: dict[tuple[Path, int, int], bytes] = {}


def _gzipped(path: Path) -> bytes:
    """The asset gzipped, made once per file version and kept (ONNX Runtime's WebAssembly,
    about 30 MB, is a quarter of that gzipped: seconds saved at every first visit over a
    ward's network)."""
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_size)
    with _gzip_lock:
        found = _gzip_cache.get(key)
        if found is None:
            found = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            for old in [k for k in _gzip_cache if k[0] == path]:
                del _gzip_cache[old]
            _gzip_cache[key] = found
    return found


@router.get("/web")
def web_root() -> RedirectResponse:
    return RedirectResponse("/web/", status_code=308)


@router.get("/web/{path:path}")
def web(request: Request, path: str) -> Response:
    """The page (no key: it holds no patient data)."""
    webapp: Path = request.app.state.config.webapp_dir or WEBAPP
    return web_response(webapp, path, request.headers.get("accept", ""),
                        request.headers.get("accept-encoding", ""))


@files_router.get("/models/{model_id}/files/{name:path}", response_class=Response,
                  responses={**ERRORS, 200: {"content": {"application/octet-stream": {}},
                                             "description": "the file's bytes"}})
def model_file(request: Request, model_id: str, name: str,
               _who: Annotated[str, Depends(client)]) -> Response:
    """A verified model's ``manifest.json``, ``signature.json`` or a file its manifest
    lists (``model.onnx``, ``golden.npz``, ...), for the page to verify and run itself."""
    engine: Engine = request.app.state.engine
    model = engine.verified(model_id)  # 404 unknown, 503 model_unavailable
    manifest = model.manifest
    listed = {"manifest.json", "signature.json", *manifest.files}
    folder = manifest.folder.resolve()
    target = (folder / name).resolve() if name in listed else folder  # listed: plain paths
    if name not in listed or not target.is_relative_to(folder) or not target.is_file():
        raise ServiceError("unknown_file", f"model {model_id} has no file {name!r} to "
                           f"give: it gives {', '.join(sorted(listed))}")
    media = "application/json" if target.suffix == ".json" else "application/octet-stream"
    return FileResponse(target, media_type=media, headers={"Cache-Control": "no-cache"})
