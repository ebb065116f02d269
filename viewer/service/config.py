"""What the site allows the service: keys, TLS, limits, and where it may listen.

Without an API key or mutual TLS anyone who can reach the port can run a model and read
its results (which describe patients' images), so an unprotected service binds the
loopback interface only: reachable from this machine (a reverse proxy, a script), never
from the network. A non-loopback address is refused until IT sets ``service_api_keys`` or
``service_mutual_tls``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from viewer.host.settings import Settings

MB = 1024 * 1024


@dataclass(frozen=True)
class ServiceConfig:
    key_hashes: tuple[str, ...] = ()
    mutual_tls: bool = False
    max_request_bytes: int = 1024 * MB
    max_instances: int = 2000
    models_dirs: tuple[Path, ...] | None = None  # None: the registry's default folders
    #: The folders whose studies the web viewer lists (``--studies``, ``--demo``).
    studies_dirs: tuple[Path, ...] = ()
    #: The built web viewer (None: the package's ``viewer/service/webapp``).
    webapp_dir: Path | None = None
    #: Seconds between two computations of the drift alerts (``--drift-refresh``).
    drift_refresh_s: float = 900.0

    @classmethod
    def of(cls, settings: Settings, models_dirs: tuple[Path, ...] | None = None,
           studies_dirs: tuple[Path, ...] = ()) -> ServiceConfig:
        return cls(settings.service_api_keys, settings.service_mutual_tls,
                   settings.service_max_request_mb * MB, settings.service_max_instances,
                   models_dirs, studies_dirs)

    @property
    def protected(self) -> bool:
        return bool(self.key_hashes) or self.mutual_tls


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def bind_problem(host: str, config: ServiceConfig) -> str | None:
    """Why ``host`` may not be bound (None: it may)."""
    if is_loopback(host) or config.protected:
        return None
    return (f"refusing to listen on {host}: without API keys or mutual TLS anyone on the "
            "network could run models and read their results. IT sets service_api_keys "
            "(hashes from `lightbox serve --hash-key`) or service_mutual_tls in the site "
            "configuration; until then the service listens on 127.0.0.1 only")


def tls_problem(settings: Settings) -> str | None:
    """With ``service_mutual_tls``, the files it needs (None: all there)."""
    if not settings.service_mutual_tls:
        return None
    for name in ("tls_cert_file", "tls_key_file", "tls_ca_file"):
        path = getattr(settings, name)
        if path is None or not Path(path).is_file():
            return (f"service_mutual_tls is on but {name} is "
                    + ("not set" if path is None else f"{path}, which does not exist")
                    + " in the site configuration")
    return None
