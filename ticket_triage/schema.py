"""The schema contract: one taxonomy file, every derived artefact.

A taxonomy YAML (see configs/schema/itsm_default.yaml) loads into one `TicketSchema`, which yields
the JSON Schema (draft 2020-12), the validator with field-level errors, the text that the prompt
shows the model, and the allowed values of a field given the fields already chosen (what the
decoder needs to honour cross-field rules jointly). Nothing else in the toolkit keeps a label list.

    triage schema                          # print the JSON Schema of the default taxonomy
    triage schema --schema my.yaml --text  # the text the model sees for your taxonomy
    python -m ticket_triage.schema --help
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCHEMA_PATH = REPO_ROOT / "configs" / "schema" / "itsm_default.yaml"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

FIELD_TYPES = ("enum", "text")
TOP_LEVEL_KEYS = {"name", "version", "description", "fields", "rules"}
FIELD_KEYS = {
    "enum": {"type", "description", "values", "review_threshold"},
    "text": {"type", "description", "max_length"},
}
DEFAULT_REVIEW_THRESHOLD = 0.5
RULE_KEYS = {"field", "constrains", "allowed"}


class SchemaError(ValueError):
    """A taxonomy file is broken; the message names the file and the key."""


class TicketValidationError(ValueError):
    """A ticket breaks the schema; `.errors` holds one `FieldError` per problem."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass(frozen=True)
class FieldError:
    field: str  # the ticket field at fault, or "" for the ticket as a whole
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass(frozen=True)
class TicketField:
    name: str
    type: str  # "enum" or "text"
    description: str = ""
    values: tuple[str, ...] = ()  # enum fields only
    max_length: int = 0  # text fields only
    # Enum fields only: a ticket whose confidence on this field is below it goes to human review.
    # Deployment policy, not taxonomy: it is left out of the JSON Schema and the fingerprint.
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD


