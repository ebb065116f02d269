"""``lightbox serve``: the verified models as an HTTP service (docs/service.md).

    lightbox serve [--host 127.0.0.1] [--port 8000] [--models-dir DIR ...]
                   [--studies DIR ...] [--demo]
                                            --studies: the studies in DIR for the web
                                            viewer at /web/ (docs/web.md); --demo: the
                                            demo study (built once in the cache folder)
    lightbox serve --ray local|ADDRESS [--replicas N] [--max-replicas M]
                   [--target-requests R] [--upscale-delay S] [--downscale-delay S]
                                            the same service on Ray Serve
                                            (viewer.service.ray_serve), autoscaling
                                            between N and M replicas
    lightbox serve --hash-key [KEY | -]     a new key (or KEY, or one read from stdin)
                                            and the hash IT writes into service_api_keys

Listens on 127.0.0.1 unless the site configures API keys or mutual TLS: without either,
anyone on the network could run models and read their results (viewer.service.config).
Needs the ``server`` extra (``pip install lightbox[server]``: FastAPI, uvicorn,
python-multipart, prometheus-client); the workstation build does not contain it. Exit 0
when stopped, 1 when the service cannot start (what to fix on stderr), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from viewer.host.settings import Settings, load_settings

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, not {text!r}")
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"must be a number from 1 to 64, not {text!r}")
    return int(text)


def _number(low: float, high: float, said: str, *, above: bool = False
            ) -> Callable[[str], float]:
    """An argparse type: a number from ``low`` (or above it) to ``high``, else ``said``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")  # fails every comparison below
        if not ((low < value) if above else (low <= value)) or not value <= high:
            raise argparse.ArgumentTypeError(f"must be {said}, not {text!r}")
        return value
    return parse


_seconds = _number(0, 3600, "seconds from 0 to 3600")
_refresh = _number(1, 86400, "seconds from 1 to 86400")
_target = _number(0, 1000, "a number above 0 (at most 1000)", above=True)


#: The autoscaling knobs (viewer.service.ray_serve.Scaling has their defaults).
SCALING_FLAGS = ("target_requests", "upscale_delay", "downscale_delay")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lightbox serve",
                                description="Serve the verified AI models over HTTP.")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}; another needs "
                   "service_api_keys or service_mutual_tls in the site configuration)")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT,
                   help=f"TCP port (default {DEFAULT_PORT})")
    p.add_argument("--models-dir", action="append", metavar="DIR",
                   help="serve the model artifacts in DIR instead of the installed ones "
                   "(repeatable)")
    p.add_argument("--studies", action="append", metavar="DIR",
                   help="offer the studies in DIR (scanned as the viewer scans a folder) "
                   "to the web viewer at /web/ (repeatable)")
    p.add_argument("--demo", action="store_true",
                   help="offer the demo study (a synthetic CT phantom and sample images, "
                   "no patient data; written once into the cache folder) to the web viewer")
    p.add_argument("--ray", metavar="local|ADDRESS",
                   help="deploy with Ray Serve: 'local' starts a private Ray instance on "
                   "this machine, ADDRESS joins a running cluster (host:port)")
    p.add_argument("--replicas", type=_count, default=1, metavar="N",
                   help="with --ray: replicas of the service, each with every model "
                   "(default 1)")
    p.add_argument("--max-replicas", type=_count, metavar="M",
                   help="with --ray: let Ray Serve add replicas up to M under load "
                   "(autoscaling; default: fixed at --replicas)")
    p.add_argument("--target-requests", type=_target, metavar="R",
                   help="with --max-replicas: add a replica while each has more than R "
                   "requests in flight or queued (default 2)")
    p.add_argument("--upscale-delay", type=_seconds, metavar="S",
                   help="with --max-replicas: seconds of load above the target before a "
                   "replica is added (default 5)")
    p.add_argument("--downscale-delay", type=_seconds, metavar="S",
                   help="with --max-replicas: seconds below the target before a replica "
                   "is removed, down to --replicas (default 60)")
    p.add_argument("--drift-refresh", type=_refresh, default=900.0, metavar="S",
                   help="seconds between two computations of the drift alerts from the "
                   "service's audit log (default 900: every 15 minutes)")
    p.add_argument("--hash-key", nargs="?", const="", metavar="KEY",
                   help="print the hash of KEY ('-': read it from stdin; none: a new "
                   "random key) for service_api_keys, and exit")
    return p


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    ns = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if ns.hash_key is not None:
        return _hash_key(ns.hash_key)
    settings = settings if settings is not None else load_settings()
    try:  # the whole web stack, before anything else: absent, say what to install
        import viewer.service.run  # noqa: F401 - uvicorn, FastAPI, the app
    except ImportError as exc:  # the server extra is not installed (or a frozen workstation)
        print(f"lightbox serve: needs the server extra (pip install 'lightbox[server]'; "
              f"the workstation executable does not contain it): {exc}", file=sys.stderr)
        return 1
    from viewer.service.config import ServiceConfig, bind_problem, tls_problem

    dirs = [Path(d) for d in ns.models_dir] if ns.models_dir else None
    missing = [d for d in dirs or [] if not d.is_dir()]
    if missing:
        print(f"lightbox serve: --models-dir {missing[0]}: no such folder", file=sys.stderr)
        return 2
    studies = [Path(d) for d in ns.studies or []]
    missing = [d for d in studies if not d.is_dir()]
    if missing:
        print(f"lightbox serve: --studies {missing[0]}: no such folder", file=sys.stderr)
        return 2
    if settings.failed_closed:
        for problem in settings.problems:
            print(f"lightbox serve: {problem}", file=sys.stderr)
        return 1
    if ns.demo:
        from viewer.io.demo import build_demo

        studies.append(build_demo())
    config = dataclasses.replace(
        ServiceConfig.of(settings, tuple(dirs) if dirs else None, tuple(studies)),
        drift_refresh_s=ns.drift_refresh)
    refused = bind_problem(ns.host, config)
    if refused:
        print(f"lightbox serve: {refused}", file=sys.stderr)
        return 2
    if ns.ray:
        return _serve_on_ray(ns, settings, config)
    if ns.replicas != 1 or ns.max_replicas is not None or _scaling_given(ns):
        print("lightbox serve: --replicas, --max-replicas and the autoscaling options "
              "need --ray", file=sys.stderr)
        return 2
    missing_tls = tls_problem(settings)
    if missing_tls:
        print(f"lightbox serve: {missing_tls}", file=sys.stderr)
        return 1
    from viewer.service.run import serve_http

    return serve_http(ns.host, ns.port, settings, config)


