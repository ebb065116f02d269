"""Swagger UI and ReDoc from files bundled with the service (static/, VENDOR.md): FastAPI's
own pages load them from a CDN, and the hospital network has no internet. The pages are
sent with a Content-Security-Policy allowing this origin only, so even a script that tried
could fetch nothing from elsewhere."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

STATIC = Path(__file__).resolve().parent / "static"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "worker-src 'self' blob:; connect-src 'self'; font-src 'self' data:")

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lightbox service · {title}</title>
{head}</head>
<body>{body}
<script src="static/{bundle}"></script>
<script src="static/{init}"></script>
</body></html>
"""


def _page(title: str, head: str, body: str, bundle: str, init: str) -> HTMLResponse:
    html = PAGE.format(title=title, head=head, body=body, bundle=bundle, init=init)
    return HTMLResponse(html, headers={"Content-Security-Policy": CSP})


@router.get("/docs")
def swagger() -> HTMLResponse:
    return _page("Swagger UI",
                 '<link rel="stylesheet" href="static/swagger-ui/swagger-ui.css">',
                 '<div id="swagger-ui"></div>', "swagger-ui/swagger-ui-bundle.js",
                 "swagger-init.js")


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return _page("ReDoc", "", '<div id="redoc"></div>', "redoc/redoc.standalone.js",
                 "redoc-init.js")
