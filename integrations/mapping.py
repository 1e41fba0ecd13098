"""A system's mapping file: schema values -> the ITSM's fields, ids and calls; validated against the schema.

One YAML per system (`configs/integrations/<system>.yaml`) says, for the schema in force:

    system: jira                      # servicenow | jira | zoho | sdp
    schema: itsm-default              # optional: the schema name it was written for (checked)
    connection: {base_url_env, auth, user_env, secret_env, headers}   # env var NAMES, never secrets
    query: {}                         # query parameters added to every ticket call (ServiceNow display values)
    fields:                           # one entry per schema field (or listed in `unmapped`)
      priority:
        to: priority                  # the system field (a dotted path nests: cf.cf_x, customfield_1.child.value)
        values: {Critical: {name: Highest}, ...}   # every schema value, or a `default` for the rest
        default: null                 # optional; null (here or as a value) means "write nothing"
        when: [create, update]        # optional: when it is written (default both)
      summary: {to: summary, when: [create]}      # a text field: `to` (and `when`) only
    unmapped: []                      # schema fields deliberately not written
    create: {subject_to, description_to, set: {...}}   # what a create adds (the ticket text, constants)
    note: {to: work_notes}            # ServiceNow: a journal field; elsewhere `internal: true` -> a comment/note call
    statuses:                         # what each triage status does
      auto: {write_fields: true, set: {}, labels: []}
      review: {write_fields: false, set: {assignment_group: Service Desk}, labels: []}
    tables: {...}                     # ServiceNow only: the table of a create (by request type), of an update,
                                      # and the fields each table holds

`write_fields: false` means only the note and the status's `set`/`labels` are written: a `review` ticket
is routed to a human queue, never to the predicted team. `labels` (Jira only) are added, never replaced.

Every key is checked: unknown keys, unknown schema fields or values, schema values left unmapped
without a `default`, and values of the wrong shape for the system fail with ONE line naming the file
and the dotted key, e.g. `configs/integrations/jira.yaml: fields.priority.values.Critical: ...`.
The file is read with a safe YAML loader (no code runs). See docs/integrations.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ticket_triage.dataset import DataError
from ticket_triage.schema import SchemaError, TicketSchema, _UniqueKeyLoader

SYSTEMS = ("servicenow", "jira", "zoho", "sdp")
STATUSES = ("auto", "review")
WHEN = ("create", "update")
AUTHS = ("basic", "bearer", "zoho-oauthtoken", "sdp-authtoken")

TOP_KEYS = {"system", "schema", "connection", "query", "fields", "unmapped", "create", "note", "statuses", "tables"}
CONNECTION_KEYS = {"base_url_env", "auth", "user_env", "secret_env", "headers"}
ENUM_FIELD_KEYS = {"to", "values", "default", "when"}
TEXT_FIELD_KEYS = {"to", "when"}  # not `on`: YAML 1.1 reads that key as true
CREATE_KEYS = {"subject_to", "description_to", "set"}
STATUS_KEYS = {"write_fields", "set", "labels"}
TABLES_KEYS = {"create", "update", "fields"}
TABLES_CREATE_KEYS = {"field", "values", "default"}

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_TABLE = re.compile(r"^[a-z][a-z0-9_]*$")
# A target is the system's own field name; dots nest objects (Zoho `cf.cf_x`, a Jira cascading select's child).
_TARGET = {
    "servicenow": re.compile(r"^[a-z][a-z0-9_]*$"),
    "jira": re.compile(r"^(customfield_\d+|[a-z][A-Za-z]*)(\.[a-z][A-Za-z]*)*$"),
    "zoho": re.compile(r"^([a-z][A-Za-z]*|cf\.cf_[a-z0-9_]+)$"),
    "sdp": re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$"),
}
_SNOW_IMPACT = ("1", "2", "3")  # the base system's impact and urgency choices (1 - High, 2 - Medium, 3 - Low)
_SNOW_IMPACT_LABELS = ("1 - High", "2 - Medium", "3 - Low")
_JIRA_REFS = {"priority", "issuetype", "project", "assignee", "reporter", "parent", "security", "resolution"}
_JIRA_REF_LISTS = {"components", "versions", "fixVersions"}
# SDP v3 takes these as objects naming a record: {"name": ...} or {"id": ...}
_SDP_REFS = {
    "category", "subcategory", "item", "priority", "group", "request_type", "template", "impact", "urgency",
    "level", "mode", "status", "site", "technician", "requester", "service_category",
}  # fmt: skip


class MappingError(DataError):
    """A mapping file is unusable; the message is one line: `<file>: <dotted.key>: <what is wrong>`."""


@dataclass(frozen=True)
class Connection:
    """How to reach the instance. Names of environment variables only: secrets never live in the mapping."""

    base_url_env: str  # the env var holding the instance URL, e.g. "SERVICENOW_URL"
    auth: str  # "basic" | "bearer" | "zoho-oauthtoken" | "sdp-authtoken"
    user_env: str | None  # basic auth: the env var holding the user name (Jira: the account e-mail)
    secret_env: str  # the env var holding the password / API token / OAuth token / technician key
    extra_headers: dict[str, str] = field(default_factory=dict)  # non-secret headers (Zoho orgId, SDP Accept)


@dataclass(frozen=True)
class FieldMap:
    """One schema field: which system field it becomes, and each of its values' system value."""

    name: str
    to: str | None  # the system field (dotted path); None: each value is a mapping of system fields
    values: dict[str, Any] = field(default_factory=dict)  # schema value -> system value; None writes nothing
    when: tuple[str, ...] = WHEN  # written on create, on update, or both

    def writes(self, value: Any) -> dict[str, Any]:
        """The system fields (dotted targets) this field's `value` sets; empty when it writes nothing."""
        mapped = self.values.get(value, value) if self.values else value
        if mapped is None:
            return {}
        return {self.to: mapped} if self.to is not None else dict(mapped)