def _serve_on_ray(ns: argparse.Namespace, settings: Settings, config: object) -> int:
    from viewer.service.config import ServiceConfig

    assert isinstance(config, ServiceConfig)
    if config.mutual_tls:
        print("lightbox serve: --ray does not do mutual TLS (Ray Serve's proxy cannot "
              "require client certificates): use service_api_keys, or serve without --ray",
              file=sys.stderr)
        return 2
    if _scaling_given(ns) and (ns.max_replicas or 0) <= ns.replicas:
        print("lightbox serve: --target-requests, --upscale-delay and --downscale-delay "
              "need --max-replicas above --replicas (autoscaling)", file=sys.stderr)
        return 2
    try:  # Ray (the server extra): absent, say what to install
        from viewer.service.ray_batch import prepare

        prepare(ns.ray)  # before Ray is first imported: it reads its environment then
        from viewer.service.ray_serve import Scaling, serve_on_ray
    except ImportError as exc:
        print(f"lightbox serve: --ray needs the server extra (pip install "
              f"'lightbox[server]'): {exc}", file=sys.stderr)
        return 1
    default = Scaling()
    scaling = Scaling(
        default.target_requests if ns.target_requests is None else ns.target_requests,
        default.upscale_delay_s if ns.upscale_delay is None else ns.upscale_delay,
        default.downscale_delay_s if ns.downscale_delay is None else ns.downscale_delay)
    return serve_on_ray(ns.ray, ns.host, ns.port, settings, config, ns.replicas,
                        ns.max_replicas, scaling)


def _scaling_given(ns: argparse.Namespace) -> bool:
    return any(getattr(ns, flag) is not None for flag in SCALING_FLAGS)


def _hash_key(given: str) -> int:
    from viewer.service.keys import hash_key, new_key

    key = sys.stdin.readline().strip() if given == "-" else given.strip()
    if not key:
        key = new_key()
        print(f"key:  {key}   (give it to the client; it is not stored anywhere)")
    print(f"hash: {hash_key(key)}   (add it to service_api_keys in the site configuration)")
    return 0
