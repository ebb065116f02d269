"""Who is calling: an API key (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``)
checked against the site's hashes; without keys configured, the peer address (the service
then listens on the loopback only, :mod:`viewer.service.config`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from viewer.service.config import ServiceConfig
from viewer.service.keys import match
from viewer.service.problems import ServiceError

bearer = HTTPBearer(auto_error=False, description="an API key IT issued")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="an API key IT issued (as Bearer)")


def client(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    header_key: Annotated[str | None, Depends(api_key_header)],
) -> str:
    """The caller as the audit names it; 401 without a valid key where keys are set."""
    config: ServiceConfig = request.app.state.config
    peer = request.client.host if request.client else "unknown"
    if not config.key_hashes:
        return f"{'tls' if config.mutual_tls else 'peer'}:{peer}"
    key = credentials.credentials if credentials is not None else header_key
    if not key:
        raise ServiceError("unauthorized", "this service needs an API key: send it as "
                           "'Authorization: Bearer KEY' (ask IT for one)")
    found = match(key, config.key_hashes)
    if found is None:
        raise ServiceError("unauthorized", "the API key is not one this service accepts "
                           "(revoked, or mistyped): ask IT")
    return f"key:{found}"