@dataclass(frozen=True)
class StatusAction:
    write_fields: bool  # auto: true (the mapped fields); review: false (only the note, `set` and `labels`)
    set: dict[str, Any] = field(default_factory=dict)  # system fields set for this status (a triage queue)
    labels: tuple[str, ...] = ()  # Jira: labels added (never replacing the issue's own)


@dataclass(frozen=True)
class Note:
    """Where the confidence and the reasons go."""

    to: str | None = None  # a field of the ticket (ServiceNow `work_notes`); None: a comment / note call
    internal: bool = True  # a comment only agents see (Jira internal comment, Zoho private, SDP hidden note)
    confidence_to: str | None = None  # optional numeric field for the lowest field confidence (a custom field)


@dataclass(frozen=True)
class Create:
    subject_to: str  # the field that gets the ticket's first line (or the summary)
    description_to: str | None = None  # the field that gets the ticket's text
    set: dict[str, Any] = field(default_factory=dict)  # constants every create needs (Jira project, Zoho departmentId)


@dataclass(frozen=True)
class Tables:
    """ServiceNow: tickets live in several tables, and a field exists only in some."""

    create_field: str | None  # the schema field that picks the table of a create (request_type)
    create: dict[str, str]  # its value -> table
    create_default: str | None  # the table for values not listed (or when the field is absent)
    update: str  # the table of a bare sys_id; "<table>/<sys_id>" names another
    fields: dict[str, tuple[str, ...]]  # table -> the system fields it holds; other writes are dropped there


@dataclass(frozen=True)
class Mapping:
    system: str
    source: str  # the file it came from (for messages)
    schema: TicketSchema = field(compare=False, repr=False)
    connection: Connection
    fields: dict[str, FieldMap]
    create: Create
    note: Note
    statuses: dict[str, StatusAction]
    query: dict[str, str] = field(default_factory=dict)
    tables: Tables | None = None  # ServiceNow only
    unmapped: tuple[str, ...] = ()


