"""Seeded synthetic IT-support tickets: base situations x phrasings x noise -> train/val/test JSONL.

    python -m generating.synthetic --n 5000 --seed 1 --out data/synthetic
    python -m generating.synthetic --n 50000 --seed 7 --out data/synthetic --noise-typos 0.4 --noise-short 0.1
    python -m generating.synthetic --n 2000 --seed 1 --out /tmp/clean --no-noise
    python -m generating.synthetic export --format trl data/synthetic/train.jsonl data/synthetic/train.trl.jsonl
    python -m generating.synthetic export --format alpaca --explicit-mix 0.3 IN.jsonl OUT.jsonl   # or sharegpt

How one ticket is made (the words live in generating/situations/):
1. pick a base situation (round robin over a seeded shuffle, so every situation gets the same share);
2. pick its scope (minor / one user / a team / everyone) and urgency (no rush / normal / deadline) and
   derive the priority from them with `PRIORITY`; the scope and urgency phrases go into the text, so
   the text always justifies the label (no phrase = the scope the situation implies, normal urgency);
3. compose: a layout (e-mail, chat line, portal form, agent's call log) around one of the situation's
   bodies, context (since when, where, what was tried), the scope and urgency phrases, closing and
   signature, with slot values (apps, devices, sites, error codes) drawn once per ticket;
4. apply noise, each kind with its own rate (`NoiseConfig`), recorded in `meta.noise`;
5. drop texts already written, then split by situation (stratified by category/subcategory) so
   the test split holds situations never seen in training.

The same arguments write the same bytes: all randomness comes from `random.Random(seed)`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shlex
import sys
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from generating.situations import (
    AGENT_LOGS,
    CHAT_ENDINGS,
    CHAT_GREETINGS,
    CHAT_SWAPS,
    CLOSINGS,
    DISCLAIMERS,
    FIRST_NAMES,
    FORM_HEADINGS,
    GREETINGS,
    IMPACT,
    INSTRUCTIONS,
    LAST_NAMES,
    LONG_EXTRAS,
    MULTI_CONNECTORS,
    OPENERS,
    PII_SENTENCES,
    POOLS,
    REQUEST_CONTEXT,
    SHORT_FILLERS,
    SHORT_TAILS,
    SIGNATURES,
    SINCE_CONTEXT,
    SITUATIONS,
    SPANISH_ASIDES,
    SPANISH_CLOSINGS,
    SPANISH_GREETINGS,
    SPANISH_INCIDENT_ASIDES,
    SPANISH_SWAPS,
    TRIED,
    URGENCY_DEADLINE,
    URGENCY_LOW,
    URGENCY_NORMAL,
    WHERE_CONTEXT,
    Situation,
)
from ticket_triage.dataset import read_rows, write_rows
from ticket_triage.prompt import DEFAULT_INSTRUCTION, answer_text, system_prompt, training_example
from ticket_triage.schema import SchemaError, TicketSchema, add_schema_argument, load_schema

SPLITS = ("train", "val", "test")
MANIFEST = "generate.json"  # written next to the splits: the command that made them
EXPORT_FORMATS = ("trl", "alpaca", "sharegpt")

# Priority = scope x urgency, as the taxonomy's priority description reads: Critical for production or
# many users down, High for a blocked team or one user with a hard deadline, Medium for one impaired
# user, Low for minor issues and requests with no deadline. "No rush" only goes with a minor scope
# (a blocked team that is in no hurry is not a ticket anyone writes).
PRIORITY = {
    ("m", "low"): "Low",
    ("m", "normal"): "Low",
    ("m", "deadline"): "Medium",
    ("u", "normal"): "Medium",
    ("u", "deadline"): "High",
    ("t", "normal"): "High",
    ("t", "deadline"): "High",
    ("o", "normal"): "Critical",
    ("o", "deadline"): "Critical",
}
SCOPE_STATED_RATE = 0.8  # how often the text states its scope; otherwise the body implies it


@dataclass
class NoiseConfig:
    """Probability that each kind of noise is applied to a ticket (0 = never, 1 = always)."""

    typos: float = field(default=0.25, metadata={"help": "typos and keyboard slips"})
    casing: float = field(default=0.07, metadata={"help": "whole ticket in lower case or ALL CAPS"})
    chat: float = field(default=0.15, metadata={"help": "chat style and abbreviations (pls, asap, thx)"})
    spanglish: float = field(default=0.05, metadata={"help": "Spanish/English mixing"})
    forwarded: float = field(default=0.08, metadata={"help": "forwarded-mail headers"})
    error_trace: float = field(
        default=0.2, metadata={"help": "pasted error messages and logs (incidents that show an error)"}
    )
    pii: float = field(default=0.25, metadata={"help": "fake names, e-mails, phone numbers, employee ids"})
    short: float = field(default=0.08, metadata={"help": "very short tickets ('vpn broken again')"})
    long: float = field(default=0.07, metadata={"help": "very long tickets (background, checklist, disclaimer)"})
    multi_issue: float = field(default=0.07, metadata={"help": "a second, unrelated issue (label = the first)"})

    @classmethod
    def off(cls) -> NoiseConfig:
        return cls(**{f.name: 0.0 for f in fields(cls)})


@dataclass
class GeneratorConfig:
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    val_frac: float = 0.1  # share of situations (not rows) held out per category/subcategory
    test_frac: float = 0.1


class NoSituationFits(ValueError):
    """No built-in situation has a label that validates against the schema in use."""


# ---- which situations fit the schema -----------------------------------------------------------------
def _full_label(sit: Situation, priority: str, summary: str) -> dict[str, str]:
    return {
        "category": sit.category,
        "subcategory": sit.subcategory,
        "priority": priority,
        "assignment_group": sit.assignment_group,
        "request_type": sit.request_type,
        "summary": summary,
    }


def _project(schema: TicketSchema, full: dict[str, str]) -> dict[str, str] | None:
    """The label in schema field order; None when the schema has a field the situations cannot fill."""
    if any(name not in full for name in schema.field_names):
        return None
    return {name: full[name] for name in schema.field_names}


def _misfit(schema: TicketSchema, sit: Situation) -> str:
    """Why `sit` cannot produce valid labels for `schema` ("" when it can), for every reachable priority."""
    for priority in sorted({p for (scope, _), p in PRIORITY.items() if scope in sit.impacts}):
        label = _project(schema, _full_label(sit, priority, "x"))
        if label is None:
            missing = [n for n in schema.field_names if n not in _full_label(sit, priority, "x")]
            return f"the situations have no value for field(s) {missing}"
        errors = schema.errors(label)
        if errors:
            return "; ".join(str(e) for e in errors)
    return ""


def fitting_situations(schema: TicketSchema) -> list[Situation]:
    """The built-in situations whose labels validate against `schema`; raises `NoSituationFits` if none."""
    fits, first_problem = [], ""
    for sit in SITUATIONS:
        problem = _misfit(schema, sit)
        if problem:
            first_problem = first_problem or f"situation {sit.id!r}: {problem}"
        else:
            fits.append(sit)
    if not fits:
        raise NoSituationFits(
            f"none of the {len(SITUATIONS)} built-in situations fits schema {schema.name!r} ({schema.source}); "
            f"first problem: {first_problem}. The synthetic generator writes tickets for the default ITSM "
            "taxonomy (configs/schema/itsm_default.yaml) only; a custom taxonomy needs its own labelled "
            "tickets: bring them in with `triage import`."
        )
    return fits


# ---- composing one ticket ----------------------------------------------------------------------------
class _Slots(dict):
    """One ticket's slot values, drawn on first use so that body, summary and context agree."""

    def __init__(self, rng: random.Random, own: dict[str, tuple[str, ...]]):
        super().__init__()
        self._rng = rng
        self._own = own

    def __missing__(self, key: str) -> str:
        if key == "email":
            value = _email(self["first"], self["last"])
        else:
            pool = self._own.get(key) or POOLS.get(key)
            if pool is None:
                raise KeyError(f"no values for slot {{{key}}} (add it to the situation or to POOLS)")
            value = self._rng.choice(pool)
            if "{" in value:
                value = value.format_map(self)
        self[key] = value
        return value


