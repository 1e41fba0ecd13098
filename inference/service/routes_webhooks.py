"""POST /v1/webhooks/{system}: a help desk's new ticket in, triaged by the same micro-batcher as
/v1/triage, its answer written back through the outbox (`Webhooks`, started and stopped by the lifespan).

The path of a webhook:
1. 404 unless `--integration SYSTEM=FILE` configured that system; 401 unless the body carries the
   shared secret: the `X-Triage-Webhook-Secret` header, or (Jira admin webhooks, which sign their
   bodies) `X-Hub-Signature: sha256=<HMAC-SHA256 of the body>`, both compared in constant time.
2. The ticket id and text are read from the body (integrations/inbound.py; 400 names a missing key).
3. Each ticket is claimed in the outbox: one seen before (a replayed webhook) is not triaged again.
   A full outbox answers 503 + Retry-After, so the help desk retries instead of a write being dropped.
4. The answer is 200 at once (Zoho Desk counts anything slower than a few seconds as failed); the
   ticket is triaged in the background, `build_calls` turns the result into the system's calls, and
   they go into the outbox, which the write-back task drains (integrations/writeback.py).

A triage that fails (model failed to load, engine error) is logged with the ticket id and the claim
released, so the help desk's next delivery of that ticket is triaged. Ticket text is never logged.
"""

# No `from __future__ import annotations`: FastAPI reads the route's signature at run time.
import asyncio
import hashlib
import hmac
import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.requests import ClientDisconnect

from inference.service.batcher import EngineFailed, NotReady, QueueFull, Service
from inference.service.deps import ServiceDep
from inference.service.errors import ClientGone
from inference.service.settings import ServiceSettings
from integrations.inbound import InboundError, InboundTicket, extract_tickets
from integrations.outbox import Outbox, OutboxFull
from integrations.writeback import Retry, WriteBack, target_for
from ticket_triage.schema import TicketSchema

log = logging.getLogger("triage.serve")
SECRET_HEADER = "X-Triage-Webhook-Secret"
SIGNATURE_HEADER = "X-Hub-Signature"  # Jira's WebSub signature: "sha256=<hex>"


class Webhooks:
    """What the webhook route shares (`app.state.webhooks`): the mappings of the configured systems, the
    secret, the outbox, the write-back task and the triages in flight."""

    def __init__(self, schema: TicketSchema, settings: ServiceSettings):
        from integrations.mapping import load_mapping

        self.settings = settings
        self.mappings = {system: load_mapping(path, schema) for system, path in settings.integrations.items()}
        assert settings.webhook_secret is not None  # the settings refuse integrations without one
        self.secret = settings.webhook_secret.get_secret_value().encode()
        self.outbox = Outbox(settings.outbox, settings.outbox_max)
        # Credentials are read (and checked) only when calls will really be sent.
        targets = {s: target_for(s, m.connection) for s, m in self.mappings.items()} if settings.write_back else {}
        retry = Retry(
            settings.writeback_attempts,
            settings.writeback_backoff_s,
            settings.writeback_max_backoff_s,
            settings.writeback_timeout_s,
        )
        self.writeback = WriteBack(self.outbox, targets, settings.write_back, retry)
        self._triaging: set[asyncio.Task] = set()

    async def start(self) -> None:
        for system, ticket_id in self.outbox.recover():
            log.warning("webhook %s %s: triage interrupted by a restart; a redelivery triages it", system, ticket_id)
        mode = "on" if self.settings.write_back else "off (dry run: calls are recorded and logged, not sent)"
        log.info("webhooks for %s; write-back %s; outbox %s", ", ".join(self.mappings), mode, self.outbox.path)
        await self.writeback.start()

    async def stop(self) -> None:
        for task in self._triaging:
            task.cancel()
        await asyncio.gather(*self._triaging, return_exceptions=True)
        await self.writeback.stop()

    def authentic(self, request: Request, body: bytes) -> bool:
        given = request.headers.get(SECRET_HEADER)
        if given is not None:
            return hmac.compare_digest(given.encode(), self.secret)
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if signature.startswith("sha256="):
            expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
            return hmac.compare_digest(signature.encode(), expected.encode())
        return False

    def accept(self, service: Service, system: str, tickets: list[InboundTicket]) -> dict[str, list[str]]:
        """Claim each ticket and triage the new ones in the background; OutboxFull when there is no room."""
        self.outbox.check_room(len(tickets))
        accepted, replayed = [], []
        for ticket in tickets:
            if not self.outbox.claim(system, ticket.ticket_id):
                replayed.append(ticket.ticket_id)
                log.info("webhook %s %s: seen before (a replay), not triaged again", system, ticket.ticket_id)
                continue
            accepted.append(ticket.ticket_id)
            task = asyncio.create_task(self._triage(service, system, ticket), name=f"webhook-{system}")
            self._triaging.add(task)
            task.add_done_callback(self._triaging.discard)
        return {"accepted": accepted, "replayed": replayed}

    async def _triage(self, service: Service, system: str, ticket: InboundTicket) -> None:
        from integrations.payloads import build_calls

        try:
            done = await _triage_when_ready(service, ticket.text[: service.config.max_text_chars])
            result = done.result.to_dict() | {"model": service.model_name}
            calls = build_calls(self.mappings[system], result, ticket_id=ticket.ticket_id)
            self.outbox.add(system, ticket.ticket_id, [c.to_dict() for c in calls])
        except asyncio.CancelledError:
            self.outbox.release(system, ticket.ticket_id)
            raise
        except Exception as e:  # noqa: BLE001 -- one ticket's failure is logged, and the ticket can be redelivered
            self.outbox.release(system, ticket.ticket_id)
            # Only the batcher's own messages are shown: others (a schema error in the result) may quote ticket text.
            reason = service.public(str(e)) if isinstance(e, (NotReady, EngineFailed)) else type(e).__name__
            log.error(
                "webhook %s %s: triage failed (%s); not written, a redelivery is triaged",
                system,
                ticket.ticket_id,
                reason,
            )
            return
        log.info("webhook %s %s: %s, %d call(s) queued", system, ticket.ticket_id, done.result.status, len(calls))
        self.writeback.wake()


