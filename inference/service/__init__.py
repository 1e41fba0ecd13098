"""`triage serve`: the triage API (FastAPI + uvicorn) and its web page, in small rooms:

- settings.py           `ServiceSettings` (pydantic-settings, $TRIAGE_*) and `settings_from_args`
- batcher.py            `Service`: model state, the micro-batch queue, cancellation, drift window
- loading.py            `load_for_service` -> `LoadedModel`; model names and paths as clients see them
- metrics.py            `Metrics` (prometheus-client)
- models.py             the request and response models (`triage_models(schema, ...)`)
- errors.py             the one error body, exception handlers, the strict JSON body reader
- middleware.py         `ObserveRequests`: metrics and log lines, body size and deadline, keys in queries
- deps.py               the routes' dependencies (service, settings, schema from app.state; API keys)
- routes_triage.py      POST /v1/triage, GET /v1/schema, and running tickets through the batcher
- routes_compat.py      POST /classify, POST /predict
- routes_monitoring.py  GET /healthz, /readyz, /metrics, /v1/drift and the page (inference/static/)
- routes_webhooks.py    POST /v1/webhooks/{system}: help desk webhooks in, write-back out (integrations/)
- app.py                `create_app`: the rooms wired together
- cli.py                the command: flags, uvicorn settings, `main` (also `python -m inference.service`)
"""

from inference.service.app import create_app
from inference.service.batcher import Service
from inference.service.cli import build_parser, header_deadline_protocol, main, uvicorn_settings
from inference.service.loading import LoadedModel, load_for_service
from inference.service.settings import API_KEYS_ENV, ServiceSettings, read_api_keys, settings_from_args

__all__ = [
    "API_KEYS_ENV",
    "LoadedModel",
    "Service",
    "ServiceSettings",
    "build_parser",
    "create_app",
    "header_deadline_protocol",
    "load_for_service",
    "main",
    "read_api_keys",
    "settings_from_args",
    "uvicorn_settings",
]
