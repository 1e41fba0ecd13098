"""The `Situation` record and the `situation(...)` builder; category and checks come from the default schema."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ticket_triage.schema import SchemaError, TicketSchema, load_schema

# The team that usually works each subcategory; a situation overrides it with `group=` (simple
# first-line requests go to the Service Desk, database backups to the DBAs, ...). The schema has no
# default group per subcategory (its rule only lists the groups each category allows, and all rules
# share one source field), so this choice lives here; `situation` checks each group against the schema.
DEFAULT_GROUP = {
    "Password Reset": "Service Desk",
    "Account Lockout": "Service Desk",
    "Permission Request": "Identity & Access Management",
    "MFA & SSO": "Identity & Access Management",
    "Laptop": "Desktop Support",
    "Desktop": "Desktop Support",
    "Printer": "Desktop Support",
    "Peripheral": "Desktop Support",
    "Mobile Device": "Desktop Support",
    "Installation": "Desktop Support",
    "Bug or Error": "Application Support",
    "License": "Application Support",
    "Update": "Desktop Support",
    "VPN": "Network Operations",
    "Wi-Fi": "Network Operations",
    "Connectivity": "Network Operations",
    "Firewall & DNS": "Network Operations",
    "Mailbox": "Messaging Team",
    "Calendar": "Messaging Team",
    "Chat & Meetings": "Messaging Team",
    "Distribution List": "Messaging Team",
    "Phishing": "Security Operations",
    "Malware": "Security Operations",
    "Data Loss": "Security Operations",
    "Suspicious Activity": "Security Operations",
    "Server": "Infrastructure Team",
    "Storage": "Infrastructure Team",
    "Backup": "Infrastructure Team",
    "Database": "Database Administration",
}


@functools.cache
def default_schema() -> TicketSchema:
    """The taxonomy the situations are written for (configs/schema/itsm_default.yaml), loaded once."""
    return load_schema()


def category_of(schema: TicketSchema) -> dict[str, str]:
    """subcategory -> category, read from the schema's category -> subcategory rule."""
    if not any(r.field == "category" and r.constrains == "subcategory" for r in schema.rules):
        raise SchemaError(f"{schema.source}: no rule `field: category, constrains: subcategory`")
    found: dict[str, str] = {}
    for category in schema.get_field("category").values:
        for sub in schema.allowed_values("subcategory", {"category": category}):
            if sub in found:
                raise SchemaError(f"{schema.source}: subcategory {sub!r} is in both {found[sub]!r} and {category!r}")
            found[sub] = category
    return found


@functools.cache
def default_category_of() -> Mapping[str, str]:
    """`category_of(default_schema())`, computed once (read-only)."""
    return MappingProxyType(category_of(default_schema()))


SCOPES = "muto"  # minor, user, team, org (see the generating.situations docstring)
VOICES = ("user", "request", "system", "security", "phishing", "dataloss")


@dataclass(frozen=True)
class Situation:
    id: str
    category: str
    subcategory: str
    assignment_group: str
    request_type: str
    impacts: str
    summary: str
    short: tuple[str, ...]
    bodies: tuple[str, ...]
    voice: str  # which scope/urgency phrases fit (one of VOICES)
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)


def situation(
    id: str,
    subcategory: str,
    impacts: str,
    summary: str,
    short: list[str],
    bodies: list[str],
    *,
    group: str = "",
    request: bool = False,
    voice: str = "",
    **slots: list[str],
) -> Situation:
    """One base situation; category (from the schema), group and voice follow from the subcategory unless given.

    Raises ValueError when the default schema puts the subcategory in no category or does not allow the
    group in that category.
    """
    schema = default_schema()
    where = f"situation {id!r}: schema {schema.name!r} ({schema.source})"
    category = default_category_of().get(subcategory)
    if category is None:
        raise ValueError(f"{where} puts subcategory {subcategory!r} in no category")
    if not voice:
        if request:
            voice = "request"
        elif category == "Infrastructure":
            voice = "system"
        elif subcategory == "Phishing":
            voice = "phishing"
        elif subcategory == "Data Loss":
            voice = "dataloss"
        elif category == "Security":
            voice = "security"
        else:
            voice = "user"
    assignment_group = group or DEFAULT_GROUP.get(subcategory, "")
    if not assignment_group:
        raise ValueError(f"situation {id!r}: no DEFAULT_GROUP for {subcategory!r}; add one or give group=")
    allowed = schema.allowed_values("assignment_group", {"category": category})
    if assignment_group not in allowed:
        raise ValueError(f"{where} allows no group {assignment_group!r} in {category!r}, only {allowed}")
    return Situation(
        id=id,
        category=category,
        subcategory=subcategory,
        assignment_group=assignment_group,
        request_type="Service Request" if request else "Incident",
        impacts=impacts,
        summary=summary,
        short=tuple(short),
        bodies=tuple(bodies),
        voice=voice,
        slots={k: tuple(v) for k, v in slots.items()},
    )