# ---- loading ----------------------------------------------------------------------------------
def load_mapping(path: str | Path, schema: TicketSchema) -> Mapping:
    """Read and validate a mapping file against `schema`; MappingError names the file and the key."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise MappingError(f"{source}: cannot read the mapping file ({e.strerror})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader that also rejects duplicate keys
    except (yaml.YAMLError, SchemaError) as e:
        raise MappingError(f"{source}: not valid YAML: {' '.join(str(e).split())}") from None
    return parse_mapping(data, schema, source)


def parse_mapping(data: Any, schema: TicketSchema, source: str = "<memory>") -> Mapping:
    """Build a `Mapping` from already-loaded YAML data (what `load_mapping` does after reading)."""
    return _Parser(schema, source).mapping(data)


class _Parser:
    """One pass over the file; every problem is raised at once as `<source>: <key>: <problem>`."""

    def __init__(self, schema: TicketSchema, source: str):
        self.schema, self.source, self.system = schema, source, ""
        self.query: dict[str, str] = {}  # read by the ServiceNow value check (display values or codes)

    def fail(self, key: str, problem: str) -> MappingError:
        return MappingError(f"{self.source}: {key}: {problem}" if key else f"{self.source}: {problem}")

    # -- generic shapes
    def mapping_of(self, value: Any, key: str, allowed: set[str] | None = None, required: tuple = ()) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a mapping, got {type(value).__name__}")
        if allowed is not None:
            for k in value:
                if k not in allowed:
                    where = f"{key}.{k}" if key else str(k)
                    hint = " (YAML reads on/off/yes/no as true/false: quote the key)" if isinstance(k, bool) else ""
                    raise self.fail(where, f"unknown key (expected one of {sorted(allowed)}){hint}")
        for name in required:
            if name not in value:
                raise self.fail(f"{key}.{name}" if key else name, "missing")
        return value

    def string(self, value: Any, key: str, pattern: re.Pattern | None = None, what: str = "") -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, got {value!r}")
        if pattern is not None and not pattern.match(value):
            raise self.fail(key, f"{value!r} is not {what or 'valid'}")
        return value

    def target(self, value: Any, key: str) -> str:
        return self.string(value, key, _TARGET[self.system], f"a {self.system} field name")

    def when(self, value: Any, key: str) -> tuple[str, ...]:
        if (
            not isinstance(value, list)
            or not value
            or any(v not in WHEN for v in value)
            or len(set(value)) < len(value)
        ):
            raise self.fail(key, f"must be a list of {list(WHEN)} (no repeats), got {value!r}")
        return tuple(v for v in WHEN if v in value)

    # -- the file
    def mapping(self, data: Any) -> Mapping:
        data = self.mapping_of(data, "", TOP_KEYS, required=("system", "connection", "fields", "note", "statuses"))
        system = data["system"]
        if system not in SYSTEMS:
            raise self.fail("system", f"must be one of {list(SYSTEMS)}, got {system!r}")
        self.system = system
        if "schema" in data and data["schema"] != self.schema.name:
            raise self.fail(
                "schema", f"written for schema {data['schema']!r}, but the schema in force is {self.schema.name!r}"
            )
        if system == "servicenow" and "tables" not in data:
            raise self.fail("tables", "missing (ServiceNow: the tables a ticket is created in and updated in)")
        if system != "servicenow" and "tables" in data:
            raise self.fail("tables", "only ServiceNow has tables")
        query = self.mapping_of(data.get("query") or {}, "query")
        for name, value in query.items():
            self.string(value, f"query.{name}")
        self.query = {str(k): v for k, v in query.items()}
        tables = self.tables(data["tables"]) if system == "servicenow" else None
        fields = self.fields(data["fields"], data.get("unmapped") or [], tables)
        return Mapping(
            system=system,
            source=self.source,
            schema=self.schema,
            connection=self.connection(data["connection"]),
            fields=fields,
            create=self.create(data.get("create")),
            note=self.note(data["note"]),
            statuses=self.statuses(data["statuses"]),
            query=self.query,
            tables=tables,
            unmapped=tuple(data.get("unmapped") or ()),
        )

    def connection(self, value: Any) -> Connection:
        c = self.mapping_of(value, "connection", CONNECTION_KEYS, required=("base_url_env", "auth", "secret_env"))
        for name in ("base_url_env", "user_env", "secret_env"):
            if c.get(name) is not None:
                self.string(c[name], f"connection.{name}", _ENV_NAME, "an environment variable name (A-Z, 0-9, _)")
        if c["auth"] not in AUTHS:
            raise self.fail("connection.auth", f"must be one of {list(AUTHS)}, got {c['auth']!r}")
        if c["auth"] == "basic" and not c.get("user_env"):
            raise self.fail("connection.user_env", "basic auth needs the environment variable of the user name")
        headers = self.mapping_of(c.get("headers") or {}, "connection.headers")
        for name, v in headers.items():
            if isinstance(v, bool) or not isinstance(v, (str, int)):
                raise self.fail(f"connection.headers.{name}", f"must be a string, got {v!r}")
            if str(name).lower() in ("authorization", "authtoken"):
                raise self.fail(f"connection.headers.{name}", "credentials come from secret_env, not the file")
        return Connection(
            c["base_url_env"],
            c["auth"],
            c.get("user_env"),
            c["secret_env"],
            {str(k): str(v) for k, v in headers.items()},
        )

    def fields(self, value: Any, unmapped: Any, tables: Tables | None) -> dict[str, FieldMap]:
        raw = self.mapping_of(value, "fields")
        names = self.schema.field_names
        if not isinstance(unmapped, list) or any(n not in names for n in unmapped):
            raise self.fail("unmapped", f"must be a list of schema fields ({', '.join(names)}), got {unmapped!r}")
        for name in raw:
            if name not in names:
                raise self.fail(f"fields.{name}", f"not a field of schema {self.schema.name!r} ({', '.join(names)})")
            if name in unmapped:
                raise self.fail(f"fields.{name}", "both mapped and listed in `unmapped`")
        covered = set(raw) | set(unmapped) | ({tables.create_field} if tables and tables.create_field else set())
        for name in names:
            if name not in covered:
                raise self.fail(f"fields.{name}", "missing: map the field, or list it in `unmapped` to write nothing")
        return {name: self.field_map(name, spec) for name, spec in raw.items()}

    def field_map(self, name: str, spec: Any) -> FieldMap:
        key = f"fields.{name}"
        schema_field = self.schema.get_field(name)
        when = self.when(spec.get("when", list(WHEN)), f"{key}.when") if isinstance(spec, dict) else WHEN
        if schema_field.type == "text":
            spec = self.mapping_of(spec, key, TEXT_FIELD_KEYS, required=("to",))
            return FieldMap(name, self.target(spec["to"], f"{key}.to"), {}, when)
        spec = self.mapping_of(spec, key, ENUM_FIELD_KEYS, required=("values",))
        to = self.target(spec["to"], f"{key}.to") if spec.get("to") is not None else None
        raw = self.mapping_of(spec["values"], f"{key}.values")
        for value in raw:
            if value not in schema_field.values:
                raise self.fail(f"{key}.values.{value}", f"not a value of {name} ({', '.join(schema_field.values)})")
        has_default = "default" in spec
        values = {}
        for value in schema_field.values:
            if value in raw:
                values[value] = self.field_value(raw[value], to, f"{key}.values.{value}")
            elif has_default:
                values[value] = self.field_value(spec["default"], to, f"{key}.default")
            else:
                raise self.fail(f"{key}.values.{value}", "missing: map every value of the field, or give a `default`")
        return FieldMap(name, to, values, when)

    def field_value(self, value: Any, to: str | None, key: str) -> Any:
        if value is None:
            return None  # written as nothing
        if to is not None:
            return self.value(value, to, key)
        # no `to`: the value names its own system fields (ServiceNow priority -> {impact, urgency})
        value = self.mapping_of(value, key)
        if not value:
            raise self.fail(key, "must name at least one system field")
        return {self.target(t, f"{key}.{t}"): self.value(v, t, f"{key}.{t}") for t, v in value.items()}

    def writes(self, value: Any, key: str) -> dict[str, Any]:
        """A `set:` block: system field -> value, checked like mapped values."""
        value = self.mapping_of(value or {}, key)
        return {self.target(t, f"{key}.{t}"): self.value(v, t, f"{key}.{t}") for t, v in value.items()}

    # -- a value's shape, per system
    def value(self, value: Any, target: str, key: str) -> Any:
        check = {"servicenow": self.snow_value, "jira": self.jira_value, "zoho": self.zoho_value, "sdp": self.sdp_value}
        check[self.system](value, target, key)
        return value

    def snow_value(self, value: Any, target: str, key: str) -> None:
        # The Table API reads every field as a string (choice codes "1", display values "1 - High", sys_ids).
        self.string(value, key)
        if target in ("impact", "urgency"):
            allowed = _SNOW_IMPACT_LABELS if self.query.get("sysparm_input_display_value") == "true" else _SNOW_IMPACT
            if value not in allowed:
                how = (
                    "display values (query.sysparm_input_display_value)" if allowed == _SNOW_IMPACT_LABELS else "codes"
                )
                raise self.fail(key, f"{target} must be one of {list(allowed)} ({how}), got {value!r}")

    def jira_value(self, value: Any, target: str, key: str) -> None:
        root = target.split(".")[0]
        if "." not in target and root in _JIRA_REFS:
            self.reference(value, key, ("id", "name", "key", "accountId"))
        elif "." not in target and root in _JIRA_REF_LISTS:
            if not isinstance(value, list) or not value:
                raise self.fail(key, f"{target} takes a list of {{name: ...}} or {{id: ...}}, got {value!r}")
            for i, item in enumerate(value):
                self.reference(item, f"{key}[{i}]", ("id", "name"))
        elif target == "labels":
            if not isinstance(value, list) or any(not isinstance(v, str) or not v or " " in v for v in value):
                raise self.fail(key, f"labels are a list of strings without spaces, got {value!r}")
        elif not isinstance(value, (str, int, float, dict, list)) or isinstance(value, bool):
            raise self.fail(key, f"must be a string, number, list or mapping, got {value!r}")

    def zoho_value(self, value: Any, target: str, key: str) -> None:
        if target.endswith("Id"):
            # Zoho ids are 17+ digit numbers: JSON strings, since a JavaScript number cannot hold them exactly
            if not isinstance(value, str) or not value.isdigit():
                raise self.fail(key, f"{target} is a Zoho id: a string of digits in quotes, got {value!r}")
        elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.fail(key, f"must be a string or number, got {value!r}")

    def sdp_value(self, value: Any, target: str, key: str) -> None:
        if target in _SDP_REFS:
            self.reference(value, key, ("name", "id"))
        elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.fail(key, f"must be a string or number, got {value!r}")

    def reference(self, value: Any, key: str, keys: tuple[str, ...]) -> None:
        """A record named by exactly one of `keys`, e.g. {"name": "High"}."""
        if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in keys:
            raise self.fail(key, f"must name one record as {{{' or '.join(keys)}: ...}}, got {value!r}")
        self.string(next(iter(value.values())), f"{key}.{next(iter(value))}")

    # -- the other sections
    def create(self, value: Any) -> Create:
        if value is None:
            raise self.fail("create", "missing (which fields get the ticket's text when a ticket is created)")
        c = self.mapping_of(value, "create", CREATE_KEYS, required=("subject_to",))
        description = self.target(c["description_to"], "create.description_to") if c.get("description_to") else None
        return Create(
            self.target(c["subject_to"], "create.subject_to"), description, self.writes(c.get("set"), "create.set")
        )

    def note(self, value: Any) -> Note:
        n = self.mapping_of(value, "note", {"to", "internal", "confidence_to"})
        if self.system == "servicenow" and not n.get("to"):
            raise self.fail("note.to", "missing (ServiceNow: the journal field of the note, e.g. work_notes)")
        if self.system != "servicenow" and "to" in n:
            raise self.fail("note.to", f"{self.system} notes are a comment/note call, not a field; use confidence_to")
        internal = n.get("internal", True)
        if not isinstance(internal, bool):
            raise self.fail("note.internal", f"must be true or false, got {internal!r}")
        if self.system == "servicenow" and "internal" in n:
            raise self.fail("note.internal", "ServiceNow: choose the journal field instead (work_notes or comments)")
        to = self.target(n["to"], "note.to") if n.get("to") else None
        confidence = self.target(n["confidence_to"], "note.confidence_to") if n.get("confidence_to") else None
        return Note(to, internal, confidence)

    def statuses(self, value: Any) -> dict[str, StatusAction]:
        raw = self.mapping_of(value, "statuses", set(STATUSES), required=STATUSES)
        out = {}
        for status in STATUSES:
            key = f"statuses.{status}"
            s = self.mapping_of(raw[status], key, STATUS_KEYS, required=("write_fields",))
            if not isinstance(s["write_fields"], bool):
                raise self.fail(f"{key}.write_fields", f"must be true or false, got {s['write_fields']!r}")
            labels = s.get("labels") or []
            if labels and self.system != "jira":
                raise self.fail(f"{key}.labels", "only Jira has labels; use `set` for a queue or group")
            if labels:
                self.jira_value(labels, "labels", f"{key}.labels")
            out[status] = StatusAction(s["write_fields"], self.writes(s.get("set"), f"{key}.set"), tuple(labels))
        return out

    def tables(self, value: Any) -> Tables:
        t = self.mapping_of(value, "tables", TABLES_KEYS, required=TABLES_KEYS)
        held = self.mapping_of(t["fields"], "tables.fields")
        fields = {}
        for table, names in held.items():
            self.string(table, f"tables.fields.{table}", _TABLE, "a table name")
            if not isinstance(names, list) or not names:
                raise self.fail(f"tables.fields.{table}", "must list the fields this table holds")
            fields[table] = tuple(self.target(n, f"tables.fields.{table}") for n in names)

        def table(name: Any, key: str) -> str:
            if name not in fields:
                raise self.fail(key, f"{name!r} is not a table listed in tables.fields ({', '.join(fields)})")
            return name

        update = table(t["update"], "tables.update")
        c = self.mapping_of(t["create"], "tables.create", TABLES_CREATE_KEYS)
        by = c.get("field")
        create, default = {}, table(c["default"], "tables.create.default") if "default" in c else None
        if by is not None:
            if by not in self.schema.field_names or self.schema.get_field(by).type != "enum":
                raise self.fail("tables.create.field", f"{by!r} is not an enum field of schema {self.schema.name!r}")
            raw = self.mapping_of(c.get("values") or {}, "tables.create.values")
            values = self.schema.get_field(by).values
            for v in raw:
                if v not in values:
                    raise self.fail(f"tables.create.values.{v}", f"not a value of {by} ({', '.join(values)})")
            for v in values:
                if v in raw:
                    create[v] = table(raw[v], f"tables.create.values.{v}")
                elif default is None:
                    raise self.fail(f"tables.create.values.{v}", "missing: give its table, or a tables.create.default")
        elif default is None:
            raise self.fail("tables.create", "needs a `field` (with `values`) or a `default` table")
        return Tables(by, create, default, update, fields)