def _slots_for(sit: Situation, rng: random.Random) -> _Slots:
    return _Slots(rng, sit.slots)


def _email(first: str, last: str) -> str:
    ascii_only = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z.]", "", ascii_only.lower()) + "@example.com"


def _fill(template: str, slots: _Slots) -> str:
    return template.format_map(slots) if "{" in template else template


def _cap(text: str) -> str:
    """Capitalise a sentence, but leave names such as "macOS", "iPhone" or "svc_backup" alone."""
    first = text.split(" ", 1)[0]
    if any(c.isupper() or c.isdigit() or c == "_" for c in first[1:]):
        return text
    return text[:1].upper() + text[1:]


def _tried(sit: Situation) -> list[str]:
    return TRIED.get(sit.subcategory) or TRIED[sit.category]


def _clip(text: str, max_length: int) -> str:
    """Cut at a word boundary; situations are written to fit, this guards custom max_lengths."""
    if len(text) <= max_length:
        return text
    return text[: max_length + 1].rsplit(" ", 1)[0].rstrip(",;:-") or text[:max_length]


def _pick_urgency(scope: str, rng: random.Random) -> str:
    r = rng.random()
    if scope == "m":
        return "low" if r < 0.35 else "deadline" if r > 0.82 else "normal"
    return "deadline" if r < 0.3 else "normal"


