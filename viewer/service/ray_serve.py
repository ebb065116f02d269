"""``lightbox serve --ray local|ADDRESS``: the same service deployed with Ray Serve
(docs/service.md, "Scaling out with Ray Serve"); with viewer.service.ray_batch the only
modules that import Ray.

One deployment, ``lightbox``, whose replicas each hold the whole :func:`create_app` over
an :class:`Engine` of their own: the HTTP API, the key check, the size limit, /metrics
and the audit are the very code ``lightbox serve`` runs, so nothing drifts. A replica
builds its Engine (every model's digests, signature and golden vectors replayed on its
runtime) in its constructor; Ray Serve sends it nothing before that returns. Each replica
writes its own hash-chained audit log, in ``<audit_dir>/serve-<replica>/`` (one writer
per chain, each folder verifiable with ``lightbox audit verify``).

Ray Serve's HTTP proxy listens on the given host and port on the head node (the machine
running this command for ``local``), under the same rule as ``lightbox serve``: loopback
only unless the site sets API keys. For ``local`` every replica's own gRPC server is kept
on the loopback too (:func:`_inter_deployment_grpc_on_loopback`). ``local`` starts a private Ray instance (no
dashboard, no usage statistics, loopback only; viewer.service.ray_batch.connect) and
shuts it down on Ctrl+C or SIGTERM. With an ADDRESS, Ray Serve is shut down at the end
if this command started it (its proxy stops listening), else only the ``lightbox``
application is deleted; the cluster itself is left running.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from ray import serve
from ray.serve._private.constants import SERVE_CONTROLLER_NAME, SERVE_NAMESPACE

from viewer.batch.tasks import EngineUnavailableError
from viewer.host.settings import Settings
from viewer.service.config import ServiceConfig
from viewer.service.ray_batch import LOCAL_CPUS, connect, disconnect

APP_NAME = "lightbox"


def replica_audit_dir(audit_dir: Path, replica: str) -> Path:
    """Where a replica writes its own audit chain (one writer per file)."""
    return audit_dir / f"serve-{replica}"


@serve.ingress()
class LightboxReplica:
    """One replica: verify the models, then serve :func:`create_app` over them."""

    def __init__(self, settings: Settings, config: ServiceConfig, loopback: bool) -> None:
        from viewer.service.engine import Engine

        if loopback:
            _inter_deployment_grpc_on_loopback()

        replica = serve.get_replica_context().replica_id.unique_id
        own = dataclasses.replace(settings,
                                  audit_dir=replica_audit_dir(settings.audit_dir, replica))
        own.audit_dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.engine = Engine(own, config.models_dirs)  # verifies before any request

    def __serve_build_asgi_app__(self) -> Any:
        from viewer.service.app import create_app

        return create_app(self.engine, self.config)


def _inter_deployment_grpc_on_loopback() -> None:
    """Ray Serve 2.60 starts, in every replica after its constructor, a gRPC server for
    calls between deployments on ``[::]:0``: every interface, hard-coded, no setting.
    ``lightbox serve`` has one deployment (the proxy reaches it through Ray, not this
    server), and ``--ray local`` promises loopback only, so in this replica that server
    binds 127.0.0.1. Should Ray rename what is replaced here, nothing is patched and
    tests/service/test_ray_serve.py (every listening socket on the loopback) fails."""
    from ray.serve._private import replica as ray_replica

    original = getattr(ray_replica, "add_port_to_grpc_server", None)
    if original is None or getattr(original, "lightbox_loopback", False):
        return

    def on_loopback(server: Any, address: str) -> Any:
        return original(server, "127.0.0.1:0" if address == "[::]:0" else address)

    on_loopback.lightbox_loopback = True  # type: ignore[attr-defined]
    setattr(ray_replica, "add_port_to_grpc_server", on_loopback)  # noqa: B010 - not exported


def deployment_options(replicas: int, max_replicas: int | None) -> dict[str, Any]:
    """A fixed number of replicas, or autoscaling between ``replicas`` and
    ``max_replicas`` on the requests each replica has in flight."""
    options: dict[str, Any] = {"name": APP_NAME, "ray_actor_options": {"num_cpus": 1}}
    if max_replicas is not None and max_replicas > replicas:
        options["autoscaling_config"] = {"min_replicas": replicas,
                                         "initial_replicas": replicas,
                                         "max_replicas": max_replicas,
                                         "target_ongoing_requests": 4}
    else:
        options["num_replicas"] = replicas
    return options


def _serve_running(ray: Any) -> bool:
    """Whether Ray Serve already runs on the cluster (another team's applications)."""
    try:
        ray.get_actor(SERVE_CONTROLLER_NAME, namespace=SERVE_NAMESPACE)
    except ValueError:
        return False
    return True


def serve_on_ray(address: str, host: str, port: int, settings: Settings,
                 config: ServiceConfig, replicas: int, max_replicas: int | None) -> int:
    """Deploy, say where, and wait for Ctrl+C or SIGTERM; 0 once stopped, 1 when Ray or
    the deployment cannot start (the reason on stderr)."""
    cpus = max(LOCAL_CPUS, replicas, max_replicas or 0)
    try:
        ray, scratch = connect(address, cpus)
    except EngineUnavailableError as exc:
        print(f"lightbox serve: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    ours = address == "local" or not _serve_running(ray)
    try:
        serve.start(http_options={"host": host, "port": port, "location": "HeadOnly"})
        app = serve.deployment(**deployment_options(replicas, max_replicas))(
            LightboxReplica).bind(settings, config, address == "local")
        serve.run(app, name=APP_NAME, route_prefix="/")
        scaling = (f"{replicas} to {max_replicas} replicas (autoscaling)"
                   if max_replicas and max_replicas > replicas else f"{replicas} replica(s)")
        where = "a local Ray instance" if address == "local" else f"the Ray cluster {address}"
        print(f"lightbox serve: on {where}, {scaling}, every one verified; listening on "
              f"http://{host}:{port} (Ctrl+C stops)", file=sys.stderr, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        print("lightbox serve: stopping", file=sys.stderr, flush=True)
        return 0
    except (ray.exceptions.RayError, RuntimeError, ValueError) as exc:
        print(f"lightbox serve: the Ray Serve deployment failed ({type(exc).__name__}: "
              f"{exc}); nothing is served", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        try:
            if ours:  # Serve (its controller, its HTTP proxy) started by this command
                serve.shutdown()  # type: ignore[no-untyped-call]
            else:  # others' applications may run on it: only ours goes
                serve.delete(APP_NAME)
        finally:
            disconnect(ray, scratch)
