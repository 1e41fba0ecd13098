"""The monitoring routes (GET /healthz, /readyz, /metrics, /v1/drift) and the web page (GET /)."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from inference.service.deps import Protected, SchemaDep, ServiceDep, SettingsDep
from inference.service.errors import StrictJSONRoute

PAGE = Path(__file__).parent.parent / "static" / "index.html"  # inference/static/index.html

router = APIRouter(route_class=StrictJSONRoute)


@router.get("/v1/drift", dependencies=Protected, tags=["monitoring"])
async def drift(service: ServiceDep) -> dict[str, Any]:
    """PSI of the recent predictions (a sliding window) against the adapter's reference predictions."""
    return service.drift()


@router.get("/healthz", tags=["monitoring"])
async def healthz() -> dict[str, str]:
    """200 while the process is alive, whatever the model's state."""
    return {"status": "alive"}


@router.get("/readyz", tags=["monitoring"], responses={503: {"description": "Loading, or failed (with reason)"}})
async def readyz(service: ServiceDep, settings: SettingsDep, schema: SchemaDep) -> Any:
    """200 once the model is loaded; 503 with the state and reason otherwise. Models by name (a local
    folder by its last part); `--show-paths` adds where the server keeps them."""
    body = {"status": service.state, "schema": schema.name}
    if service.model:
        body |= {"model": service.model_name, "model_version": service.model.version}
        if settings.show_paths:
            body |= {
                "model_path": service.model.engine.name,
                "drift_reference": service.model.drift_reference_source,
            }
    if service.state != "ready":
        body["reason"] = service.public(service.error) or "model is loading"
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(settings.retry_after_s)})
    return body


@router.get("/metrics", dependencies=Protected, tags=["monitoring"], response_class=Response)
async def metrics(service: ServiceDep) -> Response:
    """Prometheus text format: requests, latency, batch sizes, ticket status, labels, drift PSI."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    service.update_drift_metrics()
    return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request) -> str:
    return request.app.state.page  # read once, by create_app
