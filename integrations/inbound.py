"""Inbound: the ticket in a help desk's webhook body (`extract_tickets`), for `POST /v1/webhooks/{system}`.

Each system sends its own shape; what we read of it is the ticket's id (the one its REST API updates)
and its text (subject and description, joined as `triage import` and `/v1/triage` join them).

- `servicenow`: ServiceNow has no built-in webhook, so the body is ours: an after-insert business rule
  (script in docs/integrations.md) posts `{"sys_id", "number", "table", "short_description",
  "description"}`. The id is `<table>/<sys_id>` (or the bare `sys_id` without `table`: the mapping's
  update table), what the Table API updates (`/api/now/table/<table>/<sys_id>`).
  RESTMessageV2, which the rule calls:
  https://docs.servicenow.com/bundle/washingtondc-api-reference/page/app-store/dev_portal/API_reference/RESTMessageV2/concept/c_RESTMessageV2API.html
- `jira`: the `jira:issue_created` webhook body: `issue.key`, `issue.fields.summary` and
  `issue.fields.description`, an ADF document on Jira Cloud (REST v3 webhooks; turned into text by
  `integrations.adf.to_text`) or a plain string on Server/Data Center. Other events are ignored.
  https://developer.atlassian.com/cloud/jira/platform/webhooks/ ,
  https://mrrefactoring.github.io/jira.js/api/modules/webhooks.html (the payload types), and a
  recorded `jira:issue_created` body: https://pastebin.com/dYAfquSE
- `zoho`: a Zoho Desk webhook delivers a JSON array of events, each `{"eventType", "orgId",
  "eventTime", "payload"}`; a `Ticket_Add` event's payload is the ticket (`id`, `subject`,
  `description`, HTML). One delivery may hold several events. Other event types are ignored.
  https://desk.zoho.com/support/WebhookDocument.do
- `sdp`: ManageEngine ServiceDesk Plus has webhooks a custom trigger runs, with a request payload the
  administrator writes; ours mirrors the v3 API's request object: `{"request": {"id", "subject",
  "description"}}` (description may be HTML).
  https://www.manageengine.com/products/service-desk-msp/help/adminguide/integrations/webhooks.html ,
  https://www.manageengine.com/products/service-desk-msp/help/adminguide/configurations/helpdesk/custom-triggers.html

A body without what we need raises `InboundError` naming the key (the route answers 400 with it).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from integrations.adf import to_text
from ticket_triage.dataset import DataError
from ticket_triage.prompt import join_ticket_text, text_problem

JIRA_CREATED = "jira:issue_created"
ZOHO_TICKET_ADD = "Ticket_Add"


class InboundError(DataError):
    """A webhook body without what we need; the message names the system and the key."""


@dataclass(frozen=True)
class InboundTicket:
    ticket_id: str  # the system's id of the ticket, as its REST API takes it in the update path
    text: str  # subject and description, joined by a newline


def extract_tickets(system: str, payload: Any) -> list[InboundTicket]:
    """The new tickets in one webhook body of `system` (empty when the event is not a new ticket)."""
    if system == "servicenow":
        return [_servicenow(payload)]
    if system == "jira":
        return _jira(payload)
    if system == "zoho":
        return _zoho(payload)
    if system == "sdp":
        return [_sdp(payload)]
    raise InboundError(f"no webhook format for system {system!r}")


def extract_ticket(system: str, payload: Any) -> InboundTicket:
    """The one new ticket of a webhook body; InboundError when there is none or more than one."""
    tickets = extract_tickets(system, payload)
    if len(tickets) != 1:
        raise InboundError(f"{system} webhook body: expected one new ticket, found {len(tickets)}")
    return tickets[0]


# ---- per system ------------------------------------------------------------------------------------
def _servicenow(payload: Any) -> InboundTicket:
    body = _object(payload, "servicenow", "body")
    ticket_id = _id(body, "sys_id", "servicenow", "sys_id")
    if body.get("table") is not None:  # a catalog item (sc_req_item) is updated in its own table
        table = body["table"]
        if not isinstance(table, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,79}", table):
            raise InboundError("servicenow webhook body: table is not a table name (a-z, 0-9, _)")
        ticket_id = f"{table}/{ticket_id}"
    return _ticket("servicenow", ticket_id, body.get("short_description"), body.get("description"))


def _jira(payload: Any) -> list[InboundTicket]:
    body = _object(payload, "jira", "body")
    if body.get("webhookEvent", JIRA_CREATED) != JIRA_CREATED:
        return []  # an update or a delete: the JQL filter should not send these; nothing to triage
    issue = _object(body.get("issue"), "jira", "issue")
    key = _id(issue, "key", "jira", "issue.key")
    fields = _object(issue.get("fields"), "jira", "issue.fields")
    description = fields.get("description")
    if isinstance(description, dict):  # Jira Cloud: an ADF document
        description = to_text(description)
    elif description is not None and not isinstance(description, str):
        raise InboundError(f"jira webhook body: issue.fields.description is {_kind(description)}, not text or ADF")
    return [_ticket("jira", key, _text(fields.get("summary"), "jira", "issue.fields.summary"), description)]


def _zoho(payload: Any) -> list[InboundTicket]:
    events = payload if isinstance(payload, list) else [payload]  # Zoho sends an array; one object is accepted
    tickets = []
    for i, event in enumerate(events):
        event = _object(event, "zoho", f"[{i}]")
        if "eventType" not in event:
            raise InboundError(f"zoho webhook body: [{i}].eventType is missing")
        if event["eventType"] != ZOHO_TICKET_ADD:
            continue
        ticket = _object(event.get("payload"), "zoho", f"[{i}].payload")
        ticket_id = _id(ticket, "id", "zoho", f"[{i}].payload.id")
        description = html_to_text(_text(ticket.get("description"), "zoho", f"[{i}].payload.description"))
        subject = _text(ticket.get("subject"), "zoho", f"[{i}].payload.subject")
        tickets.append(_ticket("zoho", ticket_id, subject, description))
    return tickets


def _sdp(payload: Any) -> InboundTicket:
    body = _object(payload, "sdp", "body")
    request = _object(body.get("request"), "sdp", "request")
    ticket_id = _id(request, "id", "sdp", "request.id")
    description = html_to_text(_text(request.get("description"), "sdp", "request.description"))
    return _ticket("sdp", ticket_id, _text(request.get("subject"), "sdp", "request.subject"), description)


# ---- helpers -----------------------------------------------------------------------------------------
def _ticket(system: str, ticket_id: str, subject: Any, description: Any) -> InboundTicket:
    text = join_ticket_text([_text(subject, system, "subject"), _text(description, system, "description")])
    if not text:
        raise InboundError(f"{system} webhook body: ticket {ticket_id} has neither a subject nor a description")
    if problem := text_problem(text):
        raise InboundError(f"{system} webhook body: ticket {ticket_id}: {problem}")
    return InboundTicket(ticket_id, text)


def _object(value: Any, system: str, where: str) -> dict[str, Any]:
    if value is None:
        raise InboundError(f"{system} webhook body: {where} is missing")
    if not isinstance(value, dict):
        raise InboundError(f"{system} webhook body: {where} is {_kind(value)}, not an object")
    return value


def _id(obj: dict[str, Any], key: str, system: str, where: str) -> str:
    value = obj.get(key)
    if value is None or value == "":
        raise InboundError(f"{system} webhook body: {where} is missing")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InboundError(f"{system} webhook body: {where} is {_kind(value)}, not an id")
    ticket_id = str(value).strip()
    # The id goes into a REST path: nothing that could leave its path segment or its query.
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}", ticket_id):
        raise InboundError(f"{system} webhook body: {where} is not an id (letters, digits, . _ : - only)")
    return ticket_id


def _text(value: Any, system: str, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InboundError(f"{system} webhook body: {where} is {_kind(value)}, not text")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean", str: "a string"}.get(type(value), "a number")


_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\s*/?\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")


def html_to_text(value: str | None) -> str | None:
    """Zoho Desk and SDP send descriptions as HTML: tags out (line breaks kept), entities decoded."""
    if value is None or "<" not in value:
        return html.unescape(value) if value else value
    text = _TAGS.sub("", _BREAKS.sub("\n", value))
    lines = [" ".join(line.split()) for line in html.unescape(text).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
