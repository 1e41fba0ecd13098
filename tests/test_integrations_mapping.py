"""Mapping files: every shipped one loads against the default schema, and a broken one fails with ONE line
naming the file and the dotted key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from integrations.mapping import MappingError, load_mapping
from ticket_triage.dataset import DataError
from ticket_triage.schema import load_schema

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "integrations"
SHIPPED = sorted(CONFIGS.glob("*.yaml"))
SCHEMA = load_schema()


def test_a_mapping_for_every_system_is_shipped():
    assert {load_mapping(p, SCHEMA).system for p in SHIPPED} == {"servicenow", "jira", "zoho", "sdp"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_mappings_load_against_the_default_schema(path):
    mapping = load_mapping(path, SCHEMA)
    assert mapping.source == str(path)
    for field in SCHEMA.enum_fields:  # every value of every mapped field has its system value
        if field.name in mapping.fields:
            assert set(mapping.fields[field.name].values) == set(field.values)
    assert not mapping.statuses["review"].write_fields and mapping.statuses["auto"].write_fields
    header = path.read_text().split("\nsystem:")[0]
    assert "https://" in header and "triage export" in header  # the API reference and the command
    assert "secret" not in str(mapping.connection.extra_headers).lower()


def test_servicenow_priority_becomes_impact_and_urgency():
    mapping = load_mapping(CONFIGS / "servicenow.yaml", SCHEMA)
    priority = mapping.fields["priority"]
    assert priority.to is None  # the values name their own fields: priority itself is derived
    assert priority.writes("Critical") == {"impact": "1 - High", "urgency": "1 - High"}


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def jira(**changes) -> dict:
    data = yaml.safe_load((CONFIGS / "jira.yaml").read_text())
    data.update(changes)
    return data


def error_of(path: Path) -> str:
    with pytest.raises(MappingError) as info:
        load_mapping(path, SCHEMA)
    message = str(info.value)
    assert "\n" not in message, message  # one line
    assert message.startswith(f"{path}: "), message  # names the file first
    assert isinstance(info.value, DataError)  # `triage` prints it as one error line, exit 2
    return message


def with_field(data: dict, name: str, spec) -> dict:
    data["fields"] = {**data["fields"], name: spec}
    return data


BAD = [
    # (what is wrong, the mapping (a function of the shipped Jira one), the dotted key the error names)
    ("unknown top-level key", lambda: jira(fileds={}), "fileds"),
    ("system not one of the four", lambda: jira(system="remedy"), "system:"),
    ("written for another schema", lambda: jira(schema="my-taxonomy"), "schema:"),
    (
        "a field the schema lacks",
        lambda: with_field(jira(), "urgency", {"to": "priority", "values": {}}),
        "fields.urgency:",
    ),
    (
        "a value the schema lacks",
        lambda: with_field(
            jira(), "request_type", {"to": "issuetype", "values": {"Incident": {"name": "I"}, "Problem": {"name": "P"}}}
        ),
        "fields.request_type.values.Problem:",
    ),
    (
        "a schema value left unmapped, no default",
        lambda: with_field(jira(), "priority", {"to": "priority", "values": {"Critical": {"name": "Highest"}}}),
        "fields.priority.values.Low:",
    ),
    (
        "a value of the wrong shape (Jira priority is an object)",
        lambda: with_field(
            jira(), "priority", {"to": "priority", "values": {"Critical": "Highest"}, "default": {"name": "Medium"}}
        ),
        "fields.priority.values.Critical:",
    ),
    (
        "a Jira label with a space",
        lambda: jira(
            statuses={"auto": {"write_fields": True, "labels": ["triage auto"]}, "review": {"write_fields": False}}
        ),
        "statuses.auto.labels:",
    ),
    (
        "a schema field missing",
        lambda: jira(fields={k: v for k, v in jira()["fields"].items() if k != "category"}),
        "fields.category:",
    ),
    (
        "unknown key in a field",
        lambda: with_field(jira(), "summary", {"to": "summary", "when": ["create"], "as": "x"}),
        "fields.summary.as:",
    ),
    ("a status missing", lambda: jira(statuses={"auto": {"write_fields": True}}), "statuses.review:"),
    (
        "write_fields not a boolean",
        lambda: jira(statuses={"auto": {"write_fields": "yes"}, "review": {"write_fields": False}}),
        "statuses.auto.write_fields:",
    ),
    (
        "an unknown auth",
        lambda: jira(connection={"base_url_env": "JIRA_URL", "auth": "ntlm", "secret_env": "T"}),
        "connection.auth:",
    ),
    (
        "a secret in the file",
        lambda: jira(connection={**jira()["connection"], "headers": {"Authorization": "Basic eA=="}}),
        "connection.headers.Authorization:",
    ),
    (
        "an env var name that is not one",
        lambda: jira(connection={**jira()["connection"], "secret_env": "my token"}),
        "connection.secret_env:",
    ),
    (
        "`when` with an unknown moment",
        lambda: with_field(jira(), "summary", {"to": "summary", "when": ["close"]}),
        "fields.summary.when:",
    ),
    ("tables outside ServiceNow", lambda: jira(tables={}), "tables:"),
    (
        "a Jira target that is no field name",
        lambda: with_field(jira(), "summary", {"to": "Summary Field"}),
        "fields.summary.to:",
    ),
]


@pytest.mark.parametrize(("what", "make", "key"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_mapping_fails_with_one_line_naming_file_and_key(tmp_path, what, make, key):
    message = error_of(write(tmp_path, "jira.yaml", make()))
    assert f": {key}" in message, message


def snow() -> dict:
    return yaml.safe_load((CONFIGS / "servicenow.yaml").read_text())


def test_servicenow_impact_must_be_a_choice_of_the_right_form(tmp_path):
    data = snow()
    data["fields"]["priority"]["values"]["Low"] = {"impact": "3", "urgency": "2 - Medium"}  # a code, not a label
    message = error_of(write(tmp_path, "servicenow.yaml", data))
    assert ": fields.priority.values.Low.impact: impact must be one of ['1 - High'" in message
    data["query"] = {}  # without display values, codes are right and labels wrong
    message = error_of(write(tmp_path, "servicenow.yaml", data))
    assert ": fields.priority.values.Low.urgency: urgency must be one of ['1', '2', '3']" in message


def test_servicenow_tables_are_checked(tmp_path):
    data = snow()
    data["tables"]["create"]["values"]["Service Request"] = "sc_task"
    assert ": tables.create.values.Service Request: 'sc_task' is not a table" in error_of(
        write(tmp_path, "servicenow.yaml", data)
    )


def test_zoho_ids_are_quoted_digit_strings(tmp_path):
    data = yaml.safe_load((CONFIGS / "zoho_desk.yaml").read_text())
    data["create"]["set"]["departmentId"] = 4000000000101  # unquoted: a number
    assert ": create.set.departmentId: departmentId is a Zoho id" in error_of(write(tmp_path, "zoho.yaml", data))


def test_sdp_records_are_named_by_name_or_id(tmp_path):
    data = yaml.safe_load((CONFIGS / "sdp.yaml").read_text())
    data["statuses"]["review"]["set"] = {"group": "Service Desk"}
    assert ": statuses.review.set.group: must name one record" in error_of(write(tmp_path, "sdp.yaml", data))


def test_yaml_problems_are_one_line_too(tmp_path):
    dup = tmp_path / "dup.yaml"
    dup.write_text((CONFIGS / "jira.yaml").read_text() + "\nsystem: jira\n")  # a key given twice
    assert "duplicate key 'system'" in error_of(dup)
    on = tmp_path / "on.yaml"
    on.write_text((CONFIGS / "jira.yaml").read_text().replace("when: [create]", "on: [create]"))
    assert "quote the key" in error_of(on)  # YAML reads `on:` as true
    assert "cannot read" in error_of(tmp_path / "missing.yaml")
    assert ": fields.request_type.True: unknown key" in error_of(on)


def test_a_default_covers_unlisted_values_and_null_writes_nothing(tmp_path):
    data = jira()
    data["fields"]["subcategory"] = {"to": "customfield_10100.child.value", "values": {"VPN": "VPN"}, "default": None}
    mapping = load_mapping(write(tmp_path, "jira.yaml", data), SCHEMA)
    assert mapping.fields["subcategory"].writes("VPN") == {"customfield_10100.child.value": "VPN"}
    assert mapping.fields["subcategory"].writes("Laptop") == {}