@dataclass
class _Draft:
    """The parts of a ticket before a layout renders them."""

    subject: str
    sentences: list[str]  # the problem, in the user's words, plus context
    scope: str  # scope phrase, "" when not stated
    urgency: str  # urgency phrase, "" when none
    blocks: list[str] = field(default_factory=list)  # pasted errors, a second issue, background
    contact: str = ""  # "call me on ..." (PII noise), said last
    pii: bool = False
    spanish: bool = False
    long: bool = False


def _error_block(sit: Situation, slots: _Slots, rng: random.Random) -> str:
    """One of the situation's error messages or logs, pasted the way users paste them."""
    message = slots["error"]  # the same error the body may already quote
    if "\n" in message:
        lead = rng.choice(
            ["Error details:\n", "This is what I get:\n", "Log below:\n", "Copied from the screen:\n", ""]
        )
        return lead + message
    if sit.category == "Security":
        frame = rng.choice(['It said: "{}"', 'The message was: "{}"', "Text of it: {}", 'Subject/alert: "{}"'])
    else:
        frame = rng.choice(
            ['The error says: "{}"', "Error message: {}", 'I get this: "{}"', "Screenshot text: {}", "Error: {}"]
        )
    return frame.format(message)


_SENTENCE_STARTS = {
    "My",
    "The",
    "Our",
    "Please",
    "Could",
    "Can",
    "When",
    "Since",
    "After",
    "There",
    "We",
    "A",
    "An",
    "Some",
    "Someone",
    "Several",
    "All",
    "Every",
    "Everything",
    "Nobody",
    "None",
    "This",
    "How",
    "Is",
    "Got",
    "Quick",
    "Whenever",
    "Half",
    "Most",
    "Only",
    "Lots",
}


def _second_issues(sit: Situation, others: list[Situation]) -> list[Situation]:
    """Situations that may follow `sit` as an unrelated second issue: another category, and a body that
    reads as one user's problem (a second issue must not imply a bigger scope than the labelled first)."""
    return [o for o in others if o.category != sit.category and o.impacts[0] in "mu"]


def _second_issue(candidates: list[Situation], rng: random.Random) -> str:
    other = rng.choice(candidates)
    body = _fill(rng.choice(other.bodies), _slots_for(other, rng))
    connector = rng.choice(MULTI_CONNECTORS)
    first = body.split(" ", 1)[0]
    if connector.endswith(", ") and first in _SENTENCE_STARTS:  # never lower-case "SAP", "Outlook" or "I"
        body = body[:1].lower() + body[1:]
    return connector + body


def _long_blocks(sit: Situation, slots: _Slots, rng: random.Random, said: list[str]) -> list[str]:
    """Background sentences and a list of what was tried (not repeating what the ticket already `said`)."""
    extras = " ".join(_fill(s, slots) for s in rng.sample(LONG_EXTRAS, rng.randint(3, 5)))
    tried = [t for t in _tried(sit) if t not in said]
    checklist = "\n".join(f"- {t}" for t in rng.sample(tried, min(3, len(tried))))
    return [extras, "What I have checked so far:\n" + checklist]


def _signature(slots: _Slots, rng: random.Random, pii: bool) -> str:
    if pii:
        return _fill(
            rng.choice(
                [
                    "{first} {last}\n{title}, {dept}\nT: {phone_number} | {email}",
                    "{first} {last} | {title}\nMobile: {phone_number}\nEmail: {email}",
                    "{first} {last}\n{dept} - {site}\nEmployee ID {empid} | {phone_number}",
                ]
            ),
            slots,
        )
    return _fill(rng.choice(SIGNATURES), slots)


