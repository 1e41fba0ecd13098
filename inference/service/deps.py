"""FastAPI dependencies: what a route takes from the app (`ServiceDep`, `SettingsDep`, `SchemaDep`,
all read from `request.app.state`) and the API-key check (`Protected`)."""

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from inference.service.batcher import Service
from inference.service.settings import API_KEYS_ENV, ServiceSettings
from ticket_triage.schema import TicketSchema


def get_service(request: Request) -> Service:
    """The dependency every route takes; tests override it to put a fake engine behind the API."""
    return request.app.state.service


def get_settings(request: Request) -> ServiceSettings:
    return request.app.state.settings


def get_schema(request: Request) -> TicketSchema:
    return request.app.state.service.schema


ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
SchemaDep = Annotated[TicketSchema, Depends(get_schema)]

bearer = HTTPBearer(auto_error=False, description=f"Only when the service has API keys (${API_KEYS_ENV}).")


def require_key(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    if not settings.api_keys:
        return
    given = (credentials.credentials if credentials else "").encode()
    # compare_digest against every key: the time taken says nothing about how close a guess was
    if not any(hmac.compare_digest(given, key.encode()) for key in settings.api_keys):
        raise HTTPException(
            401,
            "missing or wrong API key: send the header 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )


Protected = [Depends(require_key)]