async def _triage_when_ready(service: Service, text: str) -> Any:
    """The batcher's answer for one ticket, waiting while the model loads or the queue is full."""
    while True:
        try:
            [done] = await service.triage([text], classification_only=False)
            return done
        except NotReady:
            if service.state == "failed":
                raise
            await asyncio.sleep(0.2)
        except QueueFull:
            await asyncio.sleep(service.config.retry_after_s)


def get_webhooks(request: Request) -> Webhooks | None:
    return request.app.state.webhooks


WebhooksDep = Annotated[Webhooks | None, Depends(get_webhooks)]


def setup(schema: TicketSchema, settings: ServiceSettings) -> Webhooks | None:
    """The webhooks of `settings` (None when no integration is configured); mapping errors raise here, at start."""
    return Webhooks(schema, settings) if settings.integrations else None


router = APIRouter()


@router.post(
    "/v1/webhooks/{system}",
    tags=["webhooks"],
    responses={
        400: {"description": "The body is not JSON or lacks the ticket's id (the key is named)"},
        401: {"description": f"Missing or wrong {SECRET_HEADER} (or Jira {SIGNATURE_HEADER})"},
        404: {"description": "No integration configured for this system"},
        503: {"description": "The model failed to load, or the outbox is full (see Retry-After)"},
    },
)
async def webhook(system: str, request: Request, service: ServiceDep, webhooks: WebhooksDep) -> dict[str, Any]:
    """A help desk's new-ticket webhook: answered at once; the ticket is triaged and written back."""
    if webhooks is None or system not in webhooks.mappings:
        configured = ", ".join(webhooks.mappings) if webhooks else "none"
        raise HTTPException(
            404, f"no integration for {system!r} (configured: {configured}); start with --integration {system}=FILE"
        )
    try:
        body = await request.body()
    except ClientDisconnect:
        raise ClientGone() from None
    if not webhooks.authentic(request, body):
        raise HTTPException(401, f"missing or wrong webhook secret: send the header '{SECRET_HEADER}: <secret>'")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as e:
        raise HTTPException(400, f"the body is not JSON: {e}"[:200]) from None
    try:
        tickets = extract_tickets(system, payload)
    except InboundError as e:
        raise HTTPException(400, str(e)) from None
    retry_after = {"Retry-After": str(service.config.retry_after_s)}
    if service.state == "failed":
        raise HTTPException(503, f"not ready: {service.public(service.error)}", headers=retry_after)
    request.state.tickets = len(tickets)
    try:
        answer = webhooks.accept(service, system, tickets)
    except OutboxFull as e:
        raise HTTPException(503, f"busy: {e}; retry later", headers=retry_after) from None
    return {"system": system, **answer}