def _render_email(d: _Draft, slots: _Slots, rng: random.Random, subject_line: bool = True) -> str:
    parts = []
    if subject_line and rng.random() < 0.3:
        parts.append(f"Subject: {d.subject}")
    greeting = rng.choice(SPANISH_GREETINGS if d.spanish else GREETINGS) if d.spanish or rng.random() < 0.85 else ""
    opener = rng.choice(OPENERS) if rng.random() < 0.25 else ""
    main = " ".join(s for s in [opener, *d.sentences] if s)
    tail = " ".join(s for s in [d.scope, d.urgency, d.contact] if s)
    if greeting and rng.random() < 0.3:
        main = f"{greeting} {main}"
    elif greeting:
        parts.append(greeting)
    if tail and rng.random() < 0.5:
        parts += [main, *d.blocks, tail]
    else:
        parts += [" ".join([main, tail]).strip(), *d.blocks]
    if d.spanish or d.pii or d.long or rng.random() < 0.85:
        closing = rng.choice(SPANISH_CLOSINGS if d.spanish else CLOSINGS)
        parts.append(f"{closing}\n{_signature(slots, rng, d.pii)}")
    if d.long:
        parts.append(rng.choice(DISCLAIMERS))
    return "\n\n".join(parts)


def _render_chat(d: _Draft, slots: _Slots, rng: random.Random) -> str:
    greeting = rng.choice(SPANISH_GREETINGS if d.spanish else CHAT_GREETINGS) if rng.random() < 0.6 else ""
    ending = rng.choice(SPANISH_CLOSINGS if d.spanish else CHAT_ENDINGS).rstrip(",")
    line = " ".join(s for s in [*d.sentences, d.scope, d.urgency, d.contact, ending] if s)
    if greeting:
        line = greeting.rstrip(",") + rng.choice([", ", " - ", " "]) + line
    if d.pii:
        line += " - " + _fill("{first} {last}, {phone_number}", slots)
    return "\n".join([line, *d.blocks])


def _render_form(d: _Draft, slots: _Slots, rng: random.Random) -> str:
    title, details = rng.choice(FORM_HEADINGS)
    lines = [f"{title}: {d.subject}"]
    if d.scope and rng.random() < 0.6:
        lines.append(f"{details}: " + " ".join(s for s in [*d.sentences, d.urgency, d.contact] if s))
        lines.append(f"{rng.choice(['Impact', 'Business impact'])}: {d.scope}")
    else:
        lines.append(f"{details}: " + " ".join(s for s in [*d.sentences, d.scope, d.urgency, d.contact] if s))
    lines += d.blocks
    if rng.random() < 0.5:
        lines.append(_fill("Location: {site}", slots))
    if d.pii:
        lines.append(_fill("Contact: {first} {last}, {phone_number}, {email}", slots))
    elif rng.random() < 0.4:
        lines.append(_fill("Requested by: {first} {last}", slots))
    return "\n".join(lines)


def _render_agent(d: _Draft, slots: _Slots, rng: random.Random) -> str:
    said = " ".join(s for s in [*d.sentences, d.scope, d.urgency, d.contact] if s)
    head = _fill(rng.choice(AGENT_LOGS), slots)
    lines = [f'{head}: "{said}"', *d.blocks]
    if d.pii:
        lines.append(_fill("Callback number {phone_number}, employee ID {empid}.", slots))
    if rng.random() < 0.4:
        lines.append(
            rng.choice(
                [
                    "Could not resolve on first contact, please assign.",
                    "User confirmed the details.",
                    "Escalating.",
                    "Basic checks done on the call, no change.",
                ]
            )
        )
    return "\n".join(lines)


def _forward(text: str, subject: str, slots: _Slots, rng: random.Random) -> str:
    """Wrap the ticket in a forwarded-mail header, as when a manager or assistant passes it on."""
    day = f"{rng.choice(POOLS['weekday'])}, {rng.randint(1, 28)} {rng.choice(['Jan', 'Mar', 'May', 'Jun', 'Sep'])} 2025"
    date = f"{day} {rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}"
    sender = _fill("{first} {last} <{email}>", slots)
    if rng.random() < 0.5:
        header = (
            f"---------- Forwarded message ---------\nFrom: {sender}\nDate: {date}\nSubject: {subject}\n"
            "To: IT Service Desk <servicedesk@example.com>"
        )
    else:
        header = (
            f"-----Original Message-----\nFrom: {sender}\nSent: {date}\nTo: IT Service Desk\nSubject: FW: {subject}"
        )
    forwarder = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    note = rng.choice(
        [
            "",
            "FYI, see below.",
            "Hi, forwarding this from my team, can you help?",
            "Please see the request below.",
            "Forwarding as requested.",
            f"Sent on behalf of {forwarder}.",
        ]
    )
    return f"{note}\n\n{header}\n\n{text}" if note else f"{header}\n\n{text}"


