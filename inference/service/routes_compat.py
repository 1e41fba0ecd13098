"""The routes for simple clients that want one label: POST /classify and POST /predict."""

from typing import Any

from fastapi import APIRouter, Request

from inference.service.deps import Protected, ServiceDep, SettingsDep
from inference.service.errors import StrictJSONRoute
from inference.service.models import ClassifyRequest, ClassifyResponse, PredictRequest, PredictResponse
from inference.service.routes_triage import check_sizes, model_version, run_tickets
from ticket_triage.prompt import join_ticket_text
from ticket_triage.schema import TicketSchema

COMPAT_FIELD = "category"  # what /classify and /predict report (the first enum field if a schema lacks it)
TOP_N_COMPAT = 3

router = APIRouter(route_class=StrictJSONRoute)


def compat_field(schema: TicketSchema) -> str:
    """The field /classify and /predict report: `category`, or the schema's first enum field."""
    return COMPAT_FIELD if COMPAT_FIELD in {f.name for f in schema.enum_fields} else schema.enum_fields[0].name


@router.post("/classify", response_model=ClassifyResponse, dependencies=Protected, tags=["simple clients"])
async def classify(body: ClassifyRequest, request: Request, service: ServiceDep, settings: SettingsDep) -> Any:
    """`{"ticket": text}` -> `{"category": ...}`, for clients that want one label."""
    check_sizes([("body.ticket", body.ticket)], settings)
    [done] = await run_tickets(service, request, [body.ticket.strip()], classification_only=True)
    return {"category": done.result.ticket[compat_field(service.schema)]}


@router.post("/predict", response_model=PredictResponse, dependencies=Protected, tags=["simple clients"])
async def predict(body: PredictRequest, request: Request, service: ServiceDep, settings: SettingsDep) -> Any:
    """Subject + description -> category, its confidence, the top 3, whether a person should review."""
    text = join_ticket_text([body.subject, body.description])
    check_sizes([("body", text)], settings)
    [done] = await run_tickets(service, request, [text], classification_only=True)
    result, field = done.result, compat_field(service.schema)
    return {
        "category": result.ticket[field],
        "confidence": result.confidence.get(field, 1.0),
        "top_3": [
            {"category": a["value"], "confidence": a["probability"]}
            for a in result.alternatives.get(field, [])[:TOP_N_COMPAT]
        ],
        "requires_review": result.status == "review",
        "model_version": model_version(service),
    }
