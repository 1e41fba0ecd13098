"""integrations/inbound.py: the ticket id and text in each help desk's webhook body, and a clear error
naming the key when a body lacks one. The bodies follow the shapes the systems document (see the
module's docstring for the references); they are not recordings of live instances."""

from __future__ import annotations

import pytest

from integrations.inbound import InboundError, extract_ticket, extract_tickets, html_to_text

ADF = {
    "type": "doc",
    "version": 1,
    "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "The VPN drops"}]},
        {"type": "bulletList", "content": [{"type": "listItem", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "every ten minutes"}]}
        ]}]},
    ],
}  # fmt: skip


def jira_created(description=ADF, **issue):
    return {
        "timestamp": 1581880808538,
        "webhookEvent": "jira:issue_created",
        "issue_event_type_name": "issue_created",
        "user": {"accountId": "5aeacd576b50082d12146019", "displayName": "A. Reporter"},
        "issue": {"id": "10019", "key": "ITSM-42", "fields": {"summary": "VPN down", "description": description}}
        | issue,
    }


def test_jira_cloud_adf_description_becomes_text():
    ticket = extract_ticket("jira", jira_created())
    assert ticket.ticket_id == "ITSM-42"
    assert ticket.text == "VPN down\nThe VPN drops\n\n- every ten minutes"


def test_jira_server_plain_description_and_a_missing_one():
    assert extract_ticket("jira", jira_created("drops hourly")).text == "VPN down\ndrops hourly"
    assert extract_ticket("jira", jira_created(None)).text == "VPN down"


def test_jira_other_events_are_ignored_not_errors():
    body = jira_created() | {"webhookEvent": "jira:issue_updated"}
    assert extract_tickets("jira", body) == []


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"webhookEvent": "jira:issue_created"}, "jira webhook body: issue is missing"),
        (jira_created(key=None), "issue.key is missing"),
        (jira_created(fields="x"), "issue.fields is a string, not an object"),
        (jira_created(description=["x"]), "issue.fields.description is an array, not text or ADF"),
        (jira_created(key="ITSM-42/../../admin"), "issue.key is not an id"),
        (jira_created(key=".."), "issue.key is not an id"),
    ],
)
def test_a_jira_body_without_what_we_need_names_the_key(body, named):
    with pytest.raises(InboundError, match=named.replace(".", r"\.")):
        extract_tickets("jira", body)


def test_servicenow_business_rule_body():
    body = {
        "sys_id": "9d385017c611228701d22104cc95c371",
        "number": "INC0010042",
        "table": "incident",
        "short_description": "Outlook crashes",
        "description": "On start, since the update\r\n",
    }
    ticket = extract_ticket("servicenow", body)
    assert ticket.ticket_id == "incident/9d385017c611228701d22104cc95c371"  # the table the update goes to
    assert ticket.text == "Outlook crashes\nOn start, since the update"
    del body["table"]
    assert extract_ticket("servicenow", body).ticket_id == "9d385017c611228701d22104cc95c371"
    with pytest.raises(InboundError, match="table is not a table name"):
        extract_ticket("servicenow", body | {"table": "incident/../sys_user"})
    with pytest.raises(InboundError, match="servicenow webhook body: sys_id is missing"):
        extract_ticket("servicenow", {"short_description": "x"})
    with pytest.raises(InboundError, match="neither a subject nor a description"):
        extract_ticket("servicenow", {"sys_id": "abc", "short_description": " "})


def test_zoho_delivers_an_array_of_events_and_only_ticket_add_is_triaged():
    body = [
        {
            "eventType": "Ticket_Add",
            "orgId": "55555555",
            "eventTime": "1589444435000",
            "payload": {"id": "1892000000143237", "subject": "Printer jam", "description": "<div>Tray 2<br>jams</div>"},
        },
        {"eventType": "Ticket_Update", "orgId": "55555555", "payload": {"id": "1892000000000001"}},
        {
            "eventType": "Ticket_Add",
            "orgId": "55555555",
            "payload": {"id": 1892000000143238, "subject": "New laptop", "description": None},
        },
    ]
    tickets = extract_tickets("zoho", body)
    assert [(t.ticket_id, t.text) for t in tickets] == [
        ("1892000000143237", "Printer jam\nTray 2\njams"),
        ("1892000000143238", "New laptop"),
    ]
    with pytest.raises(InboundError, match=r"zoho webhook body: \[0\]\.payload\.id is missing"):
        extract_tickets("zoho", [{"eventType": "Ticket_Add", "payload": {"subject": "x"}}])
    with pytest.raises(InboundError, match=r"\[0\]\.eventType is missing"):
        extract_tickets("zoho", [{"payload": {}}])


def test_sdp_custom_trigger_body():
    body = {"request": {"id": "120000000012345", "subject": "Password reset", "description": "<p>Locked &amp; out</p>"}}
    ticket = extract_ticket("sdp", body)
    assert (ticket.ticket_id, ticket.text) == ("120000000012345", "Password reset\nLocked & out")
    with pytest.raises(InboundError, match="sdp webhook body: request is missing"):
        extract_ticket("sdp", {"id": "1"})
    with pytest.raises(InboundError, match="request.subject is a number, not text"):
        extract_ticket("sdp", {"request": {"id": "1", "subject": 5}})


def test_a_lone_surrogate_is_refused_as_everywhere_else():
    with pytest.raises(InboundError, match="surrogate"):
        extract_ticket("servicenow", {"sys_id": "a1", "short_description": "x\ud800"})


def test_html_to_text_keeps_line_breaks_and_decodes_entities():
    assert html_to_text("<div>a &lt;b&gt;</div><div>c</div>") == "a <b>\nc"
    assert html_to_text("plain &amp; simple") == "plain & simple"
    assert html_to_text(None) is None