def _short_text(sit: Situation, slots: _Slots, rng: random.Random, scope: str, stated: bool, deadline: bool) -> str:
    words = [_fill(rng.choice(sit.short), slots) + _fill(rng.choice(SHORT_FILLERS), slots)]
    if stated:
        words.append(_fill(rng.choice(SHORT_TAILS[scope]), slots))
    if deadline:
        words.append(_fill(rng.choice(SHORT_TAILS["deadline"]), slots))
    text = rng.choice([", ", " - ", " "]).join(words)
    return f"{rng.choice(['hi ', 'hey ', 'Hi, '])}{text}" if rng.random() < 0.15 else text


# ---- noise on finished text --------------------------------------------------------------------------
def _keyboard_neighbours() -> dict[str, list[str]]:
    """Keys next to each letter on a QWERTY keyboard (left, right, above, below): where fingers slip."""
    rows = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
    near: dict[str, list[str]] = {}
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            near[ch] = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            near[ch] += [rows[o][min(c, len(rows[o]) - 1)] for o in (r - 1, r + 1) if 0 <= o < len(rows)]
    return near


_NEIGHBOURS = _keyboard_neighbours()


def _slip(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)  # keep the first and last letter: how slips usually look
    kind = rng.random()
    if kind < 0.3:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swapped letters
    if kind < 0.55:
        return word[:i] + word[i + 1 :]  # dropped letter
    if kind < 0.7:
        return word[:i] + word[i] + word[i:]  # doubled letter
    near = _NEIGHBOURS.get(word[i].lower())
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word[:i] + word[i + 1 :]


def add_typos(text: str, rng: random.Random, per_word: float = 0.06) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    hits = [i for i in candidates if rng.random() < per_word] or [rng.choice(candidates)]
    for i in hits:
        words[i] = _slip(words[i], rng)
    return " ".join(words)


_CHAT_RE = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(CHAT_SWAPS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)


def chat_style(text: str, rng: random.Random) -> str:
    swapped = _CHAT_RE.sub(
        lambda m: CHAT_SWAPS.get(m.group(0).lower(), m.group(0)) if rng.random() < 0.8 else m.group(0), text
    )
    if swapped == text:  # nothing to abbreviate: chat style still shows in a tacked-on "pls" or "thx"
        first, newline, rest = text.partition("\n")
        tail = rng.choice([t for t in (" pls", " thx", " pls help", " ty") if t.strip() not in first] or [" thx"])
        swapped = first.rstrip(".!") + tail + newline + rest
    return swapped


def spanish_swaps(text: str, rng: random.Random) -> str:
    for english, spanish in SPANISH_SWAPS:
        if english in text and rng.random() < 0.5:
            text = text.replace(english, spanish, 1)
    return text


def change_casing(text: str, rng: random.Random) -> str:
    return text.lower() if rng.random() < 0.65 else text.upper()


