"""One synthetic ticket from a base situation: scope and urgency (they fix the priority), a layout around
one of the situation's bodies, context, slot values, and noise.

    text, priority, summary, noise = compose_ticket(situation, random.Random(1), NoiseConfig(), situations)

The steps are numbered in generating/synthetic.py's docstring; the words come from generating/situations/.
Priority is never drawn: `PRIORITY` derives it from the scope and urgency whose phrases go into the text,
so the text always justifies the label. Everything random comes from the `rng` passed in.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field, fields

from generating.situations import (
    AGENT_LOGS,
    CHAT_ENDINGS,
    CHAT_GREETINGS,
    CLOSINGS,
    DISCLAIMERS,
    FIRST_NAMES,
    FORM_HEADINGS,
    GREETINGS,
    IMPACT,
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
    SPANISH_ASIDES,
    SPANISH_CLOSINGS,
    SPANISH_GREETINGS,
    SPANISH_INCIDENT_ASIDES,
    TRIED,
    URGENCY_DEADLINE,
    URGENCY_LOW,
    URGENCY_NORMAL,
    WHERE_CONTEXT,
    Situation,
)
from generating.text_noise import NoiseConfig, add_typos, change_casing, chat_style, spanish_swaps

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
