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

With ``--max-replicas`` Serve autoscales on the knobs of :class:`Scaling` (command-line
options); while it serves, the command says on stderr how many replicas run and on which
node (:class:`Placement`), whenever that changes: a cluster's growth and Serve's scaling
are visible in the service's own log.

Requests are logged by Ray Serve (its proxy's and the replicas' access logs), not by
uvicorn (viewer.service.access_log does not run here): Ray Serve 2.60 writes the
route's shape (``GET /v1/series/{series_uid}/frames/{index} 200``), never the path or
the query, so no UID or search key reaches those logs either; tests/service/
test_ray_serve.py reads them to keep it so.
"""

from __future__ import annotations

import contextlib
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


@dataclasses.dataclass(frozen=True)
class Scaling:
    """How Ray Serve autoscales (``--max-replicas``), IT's knobs on the command line.

    Serve's defaults (wait 30 s before adding a replica, 600 s before removing one) are
    made for long-lived web traffic; a department's inference load comes in bursts (a
    worklist opened, a batch from the PACS), and a replica costs seconds to start (its
    models verified). So: a replica is added once each has had more than
    ``target_requests`` requests in flight or queued, on average over the last
    ``LOOK_BACK_S`` seconds, for ``upscale_delay_s``; removed after ``downscale_delay_s``
    below it."""

    target_requests: float = 2.0
    upscale_delay_s: float = 5.0
    downscale_delay_s: float = 60.0

    LOOK_BACK_S = 10.0


def deployment_options(replicas: int, max_replicas: int | None,
                       scaling: Scaling | None = None) -> dict[str, Any]:
    """A fixed number of replicas, or autoscaling between ``replicas`` and
    ``max_replicas`` on the requests each replica has in flight (:class:`Scaling`)."""
    options: dict[str, Any] = {"name": APP_NAME, "ray_actor_options": {"num_cpus": 1}}
    if max_replicas is not None and max_replicas > replicas:
        knobs = scaling or Scaling()
        options["autoscaling_config"] = {"min_replicas": replicas,
                                         "initial_replicas": replicas,
                                         "max_replicas": max_replicas,
                                         "target_ongoing_requests": knobs.target_requests,
                                         "upscale_delay_s": knobs.upscale_delay_s,
                                         "downscale_delay_s": knobs.downscale_delay_s,
                                         "look_back_period_s": Scaling.LOOK_BACK_S}
    else:
        options["num_replicas"] = replicas
    return options


#: Ray Serve names each replica's actor ``SERVE_REPLICA::<app>#<deployment>#<replica id>``.
_REPLICA_ACTOR = f"SERVE_REPLICA::{APP_NAME}#{APP_NAME}#"


def _node_of_actor(replica: Any) -> str:
    import ray

    return str(ray.get_runtime_context().get_node_id())


class Placement:
    """Where the replicas run, for IT: how many Serve's status API counts running, and on
    which node each replica actor alive is (asked of the actor itself, once, with Ray's
    ``__ray_call__``; Serve's status has counts, not nodes, and Ray's state API needs the
    dashboard). A replica being started or stopped is an actor too, so the list may name
    more replicas than are running. :meth:`report` says it on stderr when it changes
    (the start, a scale-up or down, a node lost)."""

    def __init__(self, ray: Any) -> None:
        self.ray = ray
        self.nodes: dict[str, str] = {}  # replica id → node id
        self.names: dict[str, str] = {}  # node id → name (ray_batch.node_names)
        self.said = ""

    def running(self) -> int:
        status = serve.status().applications.get(APP_NAME)
        deployment = status.deployments.get(APP_NAME) if status else None
        if deployment is None:
            return 0
        return sum(n for state, n in deployment.replica_states.items() if state == "RUNNING")

    def placement(self) -> dict[str, str]:
        """replica id → node name, for every replica actor alive now."""
        from viewer.service.ray_batch import node_names

        ray = self.ray
        alive = {entry["name"][len(_REPLICA_ACTOR):]: entry["name"]
                 for entry in ray.util.list_named_actors(all_namespaces=True)
                 if entry["name"].startswith(_REPLICA_ACTOR)}
        self.nodes = {r: node for r, node in self.nodes.items() if r in alive}  # gone: gone
        asked = {}
        for replica, name in alive.items():
            if replica not in self.nodes:
                with contextlib.suppress(ValueError, ray.exceptions.RayError):
                    actor = ray.get_actor(name, namespace=SERVE_NAMESPACE)
                    asked[actor.__ray_call__.remote(_node_of_actor)] = replica
        if asked:
            ready, _ = ray.wait(list(asked), num_returns=len(asked), timeout=5)
            for ref in ready:
                with contextlib.suppress(ray.exceptions.RayError):
                    self.nodes[asked[ref]] = ray.get(ref)
        if any(node not in self.names for node in self.nodes.values()):
            self.names = node_names(ray)
        return {replica: self.names.get(self.nodes[replica], self.nodes[replica][:8])
                for replica in sorted(alive) if replica in self.nodes}

    def report(self) -> None:
        try:
            running, where = self.running(), self.placement()
        except (self.ray.exceptions.RayError, RuntimeError, ValueError, KeyError):
            return  # the cluster is busy or a node is going: asked again next time
        line = (f"lightbox serve: {running} replica(s) running; replicas (starting and "
                f"stopping ones included): "
                + ", ".join(f"{replica} on {node}" for replica, node in where.items()))
        if line != self.said:
            self.said = line
            print(line, file=sys.stderr, flush=True)


def _serve_running(ray: Any) -> bool:
    """Whether Ray Serve already runs on the cluster (another team's applications)."""
    try:
        ray.get_actor(SERVE_CONTROLLER_NAME, namespace=SERVE_NAMESPACE)
    except ValueError:
        return False
    return True


def serve_on_ray(address: str, host: str, port: int, settings: Settings,
                 config: ServiceConfig, replicas: int, max_replicas: int | None,
                 scaling: Scaling | None = None) -> int:
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
        app = serve.deployment(**deployment_options(replicas, max_replicas, scaling))(
            LightboxReplica).bind(settings, config, address == "local")
        serve.run(app, name=APP_NAME, route_prefix="/")
        knobs = scaling or Scaling()
        count = (f"{replicas} to {max_replicas} replicas (autoscaling: above "
                 f"{knobs.target_requests:g} requests per replica for "
                 f"{knobs.upscale_delay_s:g} s adds one, below for "
                 f"{knobs.downscale_delay_s:g} s removes one)"
                 if max_replicas and max_replicas > replicas else f"{replicas} replica(s)")
        where = "a local Ray instance" if address == "local" else f"the Ray cluster {address}"
        print(f"lightbox serve: on {where}, {count}, every one verified; listening on "
              f"http://{host}:{port} (Ctrl+C stops)", file=sys.stderr, flush=True)
        placement = Placement(ray)
        try:
            while True:
                placement.report()  # a scale-up or down, a node lost: on stderr
                if stop.wait(2.0):
                    break
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