# ---- one ticket --------------------------------------------------------------------------------------
def compose_ticket(
    sit: Situation, rng: random.Random, noise: NoiseConfig, others: list[Situation]
) -> tuple[str, str, str, list[str]]:
    """(text, priority, summary, noise kinds) for one ticket of situation `sit`."""
    slots = _slots_for(sit, rng)
    kinds: list[str] = []
    short = rng.random() < noise.short
    # Scope and urgency first: they fix the priority and which phrases may appear.
    stated = rng.random() < (0.45 if short else SCOPE_STATED_RATE)
    scope = rng.choice(sit.impacts) if stated else sit.impacts[0]
    urgency = _pick_urgency(scope, rng)
    if short and urgency == "low":
        urgency = "normal"  # a short ticket says "no rush" through its minor-scope tail, or nothing
    priority = PRIORITY[(scope, urgency)]
    summary = _cap(_fill(sit.summary, slots))
    spanish = rng.random() < noise.spanglish

    if short:
        kinds.append("short")
        text = _short_text(sit, slots, rng, scope, stated, urgency == "deadline")
        if spanish:
            text += " " + rng.choice(["no funciona", "ayuda por favor", "otra vez", "gracias"])
    else:
        sentences = [_cap(_fill(rng.choice(sit.bodies), slots))]
        if sit.request_type == "Incident":
            if sit.category != "Security" and rng.random() < 0.35:  # a phishing mail does not "start"
                sentences.append(_fill(rng.choice(SINCE_CONTEXT), slots))
            if sit.voice == "user" and rng.random() < 0.2:
                sentences.append(_fill(rng.choice(WHERE_CONTEXT), slots))
            if rng.random() < 0.25:
                sentences.append(_fill(rng.choice(_tried(sit)), slots))
        elif rng.random() < 0.35:
            sentences.append(_fill(rng.choice(REQUEST_CONTEXT), slots))
        if spanish:
            asides = SPANISH_ASIDES + SPANISH_INCIDENT_ASIDES if sit.request_type == "Incident" else SPANISH_ASIDES
            sentences.insert(rng.randint(1, len(sentences)), rng.choice(asides))
        scope_phrase = _cap(_fill(rng.choice(IMPACT[sit.voice][scope]), slots)) if stated else ""
        if urgency == "low":
            urgency_phrase = rng.choice(URGENCY_LOW)
        elif urgency == "deadline":
            urgency_phrase = _fill(rng.choice(URGENCY_DEADLINE[sit.voice]), slots)
        else:
            urgency_phrase = rng.choice(URGENCY_NORMAL) if rng.random() < 0.25 else ""
        draft = _Draft(
            _cap(_fill(rng.choice(sit.short), slots)), sentences, scope_phrase, urgency_phrase, spanish=spanish
        )

        if rng.random() < noise.error_trace and "error" in sit.slots:  # only situations that show an error
            kinds.append("error_trace")
            draft.blocks.append(_error_block(sit, slots, rng))
        if rng.random() < noise.multi_issue and (candidates := _second_issues(sit, others)):
            kinds.append("multi_issue")
            draft.blocks.append(_second_issue(candidates, rng))
        if rng.random() < noise.long:
            kinds.append("long")
            draft.long = True
            draft.blocks += _long_blocks(sit, slots, rng, draft.sentences)
        if rng.random() < noise.pii:
            kinds.append("pii")
            draft.pii = True
            draft.contact = _fill(rng.choice(PII_SENTENCES), slots)
        forwarded = rng.random() < noise.forwarded

        layout = rng.random()
        if draft.long or forwarded or layout < 0.5:
            text = _render_email(draft, slots, rng, subject_line=not forwarded)
        elif layout < 0.72:
            text = _render_chat(draft, slots, rng)
        elif layout < 0.87:
            text = _render_form(draft, slots, rng)
        else:
            text = _render_agent(draft, slots, rng)
        if forwarded:
            kinds.append("forwarded")
            text = _forward(text, draft.subject, slots, rng)

    if spanish:
        kinds.append("spanglish")
        text = spanish_swaps(text, rng)
    if rng.random() < noise.chat:
        kinds.append("chat")
        text = chat_style(text, rng)
    if rng.random() < noise.typos:
        kinds.append("typos")
        text = add_typos(text, rng)
    if rng.random() < noise.casing:
        kinds.append("casing")
        text = change_casing(text, rng)
    order = [f.name for f in fields(NoiseConfig)]
    return text, priority, summary, sorted(kinds, key=order.index)


