"""The schema contract: JSON Schema round trip, rule branches, validator messages, broken files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from ticket_triage.schema import (
    DEFAULT_SCHEMA_PATH,
    SchemaError,
    TicketValidationError,
    load_schema,
    main,
    parse_schema,
)

VALID = {
    "category": "Network",
    "subcategory": "VPN",
    "priority": "High",
    "assignment_group": "Network Operations",
    "request_type": "Incident",
    "summary": "VPN drops every ten minutes for a remote user.",
}


def raw_default() -> dict:
    return yaml.safe_load(DEFAULT_SCHEMA_PATH.read_text())


def test_json_schema_is_valid_draft_2020_12_with_every_enum(schema):
    js = schema.json_schema()
    jsonschema.Draft202012Validator.check_schema(js)
    assert js["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert js["additionalProperties"] is False
    assert js["required"] == schema.field_names
    raw = raw_default()
    for name, spec in raw["fields"].items():
        if spec["type"] == "enum":
            assert js["properties"][name]["enum"] == spec["values"]
        else:
            assert js["properties"][name]["maxLength"] == spec["max_length"]


def test_one_anyof_branch_per_category_with_the_rule_values(schema):
    js = schema.json_schema()
    raw = raw_default()
    categories = raw["fields"]["category"]["values"]
    assert [b["properties"]["category"]["const"] for b in js["anyOf"]] == categories
    assert "if" not in js and "allOf" not in js  # no if/then or allOf: generators ignore or drop them
    for branch in js["anyOf"]:
        category = branch["properties"]["category"]["const"]
        for rule in raw["rules"]:
            assert branch["properties"][rule["constrains"]]["enum"] == rule["allowed"][category]
        assert branch["additionalProperties"] is False


def test_validator_and_json_schema_agree(schema):
    validator = jsonschema.Draft202012Validator(schema.json_schema())
    assert validator.is_valid(VALID) and schema.errors(VALID) == []
    broken = [
        {**VALID, "subcategory": "Laptop"},  # a real subcategory, wrong category
        {**VALID, "assignment_group": "Security Operations"},
        {**VALID, "priority": "Urgent"},
        {**VALID, "summary": "x" * 121},
        {**VALID, "summary": ""},
        {**VALID, "extra": "field"},
        {k: v for k, v in VALID.items() if k != "priority"},
        {**VALID, "priority": 3},
    ]
    for ticket in broken:
        assert not validator.is_valid(ticket), ticket
        assert schema.errors(ticket), ticket


def test_rule_break_is_a_field_level_error(schema):
    ticket = {**VALID, "category": "Access", "subcategory": "VPN", "assignment_group": "Service Desk"}
    with pytest.raises(TicketValidationError) as info:
        schema.validate(ticket)
    (error,) = info.value.errors
    assert error.field == "subcategory"
    assert "'VPN' is not allowed when category is 'Access'" in error.message
    assert "Password Reset" in error.message


def test_field_errors_name_the_field(schema):
    errors = {e.field: e.message for e in schema.errors({**VALID, "priority": "Urgent", "extra": 1})}
    assert "not one of" in errors["priority"]
    assert errors["extra"] == "unknown field"
    assert schema.errors("not a dict")[0].field == ""


def test_allowed_values_apply_rules(schema):
    assert schema.allowed_values("subcategory", {"category": "Network"}) == [
        "VPN",
        "Wi-Fi",
        "Connectivity",
        "Firewall & DNS",
    ]
    assert schema.allowed_values("assignment_group", {"category": "Security"}) == ["Security Operations"]
    assert schema.allowed_values("priority", {"category": "Security"}) == ["Low", "Medium", "High", "Critical"]
    assert len(schema.allowed_values("subcategory")) == len(schema.get_field("subcategory").values)


def test_prompt_text_lists_every_value(schema):
    text = schema.prompt_text()
    for f in schema.enum_fields:
        for value in f.values:
            assert value in text
    assert "At most 120 characters" in text


def test_fingerprint_is_stable_and_sensitive(schema):
    assert schema.fingerprint() == load_schema().fingerprint()
    raw = raw_default()
    raw["fields"]["priority"]["values"].append("Blocker")
    assert parse_schema(raw).fingerprint() != schema.fingerprint()


def test_review_thresholds_are_per_field_policy_outside_the_fingerprint(schema):
    assert schema.get_field("category").review_threshold == 0.6
    raw = raw_default()
    raw["fields"]["request_type"].pop("review_threshold", None)
    raw["fields"]["category"]["review_threshold"] = 0.9
    changed = parse_schema(raw)
    assert changed.get_field("request_type").review_threshold == 0.5  # the default
    assert changed.get_field("category").review_threshold == 0.9
    assert changed.fingerprint() == schema.fingerprint()  # no retraining needed to change policy


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r["rules"][0].update(field="colour"), "rules[0].field: unknown field 'colour'"),
        (lambda r: r["rules"][0].update(constrains="summary"), "rules[0].constrains: field 'summary' is not an enum"),
        (lambda r: r["rules"][0]["allowed"].update(Access=["Laptop", "Nope"]), "rules[0].allowed.Access: 'Nope'"),
        (lambda r: r["rules"][0]["allowed"].pop("Security"), "rules[0].allowed: missing category value 'Security'"),
        (lambda r: r["rules"][0]["allowed"].update(Gaming=["VPN"]), "rules[0].allowed.Gaming"),
        (lambda r: r["fields"]["priority"].update(values=[]), "fields.priority.values: must be a non-empty list"),
        (lambda r: r["fields"]["priority"].update(values=["Low", "Low"]), "fields.priority.values: duplicate value"),
        (lambda r: r["fields"]["priority"].update(colour="red"), "fields.priority: unknown key(s) ['colour']"),
        (lambda r: r["fields"]["summary"].update(max_length=0), "fields.summary.max_length"),
        (lambda r: r["fields"]["priority"].update(review_threshold=1.5), "fields.priority.review_threshold"),
        (lambda r: r["fields"]["summary"].update(review_threshold=0.5), "unknown key(s) ['review_threshold']"),
        (lambda r: r["fields"]["summary"].update(type="string"), "fields.summary.type"),
        (lambda r: r.update(labels=[]), "unknown top-level key(s) ['labels']"),
        (lambda r: r.update(rules=r["rules"] + [r["rules"][0]]), "rules[2]: category -> subcategory is already"),
    ],
)
def test_broken_schema_names_file_and_key(tmp_path: Path, mutate, message):
    raw = raw_default()
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(SchemaError) as info:
        load_schema(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_duplicate_yaml_key_and_bad_yaml(tmp_path: Path):
    dup = tmp_path / "dup.yaml"
    dup.write_text("name: a\nfields:\n  x: {type: enum, values: [A]}\n  x: {type: enum, values: [B]}\n")
    with pytest.raises(SchemaError, match=r"dup.yaml: duplicate key 'x' at line 4 \(first at line 3\)"):
        load_schema(dup)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(SchemaError, match="bad.yaml: not valid YAML"):
        load_schema(bad)
    with pytest.raises(SchemaError, match="no such schema file"):
        load_schema(tmp_path / "missing.yaml")


def test_a_custom_taxonomy_without_rules(tmp_path: Path):
    path = tmp_path / "custom.yaml"
    path.write_text("name: hr\nfields:\n  category: {type: enum, values: [Payroll, Leave]}\n")
    custom = load_schema(path)
    assert custom.json_schema()["properties"]["category"]["enum"] == ["Payroll", "Leave"]
    assert "anyOf" not in custom.json_schema()
    assert custom.errors({"category": "Leave"}) == []


def test_cli_prints_schema_and_validates(capsys, tmp_path: Path):
    assert main([]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "itsm-default"
    assert main(["--validate", json.dumps({**VALID, "subcategory": "Laptop"})]) == 1
    assert "subcategory" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    assert main(["--schema", str(bad)]) == 2
    assert "bad.yaml: fields" in capsys.readouterr().err


def test_partial_tickets_check_present_fields_and_complete_rules_only(schema):
    assert schema.errors({"category": "Network"}, partial=True) == []
    assert [e.field for e in schema.errors({"category": "Network"})] == [
        "subcategory",
        "priority",
        "assignment_group",
        "request_type",
        "summary",
    ]
    (error,) = schema.errors({"category": "Access", "subcategory": "VPN"}, partial=True)
    assert error.field == "subcategory" and "not allowed when category is 'Access'" in error.message
    assert schema.errors({"subcategory": "VPN"}, partial=True) == []  # the rule needs both sides
    assert schema.errors({"category": "Gaming"}, partial=True)[0].field == "category"
