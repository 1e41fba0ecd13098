"""`create_app`: the FastAPI app, wired from the rooms of this package (settings, batcher, models,
routes, errors, middleware). What the routes share lives on `app.state` (see deps.py)."""

from collections.abc import Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from inference.service import errors, routes_compat, routes_feedback, routes_monitoring, routes_webhooks
from inference.service.batcher import Service
from inference.service.loading import LoadedModel
from inference.service.middleware import ObserveRequests
from inference.service.models import triage_models
from inference.service.routes_triage import triage_router
from inference.service.settings import ServiceSettings
from ticket_triage.schema import TicketSchema


@asynccontextmanager
async def lifespan(app: FastAPI):
    service: Service = app.state.service
    webhooks: routes_webhooks.Webhooks | None = app.state.webhooks
    await service.start()
    if webhooks:
        await webhooks.start()  # the write-back task drains the outbox while the service runs
    try:
        yield
    finally:
        if webhooks:
            await webhooks.stop()
        await service.stop()
        if app.state.feedback is not None:
            app.state.feedback.close()


def create_app(schema: TicketSchema, settings: ServiceSettings, load: Callable[[], LoadedModel]) -> FastAPI:
    """The FastAPI app: its request and response models are built from `schema`, its model from `load()`."""
    service = Service(schema, settings, load)
    app = FastAPI(
        title="ticket-triage",
        summary="Raw IT-support text in, a schema-valid JSON ticket out, with per-field confidence.",
        description=f"Schema in force: **{schema.name}** (version {schema.version}); `GET /v1/schema` returns it.",
        version="1",
        lifespan=lifespan,
    )
    app.state.service, app.state.settings = service, settings
    app.state.page = routes_monitoring.PAGE.read_text(encoding="utf-8")
    # Every route with a body reads it strictly, with this bound on its tokens (see parse_json_body).
    app.state.max_json_tokens = errors.json_token_limit(settings.max_request_tickets)

    app.include_router(triage_router(triage_models(schema, settings.max_request_tickets)))
    app.include_router(routes_monitoring.router)
    app.include_router(routes_compat.router)
    app.state.webhooks = routes_webhooks.setup(schema, settings)  # None without --integration
    app.include_router(routes_webhooks.router)
    app.state.feedback = routes_feedback.open_store(schema, settings.feedback_store, settings.feedback_keep_text)
    app.include_router(routes_feedback.router)

    # One error body everywhere ({"detail", "message"}). Starlette's HTTPException, not FastAPI's
    # subclass: the router's own 404 and 405 come through that handler too.
    app.add_exception_handler(RequestValidationError, errors.invalid_request)
    app.add_exception_handler(errors.BadBody, errors.bad_body)
    app.add_exception_handler(StarletteHTTPException, errors.http_error)
    app.add_exception_handler(errors.ClientGone, errors.client_gone)
    app.add_exception_handler(Exception, errors.unexpected)

    app.add_middleware(
        ObserveRequests,
        service=service,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_s=settings.body_timeout_s,
    )
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app