@dataclass(frozen=True)
class Rule:
    """For each value of `field`, the values `constrains` may take."""

    field: str
    constrains: str
    allowed: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class TicketSchema:
    name: str
    version: int
    fields: tuple[TicketField, ...]
    rules: tuple[Rule, ...] = ()
    description: str = ""
    source: str = field(default="<memory>", compare=False)

    # ---- lookups -------------------------------------------------------------------------
    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def enum_fields(self) -> list[TicketField]:
        return [f for f in self.fields if f.type == "enum"]

    @property
    def text_fields(self) -> list[TicketField]:
        return [f for f in self.fields if f.type == "text"]

    def get_field(self, name: str) -> TicketField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"schema {self.name!r} has no field {name!r} (fields: {', '.join(self.field_names)})")

    def allowed_values(self, name: str, chosen: dict[str, Any] | None = None) -> list[str]:
        """Values of enum field `name` allowed given the fields already `chosen` (rules applied)."""
        allowed = list(self.get_field(name).values)
        for rule in self.rules:
            if rule.constrains == name and chosen and rule.field in chosen:
                permitted = set(rule.allowed.get(chosen[rule.field], ()))
                allowed = [v for v in allowed if v in permitted]
        return allowed

    def review_thresholds(self, override: float | dict[str, float] | None = None) -> dict[str, float]:
        """Per enum field, the confidence below which a ticket goes to review.

        From the config, unless `override` gives one number for every field or a dict for some.
        """
        thresholds = {f.name: f.review_threshold for f in self.enum_fields}
        if isinstance(override, (int, float)):
            return dict.fromkeys(thresholds, float(override))
        return thresholds | dict(override or {})

    def fingerprint(self) -> str:
        """Stable hash of what the model is trained to emit (not of comments or file layout)."""
        canonical = json.dumps(self.json_schema(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    # ---- JSON Schema ---------------------------------------------------------------------
    def _property(self, f: TicketField, values: list[str] | None = None) -> dict[str, Any]:
        if f.type == "enum":
            prop: dict[str, Any] = {"type": "string", "enum": list(values if values is not None else f.values)}
        else:
            prop = {"type": "string", "minLength": 1, "maxLength": f.max_length}
        if f.description:
            prop["description"] = f.description
        return prop

    def _object(self, properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": properties,
            "required": self.field_names,
            "additionalProperties": False,
        }

    def json_schema(self) -> dict[str, Any]:
        """Draft 2020-12 JSON Schema; rules become one complete `anyOf` branch per source value.

        Each branch is a whole object schema (source field as `const`, constrained fields narrowed),
        because structured-generation engines ignore or reject `if/then` and some degrade on
        partial branches; a top-level `anyOf` of complete objects is understood by all of them.
        """
        base = {f.name: self._property(f) for f in self.fields}
        schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT, "title": self.name}
        if self.description:
            schema["description"] = self.description
        schema.update(self._object(base))
        if self.rules:
            source = self.get_field(self.rules[0].field)
            branches = []
            for value in source.values:
                props = dict(base)
                props[source.name] = {"type": "string", "const": value}
                for rule in self.rules:
                    props[rule.constrains] = self._property(self.get_field(rule.constrains), list(rule.allowed[value]))
                branches.append(self._object(props))
            schema["anyOf"] = branches
        return schema

    # ---- validation ----------------------------------------------------------------------
    def errors(self, ticket: Any, partial: bool = False) -> list[FieldError]:
        """Every problem with `ticket`, one per field, with a message a person can act on.

        `partial` accepts a ticket that leaves fields out (imported exports often label only the
        category): present fields are checked, and a rule only when both of its fields are present.
        """
        if not isinstance(ticket, dict):
            return [FieldError("", f"a ticket must be a JSON object, got {type(ticket).__name__}")]
        errors = [FieldError(k, "unknown field") for k in ticket if k not in self.field_names]
        for f in self.fields:
            if f.name not in ticket:
                if not partial:
                    errors.append(FieldError(f.name, "missing"))
                continue
            value = ticket[f.name]
            if not isinstance(value, str):
                errors.append(FieldError(f.name, f"must be a string, got {type(value).__name__}"))
            elif f.type == "enum" and value not in f.values:
                errors.append(FieldError(f.name, f"{value!r} is not one of {list(f.values)}"))
            elif f.type == "text" and not value.strip():
                errors.append(FieldError(f.name, "must not be empty"))
            elif f.type == "text" and len(value) > f.max_length:
                errors.append(FieldError(f.name, f"has {len(value)} characters, at most {f.max_length} allowed"))
        if errors:
            return errors
        for rule in self.rules:
            if rule.field not in ticket or rule.constrains not in ticket:
                continue  # only a partial ticket gets here
            allowed = rule.allowed[ticket[rule.field]]
            if ticket[rule.constrains] not in allowed:
                errors.append(
                    FieldError(
                        rule.constrains,
                        f"{ticket[rule.constrains]!r} is not allowed when {rule.field} is "
                        f"{ticket[rule.field]!r} (allowed: {list(allowed)})",
                    )
                )
        return errors

    def validate(self, ticket: Any) -> dict[str, Any]:
        """Return `ticket` if valid, else raise `TicketValidationError` with field-level errors."""
        errors = self.errors(ticket)
        if errors:
            raise TicketValidationError(errors)
        return ticket

    # ---- what the model sees -------------------------------------------------------------
    def prompt_text(self) -> str:
        """The fields, allowed values and rules as compact text for the system prompt."""
        lines = []
        for f in self.fields:
            head = f"- {f.name}: {f.description}".rstrip(": ")
            if f.type == "text":
                lines.append(f"{head} At most {f.max_length} characters.")
                continue
            constrained_by = [r for r in self.rules if r.constrains == f.name]
            if constrained_by:
                rule = constrained_by[0]
                per_value = "; ".join(f"{k}: {', '.join(v)}" for k, v in rule.allowed.items())
                lines.append(f"{head} Allowed values depend on {rule.field}: {per_value}.")
            else:
                lines.append(f"{head} One of: {', '.join(f.values)}.")
        return "\n".join(lines)


# ---- loading --------------------------------------------------------------------------------
class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; a taxonomy must say each thing once."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise SchemaError(
                f"duplicate key {key!r} at line {key_node.start_mark.line + 1} (first at line {seen[key] + 1})"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _unique_strings(values: Any, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not values:
        raise SchemaError(f"{where}: must be a non-empty list of strings")
    out = []
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise SchemaError(f"{where}: every value must be a non-empty string, got {v!r}")
        if v in out:
            raise SchemaError(f"{where}: duplicate value {v!r}")
        out.append(v)
    return tuple(out)


def _parse_field(name: Any, spec: Any, where: str) -> TicketField:
    if not isinstance(name, str) or not name.isidentifier():
        raise SchemaError(f"{where}: field names must be identifiers, got {name!r}")
    if not isinstance(spec, dict):
        raise SchemaError(f"{where}: must be a mapping with a `type`")
    ftype = spec.get("type")
    if ftype not in FIELD_TYPES:
        raise SchemaError(f"{where}.type: must be one of {list(FIELD_TYPES)}, got {ftype!r}")
    unknown = set(spec) - FIELD_KEYS[ftype]
    if unknown:
        raise SchemaError(f"{where}: unknown key(s) {sorted(unknown)} for a {ftype} field")
    description = spec.get("description", "") or ""
    if not isinstance(description, str):
        raise SchemaError(f"{where}.description: must be a string")
    if ftype == "enum":
        threshold = spec.get("review_threshold", DEFAULT_REVIEW_THRESHOLD)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
            raise SchemaError(f"{where}.review_threshold: must be a number from 0 to 1, got {threshold!r}")
        values = _unique_strings(spec.get("values"), f"{where}.values")
        return TicketField(name, "enum", description.strip(), values, review_threshold=float(threshold))
    max_length = spec.get("max_length")
    if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1:
        raise SchemaError(f"{where}.max_length: must be a positive integer, got {max_length!r}")
    return TicketField(name, "text", description.strip(), max_length=max_length)


def _parse_rule(spec: Any, fields: dict[str, TicketField], where: str) -> Rule:
    if not isinstance(spec, dict):
        raise SchemaError(f"{where}: must be a mapping with field, constrains, allowed")
    unknown = set(spec) - RULE_KEYS
    if unknown:
        raise SchemaError(f"{where}: unknown key(s) {sorted(unknown)} (expected {sorted(RULE_KEYS)})")
    for key in ("field", "constrains"):
        name = spec.get(key)
        if name not in fields:
            raise SchemaError(f"{where}.{key}: unknown field {name!r} (fields: {', '.join(fields)})")
        if fields[name].type != "enum":
            raise SchemaError(f"{where}.{key}: field {name!r} is not an enum field")
    source, target = fields[spec["field"]], fields[spec["constrains"]]
    if source.name == target.name:
        raise SchemaError(f"{where}: a field cannot constrain itself ({source.name!r})")
    allowed = spec.get("allowed")
    if not isinstance(allowed, dict) or not allowed:
        raise SchemaError(f"{where}.allowed: must map each {source.name} value to a list of {target.name} values")
    parsed: dict[str, tuple[str, ...]] = {}
    for value in source.values:
        if value not in allowed:
            raise SchemaError(f"{where}.allowed: missing {source.name} value {value!r}")
    for value, targets in allowed.items():
        if value not in source.values:
            raise SchemaError(f"{where}.allowed.{value}: {value!r} is not a value of {source.name}")
        parsed[value] = _unique_strings(targets, f"{where}.allowed.{value}")
        for t in parsed[value]:
            if t not in target.values:
                raise SchemaError(f"{where}.allowed.{value}: {t!r} is not a value of {target.name}")
    return Rule(source.name, target.name, parsed)


def parse_schema(data: Any, source: str = "<memory>") -> TicketSchema:
    """Build a `TicketSchema` from already-loaded YAML/JSON data; errors name `source` and the key."""
    try:
        if not isinstance(data, dict):
            raise SchemaError("the file must hold a mapping with `name`, `fields` and optional `rules`")
        unknown = set(data) - TOP_LEVEL_KEYS
        if unknown:
            raise SchemaError(f"unknown top-level key(s) {sorted(unknown)} (expected {sorted(TOP_LEVEL_KEYS)})")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SchemaError("name: must be a non-empty string")
        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            raise SchemaError(f"version: must be an integer, got {version!r}")
        raw_fields = data.get("fields")
        if not isinstance(raw_fields, dict) or not raw_fields:
            raise SchemaError("fields: must be a non-empty mapping of field name to spec")
        fields = {n: _parse_field(n, spec, f"fields.{n}") for n, spec in raw_fields.items()}
        if not any(f.type == "enum" for f in fields.values()):
            raise SchemaError("fields: at least one enum field is needed to triage")
        raw_rules = data.get("rules") or []
        if not isinstance(raw_rules, list):
            raise SchemaError("rules: must be a list")
        rules = [_parse_rule(r, fields, f"rules[{i}]") for i, r in enumerate(raw_rules)]
        pairs = [(r.field, r.constrains) for r in rules]
        for i, pair in enumerate(pairs):
            if pairs.index(pair) != i:
                raise SchemaError(f"rules[{i}]: {pair[0]} -> {pair[1]} is already given by rules[{pairs.index(pair)}]")
        if len({r.field for r in rules}) > 1:
            # One source field keeps the JSON Schema a single anyOf (no allOf, which some
            # structured-generation engines silently drop).
            raise SchemaError(f"rules: all rules must share one source field, got {sorted({r.field for r in rules})}")
        description = data.get("description", "") or ""
        return TicketSchema(name.strip(), version, tuple(fields.values()), tuple(rules), str(description), source)
    except SchemaError as e:
        raise SchemaError(f"{source}: {e}") from None


def load_schema(path: str | Path | None = None) -> TicketSchema:
    """Load a taxonomy YAML (or JSON) file; `None` loads the shipped default."""
    path = Path(path) if path else DEFAULT_SCHEMA_PATH
    if not path.is_file():
        raise SchemaError(f"{path}: no such schema file")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except SchemaError as e:
        raise SchemaError(f"{path}: {e}") from None
    except yaml.YAMLError as e:
        raise SchemaError(f"{path}: not valid YAML: {e}") from None
    return parse_schema(data, str(path))


def add_schema_argument(parser: argparse.ArgumentParser) -> None:
    """Every command takes `--schema FILE`; one helper keeps the flag the same everywhere."""
    parser.add_argument(
        "--schema",
        default=None,
        metavar="FILE",
        help=f"taxonomy YAML (default: {DEFAULT_SCHEMA_PATH.relative_to(REPO_ROOT)})",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="triage schema", description="Print the JSON Schema in force.")
    add_schema_argument(parser)
    parser.add_argument("--text", action="store_true", help="print the text the prompt shows the model instead")
    parser.add_argument("--validate", metavar="TICKET_JSON", help="validate one ticket (JSON string or file)")
    args = parser.parse_args(argv)
    try:
        schema = load_schema(args.schema)
    except SchemaError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.validate:
        source = Path(args.validate)
        where = str(source) if source.is_file() else "--validate"
        try:
            ticket = json.loads(source.read_text(encoding="utf-8") if source.is_file() else args.validate)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            what = e.msg if isinstance(e, json.JSONDecodeError) else "not UTF-8"
            print(f"error: {where}: not a JSON ticket ({what})", file=sys.stderr)
            return 2
        if not isinstance(ticket, dict):
            print(f"error: {where}: a ticket is a JSON object", file=sys.stderr)
            return 2
        errors = schema.errors(ticket)
        for err in errors:
            print(f"invalid: {err}", file=sys.stderr)
        if not errors:
            print("valid")
        return 1 if errors else 0
    print(schema.prompt_text() if args.text else json.dumps(schema.json_schema(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
