"""A triage result -> the HTTP calls that write it into one ITSM: pure (no network, no clock), deterministic.

    from integrations.mapping import load_mapping
    from integrations.payloads import build_calls
    mapping = load_mapping("configs/integrations/jira.yaml", schema)
    build_calls(mapping, result.to_dict(), ticket_id="IT-42")      # update: PUT the fields, POST a comment
    build_calls(mapping, result.to_dict(), text="VPN drops ...")   # create: POST the issue, then its comment

What is written follows the mapping (see integrations/mapping.py): with status `auto` the mapped fields,
with `review` none of them (only the note and the status's queue/labels). Every call carries the note
(the fields, their confidences and the review reasons) as a work note, an internal comment or a
request note. A create's note call comes after the create in the same list; its path holds `{id}`, the
id the create answered (ServiceNow needs none: the work note goes in the create itself).

The APIs (the mapping files' headers cite each reference):
- ServiceNow Table API: POST /api/now/table/{table}, PATCH /api/now/table/{table}/{sys_id}
- Jira Cloud REST v3: POST /rest/api/3/issue, PUT /rest/api/3/issue/{key}, POST .../{key}/comment (ADF)
- Zoho Desk API v1: POST /api/v1/tickets, PATCH /api/v1/tickets/{id}, POST .../{id}/comments
- ServiceDesk Plus API v3: POST /api/v3/requests, PUT /api/v3/requests/{id}, POST .../{id}/notes, each a
  form field `input_data` holding the JSON
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integrations.adf import to_adf
from integrations.mapping import Mapping
from ticket_triage.dataset import DataError

CREATED_ID = "{id}"  # in the path of a call that follows a create: the id the create answered
_TICKET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")  # sys_ids, Jira keys, Zoho and SDP numbers


@dataclass(frozen=True)
class ItsmCall:
    system: str
    ticket_id: str | None  # the ITSM's id of the ticket to update (None for a create and the calls after it)
    method: str  # "POST" | "PUT" | "PATCH"
    path: str  # relative to the instance base URL, e.g. "/api/now/table/incident/<sys_id>"
    json: dict[str, Any] | None = None  # the JSON body, or
    form: dict[str, str] | None = None  # a form body (SDP: {"input_data": "<json string>"})
    status: str = "auto"  # the triage status it came from ("auto" writes fields; "review" only notes + queue)
    action: str = "update"  # "create" | "update" | "note"
    ref: str | None = None  # the result it came from (the results line's id), for logs and replays

    def to_dict(self) -> dict[str, Any]:
        """What `triage export` writes per JSON line (a body key only when present)."""
        out: dict[str, Any] = {"system": self.system, "ticket_id": self.ticket_id, "ref": self.ref}
        out |= {"action": self.action, "status": self.status, "method": self.method, "path": self.path}
        if self.json is not None:
            out["json"] = self.json
        if self.form is not None:
            out["form"] = self.form
        return out


def build_calls(
    mapping: Mapping, result: dict[str, Any], ticket_id: str | None = None, text: str | None = None, ref: Any = None
) -> list[ItsmCall]:
    """The calls that write `result` (a `TriageResult.to_dict()`) into `mapping.system`.

    `ticket_id` given: update calls for that ticket; None: create calls, the ticket's `text` as its
    description (its first line the subject, unless the mapping writes the summary there).
    A result that breaks the schema, or a ticket id that cannot be a path segment, is a DataError.
    """
    ticket, status = _checked(mapping, result)
    if ticket_id is not None and not _ticket_id_ok(mapping, str(ticket_id)):
        raise DataError(f"ticket id {ticket_id!r}: not an id of {mapping.system} (letters, digits, _ . : -)")
    when = "create" if ticket_id is None else "update"
    action = mapping.statuses[status]
    writes: dict[str, Any] = {}
    if when == "create":
        subject, description = _create_text(mapping, ticket, text)
        writes[mapping.create.subject_to] = subject
        if mapping.create.description_to and description:
            writes[mapping.create.description_to] = description
        writes |= mapping.create.set
    if action.write_fields:
        for name, fmap in mapping.fields.items():
            if name in ticket and when in fmap.when:
                writes |= fmap.writes(ticket[name])
    writes |= action.set
    if mapping.note.confidence_to and result.get("confidence"):
        writes[mapping.note.confidence_to] = min(result["confidence"].values())
    ticket_id = None if ticket_id is None else str(ticket_id)
    plan = _Plan(mapping, status, ticket, ticket_id, None if ref is None else str(ref))
    return BUILDERS[mapping.system](plan, writes, action.labels, note_text(mapping, result))


@dataclass(frozen=True)
class _Plan:
    """What every builder needs besides the fields: who, which ticket, which status."""

    mapping: Mapping
    status: str
    ticket: dict[str, Any]
    ticket_id: str | None
    ref: str | None

    def call(self, method: str, path: str, action: str, **body: Any) -> ItsmCall:
        ticket_id = None if action == "create" else self.ticket_id
        return ItsmCall(
            self.mapping.system, ticket_id, method, path, status=self.status, action=action, ref=self.ref, **body
        )


# ---- the note ------------------------------------------------------------------------------------
def note_text(mapping: Mapping, result: dict[str, Any]) -> str:
    """The plain-text note: each field with its confidence (and, under its review threshold, the runners-up),
    then why the ticket needs review. It says what triage decided and how sure it was; the ticket's own
    text is not repeated."""
    ticket, confidence = result.get("ticket") or {}, result.get("confidence") or {}
    thresholds = mapping.schema.review_thresholds()
    model = f" ({result['model']})" if result.get("model") else ""
    written = "fields written" if mapping.statuses[result["status"]].write_fields else "fields not written"
    lines = [f"ticket-triage{model}: {result['status']}, {written}"]
    for f in mapping.schema.fields:
        if f.name not in ticket:
            continue
        if f.name not in confidence:
            lines.append(f"{f.name}: {ticket[f.name]}")
            continue
        line = f"{f.name}: {ticket[f.name]} ({confidence[f.name]:.2f}"
        if confidence[f.name] < thresholds.get(f.name, 0.0):
            alternatives = (result.get("alternatives") or {}).get(f.name) or []
            others = [
                a
                for a in alternatives
                if isinstance(a, dict) and a.get("value") != ticket[f.name] and _number(a.get("probability"))
            ]
            if others:
                line += "; or " + ", ".join(f"{a['value']} {a['probability']:.2f}" for a in others)
        lines.append(line + ")")
    if result.get("reasons"):
        lines.append("needs review: " + "; ".join(result["reasons"]))
    return "\n".join(lines)


# ---- one builder per system ---------------------------------------------------------------------------
def _servicenow(plan: _Plan, writes: dict[str, Any], labels: tuple[str, ...], note: str) -> list[ItsmCall]:
    mapping, tables = plan.mapping, plan.mapping.tables
    assert tables is not None  # the loader requires them for ServiceNow
    if plan.ticket_id is None:  # the request type picks the table of a new ticket
        chosen = plan.ticket.get(tables.create_field) if tables.create_field else None
        table, sys_id = tables.create.get(chosen, tables.create_default), None
        if table is None:
            raise DataError(f"{tables.create_field}: missing, and {mapping.source} has no tables.create.default")
    else:
        table, _, sys_id = plan.ticket_id.rpartition("/")
        table = table or tables.update
        if table not in tables.fields:
            raise DataError(f"ticket id {plan.ticket_id!r}: table {table!r} is not in {mapping.source} tables.fields")
    # A field another table lacks is dropped there: a catalog item (sc_req_item) has no category.
    body = _nest({k: v for k, v in writes.items() if k.split(".")[0] in tables.fields[table]})
    body[mapping.note.to] = note  # a journal field: each write appends one entry
    path = f"/api/now/table/{table}" + (f"/{sys_id}" if sys_id else "") + _query(mapping)
    if sys_id is None:
        return [plan.call("POST", path, "create", json=body)]
    return [plan.call("PATCH", path, "update", json=body)]


def _jira(plan: _Plan, writes: dict[str, Any], labels: tuple[str, ...], note: str) -> list[ItsmCall]:
    fields = _nest(writes)
    rich = plan.mapping.create.description_to
    if rich and isinstance(fields.get(rich), str):
        fields[rich] = to_adf(fields[rich])  # REST v3 takes rich text (description, textareas) as ADF only
    comment: dict[str, Any] = {"body": to_adf(note)}
    if plan.mapping.note.internal:
        # Jira Service Management reads this comment property: the comment is internal (agents only)
        comment["properties"] = [{"key": "sd.public.comment", "value": {"internal": True}}]
    if plan.ticket_id is None:
        if labels:
            fields["labels"] = list(labels)
        create = plan.call("POST", "/rest/api/3/issue" + _query(plan.mapping), "create", json={"fields": fields})
        return [create, plan.call("POST", f"/rest/api/3/issue/{CREATED_ID}/comment", "note", json=comment)]
    calls = []
    body: dict[str, Any] = {"fields": fields} if fields else {}
    if labels:
        body["update"] = {"labels": [{"add": label} for label in labels]}  # added, the issue's own labels stay
    if body:
        calls.append(
            plan.call("PUT", f"/rest/api/3/issue/{plan.ticket_id}" + _query(plan.mapping), "update", json=body)
        )
    calls.append(plan.call("POST", f"/rest/api/3/issue/{plan.ticket_id}/comment", "note", json=comment))
    return calls


def _zoho(plan: _Plan, writes: dict[str, Any], labels: tuple[str, ...], note: str) -> list[ItsmCall]:
    body = _nest(writes)
    comment = {"isPublic": not plan.mapping.note.internal, "contentType": "plainText", "content": note}
    if plan.ticket_id is None:
        create = plan.call("POST", "/api/v1/tickets" + _query(plan.mapping), "create", json=body)
        return [create, plan.call("POST", f"/api/v1/tickets/{CREATED_ID}/comments", "note", json=comment)]
    calls = [plan.call("PATCH", f"/api/v1/tickets/{plan.ticket_id}" + _query(plan.mapping), "update", json=body)]
    calls.append(plan.call("POST", f"/api/v1/tickets/{plan.ticket_id}/comments", "note", json=comment))
    return calls if body else calls[1:]


def _sdp(plan: _Plan, writes: dict[str, Any], labels: tuple[str, ...], note: str) -> list[ItsmCall]:
    request = _nest(writes)
    rich = plan.mapping.create.description_to
    if rich and isinstance(request.get(rich), str):
        request[rich] = _html(request[rich])  # an HTML field: keep the line breaks
    request_note = {
        "description": _html(note),
        "show_to_requester": not plan.mapping.note.internal,
        "notify_technician": False,
        "mark_first_response": False,
        "add_to_linked_requests": False,
    }
    note_form = _input_data({"request_note": request_note})
    if plan.ticket_id is None:
        create = plan.call(
            "POST", "/api/v3/requests" + _query(plan.mapping), "create", form=_input_data({"request": request})
        )
        return [create, plan.call("POST", f"/api/v3/requests/{CREATED_ID}/notes", "note", form=note_form)]
    calls = []
    if request:
        path = f"/api/v3/requests/{plan.ticket_id}" + _query(plan.mapping)
        calls.append(plan.call("PUT", path, "update", form=_input_data({"request": request})))
    calls.append(plan.call("POST", f"/api/v3/requests/{plan.ticket_id}/notes", "note", form=note_form))
    return calls


BUILDERS: dict[str, Callable[[_Plan, dict[str, Any], tuple[str, ...], str], list[ItsmCall]]] = {
    "servicenow": _servicenow,
    "jira": _jira,
    "zoho": _zoho,
    "sdp": _sdp,
}


# ---- helpers -----------------------------------------------------------------------------------------
def _checked(mapping: Mapping, result: Any) -> tuple[dict[str, Any], str]:
    """The result's ticket and status, checked against the mapping's schema (DataError naming the field)."""
    if not isinstance(result, dict) or not isinstance(result.get("ticket"), dict):
        raise DataError('not a triage result: no "ticket" object (`triage predict` writes results; not --ticket-only)')
    status = result.get("status")
    if status not in mapping.statuses:
        raise DataError(f"status: must be one of {sorted(mapping.statuses)}, got {status!r}")
    errors = mapping.schema.errors(result["ticket"], partial=True)
    if errors:
        raise DataError("ticket." + "; ticket.".join(str(e) for e in errors))
    confidence = result.get("confidence") or {}
    if not isinstance(confidence, dict) or not all(_number(v) for v in confidence.values()):
        raise DataError(f"confidence: must map fields to numbers, got {confidence!r}")
    return result["ticket"], status


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _ticket_id_ok(mapping: Mapping, ticket_id: str) -> bool:
    if mapping.system == "servicenow" and "/" in ticket_id:  # "<table>/<sys_id>"
        table, _, sys_id = ticket_id.partition("/")
        return bool(re.match(r"^[a-z][a-z0-9_]*$", table)) and bool(_TICKET_ID.match(sys_id))
    return bool(_TICKET_ID.match(ticket_id))


def _create_text(mapping: Mapping, ticket: dict[str, Any], text: str | None) -> tuple[str, str | None]:
    """(subject, description) of a new ticket: the text's first line (cut at 120 characters) and the text;
    without a text, the schema's first text field (the summary). A mapped summary field replaces the subject."""
    text = (text or "").strip()
    if text:
        first = text.splitlines()[0].strip()
        return (first if len(first) <= 120 else first[:119].rstrip() + "…"), text
    summary = next((ticket[f.name] for f in mapping.schema.text_fields if ticket.get(f.name)), None)
    if not summary:
        raise DataError("a create needs the ticket's text (--texts) or a summary in the result")
    return summary, None


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted targets -> nested objects: {"cf.cf_x": 1} -> {"cf": {"cf_x": 1}} (later keys merge in)."""
    out: dict[str, Any] = {}
    for target, value in flat.items():
        node = out
        *parents, leaf = target.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        if isinstance(value, dict) and isinstance(node.get(leaf), dict):
            node[leaf] = {**node[leaf], **value}
        else:
            node[leaf] = value
    return out


def _query(mapping: Mapping) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode(mapping.query) if mapping.query else ""


def _html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _input_data(obj: dict[str, Any]) -> dict[str, str]:
    """SDP's v3 API takes the JSON as a form field named `input_data`."""
    return {"input_data": json.dumps(obj, ensure_ascii=False)}
