"""The API's request and response models. The ticket-shaped ones are derived from the schema in
force and the request limit (`triage_models`); the simple clients' ones are fixed."""

# No `from __future__ import annotations`: pydantic resolves the annotations of the models built
# inside `triage_models` at run time, and string annotations there could not be resolved.
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ticket_triage.prompt import join_ticket_text, text_problem
from ticket_triage.schema import TicketSchema

TicketId = Annotated[
    Annotated[StrictStr, Field(max_length=200)] | StrictInt | None,
    Field(description="Yours, returned with the ticket's result: a string (at most 200 characters) or integer."),
]


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: TicketId = None
    text: StrictStr | None = Field(None, description="The whole ticket. Or give subject and/or description.")
    subject: StrictStr | None = Field(None, description="The ticket's subject line.")
    description: StrictStr | None = Field(None, description="The ticket's body.")

    @model_validator(mode="after")
    def _one_text(self) -> "TicketIn":
        _check_text_fields(self.text, self.subject, self.description)
        return self


class Alternative(BaseModel):
    value: str
    probability: float


class Timing(BaseModel):
    queue_ms: float = Field(description="Longest wait of this request's tickets for a batch.")
    inference_ms: float = Field(description="Engine time of the batch(es) that decoded them.")
    total_ms: float = Field(description="Request received to response ready.")
    batch_size: int = Field(description="Largest engine batch this request's tickets were decoded in.")


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket: StrictStr = Field(description="The ticket text.")

    @model_validator(mode="after")
    def _not_blank(self) -> "ClassifyRequest":
        _check_text_fields(self.ticket, None, None, name="ticket")
        return self


class ClassifyResponse(BaseModel):
    category: str


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: StrictStr | None = None
    description: StrictStr | None = None

    @model_validator(mode="after")
    def _not_blank(self) -> "PredictRequest":
        _check_text_fields(None, self.subject, self.description)
        return self


class Option(BaseModel):
    category: str
    confidence: float


class PredictResponse(BaseModel):
    category: str
    confidence: float
    top_3: list[Option]
    requires_review: bool
    model_version: str


class TriageModels(NamedTuple):
    """The models of POST /v1/triage for one schema and request limit."""

    request: type[BaseModel]
    response: type[BaseModel]


def triage_models(schema: TicketSchema, max_request_tickets: int) -> TriageModels:
    """The request and response models of POST /v1/triage: its `Ticket` has the schema's fields, each
    enum a Literal of its values (so /docs lists them), and a batch holds at most `max_request_tickets`."""

    class TriageRequest(BaseModel):
        model_config = ConfigDict(
            extra="forbid",
            json_schema_extra={
                "examples": [
                    {"subject": "VPN down", "description": "VPN drops every ten minutes since this morning"},
                    {
                        "tickets": [{"text": "Printer on floor 3 jams"}, {"text": "Need Visio installed"}],
                        "classification_only": True,
                    },
                ]
            },
        )
        id: TicketId = None
        text: StrictStr | None = Field(None, description="One ticket's whole text.")
        subject: StrictStr | None = Field(None, description="One ticket's subject line.")
        description: StrictStr | None = Field(None, description="One ticket's body.")
        tickets: list[TicketIn] | None = Field(
            None, min_length=1, description=f"A batch (at most {max_request_tickets})."
        )
        classification_only: StrictBool = Field(False, description="Skip the free-text fields (faster).")

        @field_validator("tickets", mode="before")
        @classmethod
        def _not_too_many(cls, value: Any) -> Any:
            # Counted before any ticket is validated: 100,000 empty tickets were validated one by one
            # (the event loop blocked ~37 s) and answered with 100,000 errors before the limit was read.
            if isinstance(value, list) and len(value) > max_request_tickets:
                raise PydanticCustomError(
                    "too_many_tickets",
                    "{count} tickets; at most {limit} per request",
                    {"count": len(value), "limit": max_request_tickets},
                )
            return value

        @model_validator(mode="after")
        def _one_or_many(self) -> "TriageRequest":
            single = (self.text, self.subject, self.description)
            if self.tickets is not None:
                if any(v is not None for v in (*single, self.id)):
                    raise ValueError(
                        "give either id/text/subject/description (one ticket) or tickets (a batch), not both"
                    )
            else:
                _check_text_fields(*single)
            return self

        def texts(self) -> list[tuple[str, str]]:
            """(where, text) of every ticket in the request."""
            if self.tickets is None:
                return [("body", join_ticket_text([self.text, self.subject, self.description]))]
            return [
                (f"tickets[{i}]", join_ticket_text([t.text, t.subject, t.description]))
                for i, t in enumerate(self.tickets)
            ]

        def ids(self) -> list[str | int | None]:
            return [self.id] if self.tickets is None else [t.id for t in self.tickets]

    ticket_fields: dict[str, Any] = {}
    for f in schema.fields:
        if f.type == "enum":
            ticket_fields[f.name] = (Literal[tuple(f.values)], Field(description=f.description))
        else:  # absent when classification_only
            ticket_fields[f.name] = (str | None, Field(None, description=f.description, max_length=f.max_length))
    Ticket = create_model("Ticket", **ticket_fields)

    class Result(BaseModel):
        id: str | int | None = Field(None, description="The ticket's id, when the request gave one.")
        ticket: Ticket  # type: ignore[valid-type]
        confidence: dict[str, float] = Field(description="Per enum field: probability of the chosen value.")
        alternatives: dict[str, list[Alternative]] = Field(description="Per enum field: the top options.")
        status: Literal["auto", "review"]
        reasons: list[str] = Field(description="Why the ticket goes to review (empty for auto).")
        model: str
        timing_ms: float = Field(
            description="Engine wall time from the start of this ticket's batch to its own answer (no queue time)."
        )

    class TriageResponse(BaseModel):
        results: list[Result]
        model: str
        model_version: str
        timing: Timing

    return TriageModels(TriageRequest, TriageResponse)


def _check_text_fields(text: str | None, subject: str | None, description: str | None, name: str = "text") -> None:
    """The one rule of ticket input: text alone, or subject and/or description; never blank, always Unicode."""
    if text is not None and (subject is not None or description is not None):
        raise ValueError("give either text, or subject and/or description, not both")
    for field_name, value in ((name, text), ("subject", subject), ("description", description)):
        if value is not None and (problem := text_problem(value)):
            raise ValueError(f"{field_name}: {problem}")
    if text is not None:
        if not text.strip():
            raise ValueError(f"{name} is blank")
        return
    if subject is None and description is None:
        raise ValueError("no ticket text: give text, or subject and/or description")
    if not join_ticket_text([subject, description]):
        raise ValueError("subject and description are both blank")
