"""The triage routes (POST /v1/triage, GET /v1/schema), and how every route runs a request's tickets
through the batcher: size checks, 503/500 for the batcher's refusals, a vanished client's tickets dropped."""

# No `from __future__ import annotations`: FastAPI reads the route signatures (the request model is
# built per schema in `triage_router`) at run time.
import asyncio
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from inference.service.batcher import EngineFailed, NotReady, QueueFull, Service, _Done
from inference.service.deps import Protected, SchemaDep, ServiceDep, SettingsDep
from inference.service.errors import ClientGone, StrictJSONRoute, field_error
from inference.service.models import TriageModels
from inference.service.settings import ServiceSettings


def triage_router(models: TriageModels) -> APIRouter:
    """The triage routes, with the request and response models of the schema in force."""
    router = APIRouter(route_class=StrictJSONRoute)
    TriageRequest, TriageResponse = models.request, models.response

    # exclude_unset: a classification-only ticket has no summary key at all, rather than "summary": null
    @router.post(
        "/v1/triage",
        response_model=TriageResponse,
        response_model_exclude_unset=True,
        dependencies=Protected,
        tags=["triage"],
        responses={
            400: {"description": "Malformed JSON (or not strict: duplicate keys, deep nesting, huge numbers)"},
            401: {"description": "Missing or wrong API key"},
            408: {"description": "The body did not arrive within --body-timeout"},
            413: {"description": "Body, text or batch over the limit"},
            415: {"description": "Content-Type is not application/json"},
            422: {"description": "Wrong type, blank text or unknown field"},
            503: {"description": "Model not ready, or queue full (see Retry-After)"},
        },
    )
    async def triage(body: TriageRequest, request: Request, service: ServiceDep, settings: SettingsDep) -> Any:
        """Triage one ticket or a batch: schema-valid tickets with per-field confidence and alternatives."""
        started = time.perf_counter()
        located = body.texts()
        check_sizes(located, settings)
        done = await run_tickets(service, request, [text for _, text in located], body.classification_only)
        results = [d.result.to_dict() | {"model": service.model_name} for d in done]
        for result, ticket_id in zip(results, body.ids()):
            if ticket_id is not None:  # absent, not null, when the client gave none (exclude_unset)
                result["id"] = ticket_id
        return {
            "results": results,
            "model": service.model_name,
            "model_version": model_version(service),
            "timing": {
                "queue_ms": max(d.queue_ms for d in done),
                "inference_ms": round(sum({d.batch: d.inference_ms for d in done}.values()), 1),
                "total_ms": round((time.perf_counter() - started) * 1000, 1),
                "batch_size": max(d.batch_size for d in done),
            },
        }

    @router.get("/v1/schema", dependencies=Protected, tags=["triage"])
    async def json_schema(schema: SchemaDep) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) every ticket this service returns is valid against."""
        return schema.json_schema()

    return router


# ---- running tickets through the service -------------------------------------------------------
def check_sizes(texts: list[tuple[str, str]], settings: ServiceSettings) -> None:
    if len(texts) > settings.max_request_tickets:
        raise HTTPException(
            413,
            [
                field_error(
                    ["body", "tickets"],
                    f"{len(texts)} tickets; at most {settings.max_request_tickets} per request",
                    "too_many_tickets",
                )
            ],
        )
    too_long = [
        field_error(
            where.split("."),
            f"ticket text is {len(text):,} characters; the limit is {settings.max_text_chars:,}",
            "too_long",
        )
        for where, text in texts
        if len(text) > settings.max_text_chars
    ]
    if too_long:
        raise HTTPException(413, too_long)


async def run_tickets(service: Service, request: Request, texts: list[str], classification_only: bool) -> list[_Done]:
    request.state.tickets = len(texts)
    service.arrived(request.scope["state"])
    try:
        return await answer_unless_gone(request, service.triage(texts, classification_only))
    except NotReady as e:
        raise HTTPException(
            503, f"not ready: {e}", headers={"Retry-After": str(service.config.retry_after_s)}
        ) from None
    except QueueFull as e:
        raise HTTPException(
            503, f"busy: {e}; retry later", headers={"Retry-After": str(service.config.retry_after_s)}
        ) from None
    except EngineFailed as e:
        raise HTTPException(500, str(e)) from None


def model_version(service: Service) -> str:
    return service.model.version if service.model else ""


async def answer_unless_gone(request: Request, work: Any) -> Any:
    """Await `work` (a coroutine); if the client disconnects first, cancel it and raise ClientGone.

    Uvicorn does not cancel a request whose client left, so without this a client that gave up (or
    timed out) still had its queued tickets decoded, taking the engine from clients still waiting.
    """
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request.receive))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when this request itself is cancelled
        watcher.cancel()
        if not task.done():
            task.cancel()
    if task.done() and not task.cancelled():
        return task.result()
    await asyncio.wait({task})  # its cleanup (dropping the queued tickets) has run when we answer
    raise ClientGone()


async def _disconnected(receive: Callable) -> None:
    # The body has been read: the next message a server sends is the disconnect.
    while (await receive())["type"] != "http.disconnect":
        pass