# ---- many tickets ------------------------------------------------------------------------------------
def generate_rows(
    schema: TicketSchema,
    n: int,
    seed: int,
    config: GeneratorConfig | None = None,
    situations: list[Situation] | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """`n` rows with distinct texts, every label valid for `schema`; the same arguments give the same rows."""
    from tqdm import tqdm

    config = config or GeneratorConfig()
    situations = situations if situations is not None else fitting_situations(schema)
    summary_max = schema.get_field("summary").max_length if "summary" in schema.field_names else 120
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    queue: list[Situation] = []
    misses = 0
    bar = tqdm(total=n, disable=not progress, file=sys.stderr, unit="row", desc="generating", mininterval=0.5)
    while len(rows) < n:
        if not queue:
            queue = list(situations)
            rng.shuffle(queue)
        sit = queue.pop()
        for _ in range(8):  # a repeat of an earlier text is re-drawn, not kept
            text, priority, summary, kinds = compose_ticket(sit, rng, config.noise, situations)
            if text not in seen:
                break
        else:
            misses += 1
            if misses > 10 * len(situations) + n:
                raise RuntimeError(
                    f"generating: only {len(rows)} distinct texts after many tries; "
                    f"{len(situations)} situations cannot give {n} distinct tickets"
                )
            continue
        seen.add(text)
        label = _project(schema, _full_label(sit, priority, _clip(summary, summary_max)))
        errors = schema.errors(label)
        if errors:  # fitting_situations checked the enums; this guards the summary and a broken situation
            raise RuntimeError(f"situation {sit.id!r} produced an invalid label {label}: {errors}")
        rows.append(
            {
                "id": f"syn-{seed}-{len(rows):06d}",
                "text": text,
                "label": label,
                "instruction": rng.choice(INSTRUCTIONS),
                "meta": {"situation": sit.id, "source": "synthetic", "noise": kinds, "seed": seed},
            }
        )
        bar.update(1)
    bar.close()
    return rows


# ---- splits ------------------------------------------------------------------------------------------
def _held_out(k: int, val_frac: float, test_frac: float) -> tuple[int, int]:
    """(val, test) situations out of `k` in one stratum; training always keeps at least one."""
    if k >= 3:
        n_val = max(1, round(k * val_frac)) if val_frac > 0 else 0
        n_test = max(1, round(k * test_frac)) if test_frac > 0 else 0
    else:  # too few to honour both held-out splits; test first, it is the one reported
        n_test = 1 if k == 2 and test_frac > 0 else 0
        n_val = 1 if k == 2 and val_frac > 0 and not n_test else 0
    while n_val + n_test >= k and (n_val or n_test):
        if n_val:
            n_val -= 1
        else:
            n_test -= 1
    return n_val, n_test


def assign_situations(
    strata: dict[str, tuple[str, ...]], seed: int, val_frac: float = 0.1, test_frac: float = 0.1
) -> dict[str, str]:
    """Situation id -> split, stratified by `strata` (situation id -> e.g. (category, subcategory))."""
    if not (0 <= val_frac < 1 and 0 <= test_frac < 1 and val_frac + test_frac < 1):
        raise ValueError(f"val_frac={val_frac} and test_frac={test_frac} must be in [0, 1) and sum below 1")
    rng = random.Random(seed)
    by_stratum: dict[tuple[str, ...], list[str]] = {}
    for sid, key in strata.items():
        by_stratum.setdefault(key, []).append(sid)
    assignment = {}
    for key in sorted(by_stratum):  # sorted: independent of the order rows came in
        ids = sorted(by_stratum[key])
        rng.shuffle(ids)
        n_val, n_test = _held_out(len(ids), val_frac, test_frac)
        for i, sid in enumerate(ids):
            assignment[sid] = "test" if i < n_test else "val" if i < n_test + n_val else "train"
    return assignment


def split_rows(
    rows: list[dict[str, Any]], seed: int, val_frac: float = 0.1, test_frac: float = 0.1
) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped into train/val/test by base situation: no situation is in two splits."""
    strata: dict[str, tuple[str, ...]] = {}
    for row in rows:
        label = row["label"]
        strata.setdefault(row["meta"]["situation"], (label.get("category", ""), label.get("subcategory", "")))
    assignment = assign_situations(strata, seed, val_frac, test_frac)
    splits: dict[str, list[dict[str, Any]]] = {name: [] for name in SPLITS}
    for row in rows:
        splits[assignment[row["meta"]["situation"]]].append(row)
    return splits


def write_splits(
    rows: list[dict[str, Any]], out_dir: str | Path, seed: int, config: GeneratorConfig | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Split `rows` by situation and write out_dir/{train,val,test}.jsonl; returns the splits."""
    config = config or GeneratorConfig()
    splits = split_rows(rows, seed, config.val_frac, config.test_frac)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in splits.items():
        write_rows(out / f"{name}.jsonl", part)
    return splits


def generate_command(argv: list[str]) -> str:
    """The `triage generate` command that rebuilds the same splits anywhere: `argv` without `--out`."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--out":
            skip = True
        elif not arg.startswith("--out="):
            kept.append(shlex.quote(arg))
    return " ".join(["triage generate", *kept])


def write_manifest(out_dir: str | Path, argv: list[str], schema: TicketSchema, counts: dict[str, int]) -> None:
    """OUT/generate.json: the command that made these splits, so a model trained on them can name it."""
    manifest = {
        "command": generate_command(argv),
        "schema_name": schema.name,
        "schema_fingerprint": schema.fingerprint(),
        "rows": counts,
    }
    (Path(out_dir) / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


# ---- exporters ---------------------------------------------------------------------------------------
def export_row(schema: TicketSchema, row: dict[str, Any], fmt: str, explicit: bool = True) -> dict[str, Any]:
    """One row in `fmt`: trl (prompt-completion messages), alpaca or sharegpt; explicit = schema prompt."""
    if fmt == "trl":
        return training_example(schema, row, explicit=explicit)
    instruction = system_prompt(schema) if explicit else (row.get("instruction") or DEFAULT_INSTRUCTION)
    answer = answer_text(schema, row["label"])
    if fmt == "alpaca":
        return {"instruction": instruction, "input": row["text"], "output": answer}
    if fmt == "sharegpt":
        return {
            "conversations": [
                {"from": "system", "value": instruction},
                {"from": "human", "value": row["text"]},
                {"from": "gpt", "value": answer},
            ]
        }
    raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(EXPORT_FORMATS)})")


def export_rows(
    schema: TicketSchema, rows: list[dict[str, Any]], fmt: str, explicit_mix: float = 1.0, seed: int = 0
) -> list[dict[str, Any]]:
    """Export with a seeded share `explicit_mix` of explicit (schema) prompts, the rest the row's instruction."""
    rng = random.Random(seed)
    return [export_row(schema, row, fmt, explicit=rng.random() < explicit_mix) for row in rows]


# ---- command line ------------------------------------------------------------------------------------
def _export_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="triage generate export",
        description="Convert generated rows to a training format: trl (conversational prompt-completion), "
        "alpaca (instruction/input/output) or sharegpt (conversations).",
    )
    parser.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    parser.add_argument(
        "--explicit-mix",
        type=float,
        default=1.0,
        metavar="RATIO",
        help="share of rows prompted with the full schema (as inference does); the rest use "
        "the row's short rotated instruction (default 1.0)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the explicit/implicit draw")
    add_schema_argument(parser)
    parser.add_argument("input", help="rows JSONL (e.g. data/synthetic/train.jsonl)")
    parser.add_argument("output", help="where to write the exported JSONL")
    args = parser.parse_args(argv)
    if not 0 <= args.explicit_mix <= 1:
        parser.error(f"--explicit-mix must be between 0 and 1, got {args.explicit_mix}")
    try:
        schema = load_schema(args.schema)
        rows = read_rows(args.input, schema)
    except (SchemaError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_rows(out, export_rows(schema, rows, args.format, args.explicit_mix, args.seed))
    print(f"exported {len(rows)} rows as {args.format} to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export"]:
        return _export_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="triage generate",
        description="Write seeded synthetic tickets to OUT/{train,val,test}.jsonl, split by base situation. "
        "Use `python -m generating.synthetic export --help` to convert rows to trl/alpaca/sharegpt.",
    )
    parser.add_argument("--n", type=int, required=True, help="number of tickets (all splits together)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed and flags write the same bytes")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for train.jsonl, val.jsonl, test.jsonl")
    add_schema_argument(parser)
    parser.add_argument("--val-frac", type=float, default=0.1, help="share of situations held out for val")
    parser.add_argument("--test-frac", type=float, default=0.1, help="share of situations held out for test")
    noise = parser.add_argument_group("noise rates (probability per ticket)")
    for f in fields(NoiseConfig):
        noise.add_argument(
            f"--noise-{f.name.replace('_', '-')}",
            dest=f"noise_{f.name}",
            type=float,
            metavar="RATE",
            help=f"{f.metadata['help']} (default {f.default})",
        )
    noise.add_argument("--no-noise", action="store_true", help="every rate not given by a flag is 0")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n must be positive, got {args.n}")
    defaults = NoiseConfig.off() if args.no_noise else NoiseConfig()
    rates = {f.name: getattr(args, f"noise_{f.name}") for f in fields(NoiseConfig)}
    rates = {name: getattr(defaults, name) if rate is None else rate for name, rate in rates.items()}
    for name, rate in rates.items():
        if not 0 <= rate <= 1:
            parser.error(f"--noise-{name.replace('_', '-')} must be between 0 and 1, got {rate}")
    config = GeneratorConfig(NoiseConfig(**rates), args.val_frac, args.test_frac)
    try:
        assign_situations({}, 0, config.val_frac, config.test_frac)  # checks the fractions before the work
        schema = load_schema(args.schema)
        situations = fitting_situations(schema)
    except (SchemaError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if len(situations) < len(SITUATIONS):
        print(
            f"note: {len(SITUATIONS) - len(situations)} of {len(SITUATIONS)} situations skipped, their labels "
            f"do not fit schema {schema.name!r}",
            file=sys.stderr,
        )
    rows = generate_rows(schema, args.n, args.seed, config, situations, progress=args.n >= 10_000)
    splits = write_splits(rows, args.out, args.seed, config)
    write_manifest(args.out, argv, schema, {name: len(part) for name, part in splits.items()})
    counts = ", ".join(
        f"{name} {len(part)} ({len({r['meta']['situation'] for r in part})} situations)"
        for name, part in splits.items()
    )
    print(f"wrote {len(rows)} tickets to {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
