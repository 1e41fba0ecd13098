"""POST /v1/feedback: a person's correction of a call the service made, kept in the corrections store.

    curl -X POST localhost:8000/v1/feedback -H 'content-type: application/json' \
        -d '{"id": "INC-42", "fields": {"priority": "High"}, "who": "ana", "original": {...the answer...}}'

On only with `--feedback-store FILE` (404 otherwise), behind the same API keys as /v1/triage. The
correction is checked against the schema in force (field names, allowed values, and the cross-field
rules on the model's answer with the corrections laid over it): 422 names the field. Nothing is
overwritten (feedback/store.py): a second correction of a ticket is a new row, the latest is current.
The ticket text is stored only with `--feedback-keep-text`; otherwise its SHA-256 alone. Corrections
become training rows with `triage review rows` (docs/review.md).
"""

# No `from __future__ import annotations`: FastAPI reads the route signature at run time.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from inference.service.deps import Protected, ServiceDep
from inference.service.errors import StrictJSONRoute, field_error
from inference.service.routes_triage import model_version
from ticket_triage.schema import TicketSchema

MAX_ID_CHARS = 200


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="the ticket's id in your help desk")
    fields: dict[str, str] = Field(min_length=1, description="the corrected fields: field name -> right value")
    who: str = Field(min_length=1, max_length=MAX_ID_CHARS, description="who corrected it")
    original: dict[str, Any] | None = Field(
        None, description="the ticket this service answered (its `ticket`), so the rules are checked on the whole"
    )
    text: str | None = Field(None, description="the ticket text; stored only with --feedback-keep-text")
    model: str | None = Field(None, description="the model that made the call (default: the one serving)")
    model_version: str | None = None


def open_store(schema: TicketSchema, location: str | None, keep_text: bool):
    """The corrections store of `--feedback-store` (None without it); a bad location fails at start."""
    if not location:
        return None
    from feedback.store import CorrectionStore

    return CorrectionStore(location, schema, keep_text=keep_text)


def get_store(request: Request) -> Any:
    store = request.app.state.feedback
    if store is None:
        raise HTTPException(404, "feedback is off: start the service with --feedback-store FILE")
    return store


router = APIRouter(route_class=StrictJSONRoute)


@router.post(
    "/v1/feedback",
    status_code=201,
    dependencies=Protected,
    tags=["feedback"],
    responses={
        401: {"description": "Missing or wrong API key"},
        404: {"description": "Feedback is off (no --feedback-store)"},
        422: {"description": "Unknown field, a value the schema does not allow, or a broken cross-field rule"},
    },
)
def feedback(body: FeedbackRequest, service: ServiceDep, store: Annotated[Any, Depends(get_store)]) -> dict[str, Any]:
    """Keep a person's correction of a call; it becomes a training row (`triage review rows`)."""
    # A plain `def`: FastAPI runs it in its thread pool, so the SQLite write never blocks the event loop.
    from feedback.store import Correction, CorrectionError

    correction = Correction(
        ticket_id=body.id,
        fields=body.fields,
        who=body.who,
        source="api",
        model=body.model or service.model_name or "",
        model_version=body.model_version or (model_version(service) if body.model is None else ""),
        original=body.original,
        text=body.text,
    )
    try:
        stored = store.add(correction)
    except CorrectionError as e:
        errors = [
            field_error(["body", "fields", err.field] if err.field else ["body"], err.message, "value_error")
            for err in e.errors
        ]
        raise HTTPException(422, errors or [field_error(["body"], str(e), "value_error")]) from None
    return {"stored": stored, "id": body.id, "changed": correction.changed}
