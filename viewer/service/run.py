"""``lightbox serve`` on one machine: the models verified, then the app served by uvicorn.

Here, not in ``viewer.cli``, so that the web stack (uvicorn, FastAPI) is imported in this
room alone (docs/architecture.md): the command only checks that it is installed (the
server extra; the workstation executable does not carry it) and calls :func:`serve_http`.
"""

from __future__ import annotations

import contextlib
import ssl
import sys

import uvicorn

from viewer.host.settings import Settings
from viewer.service import access_log
from viewer.service.app import create_app
from viewer.service.config import ServiceConfig
from viewer.service.engine import Engine


def serve_http(host: str, port: int, settings: Settings, config: ServiceConfig) -> int:
    """Verify the models (one line each on stderr), then serve the app with uvicorn until
    stopped; mutual TLS when the site asks for it."""
    engine = Engine(settings, config.models_dirs)
    for entry in engine.registry:
        served = engine.provider(entry.id)
        state = (f"verified, on {served.name} ({served.reason})" if entry.available
                 else f"unavailable: {entry.reason}")
        print(f"lightbox serve: {entry.id} {entry.version}: {state}", file=sys.stderr)
    if not engine.registry.entries:
        print("lightbox serve: no model found; the service starts but is not ready",
              file=sys.stderr)
    tls: dict[str, object] = {}
    if config.mutual_tls:
        tls = {"ssl_certfile": str(settings.tls_cert_file),
               "ssl_keyfile": str(settings.tls_key_file),
               "ssl_ca_certs": str(settings.tls_ca_file), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    app = create_app(engine, config)
    if config.studies_dirs:
        store = app.state.studies
        print(f"lightbox serve: the web viewer at /web/ offers {len(store.studies())} "
              f"studies from {', '.join(str(r) for r in store.roots)}", file=sys.stderr)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info",
                                           server_header=False, **tls))  # type: ignore[arg-type]
    access_log.install()  # after uvicorn's logging set-up: no UID or search key logged
    with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl+C is the way out
        server.run()
    if not server.started:  # e.g. the port is taken (uvicorn said why)
        print("lightbox serve: the service could not start", file=sys.stderr)
        return 1
    return 0
