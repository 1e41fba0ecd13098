"""The words of the synthetic generator: base situations, slot values and the phrases tickets are built from.

`generating/synthetic.py` (with compose.py and text_noise.py) is the machinery; this package is data:
one module per category (access.py, hardware.py, software.py, network.py, collaboration.py,
security.py, infrastructure.py), vocabulary.py for the words all situations share, base.py for
`Situation` and the builder. Each `situation(...)` is one thing that happens at an IT service desk,
written for the default taxonomy (configs/schema/itsm_default.yaml), which also gives each subcategory
its category:

    situation(id, subcategory, impacts, summary, short, bodies, group=..., request=..., **slots)

- `impacts`: the scopes the situation can plausibly have, as letters: m (minor: one user with a
  workaround, a question, a cosmetic issue), u (one user impaired or blocked), t (a team blocked),
  o (production, a site or the whole company down). The first letter is the scope the body implies
  on its own, used when the ticket states no scope. Priority is derived from scope x urgency in
  compose.py, never written here, so the text always justifies it.
- `summary`: the label's summary, an English sentence template (<= 120 characters once filled).
- `short`: the few words a user types when in a hurry ("vpn broken again").
- `bodies`: several phrasings of the problem, first person, scope-neutral (the scope phrase is added).
- `{slot}` placeholders draw from the situation's own `slots` first, then from `POOLS`. One value
  per slot per ticket, so body, summary and pasted error agree.
- `error=[...]`: what the screen or the log says, for incidents that show an error; the error-trace
  noise pastes one of them (a one-line message or a multi-line log).
- `group=`: the assignment group when it is not the subcategory's `DEFAULT_GROUP` (base.py); the
  schema must allow it for the category, or the import fails.

Add a situation: copy a neighbour in its category's module, give it a new id, run
`pytest tests/test_synthetic.py`. The order of the lists is part of the output: keep it.
"""

from __future__ import annotations

from generating.situations.access import ACCESS
from generating.situations.base import (
    DEFAULT_GROUP,
    SCOPES,
    VOICES,
    Situation,
    category_of,
    default_category_of,
    default_schema,
    situation,
)
from generating.situations.collaboration import COLLABORATION
from generating.situations.hardware import HARDWARE
from generating.situations.infrastructure import INFRASTRUCTURE
from generating.situations.network import NETWORK
from generating.situations.security import SECURITY
from generating.situations.software import SOFTWARE
from generating.situations.vocabulary import (
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
)

SITUATIONS: list[Situation] = ACCESS + HARDWARE + SOFTWARE + NETWORK + COLLABORATION + SECURITY + INFRASTRUCTURE

__all__ = [
    "ACCESS",
    "AGENT_LOGS",
    "CHAT_ENDINGS",
    "CHAT_GREETINGS",
    "CHAT_SWAPS",
    "CLOSINGS",
    "COLLABORATION",
    "DEFAULT_GROUP",
    "DISCLAIMERS",
    "FIRST_NAMES",
    "FORM_HEADINGS",
    "GREETINGS",
    "HARDWARE",
    "IMPACT",
    "INFRASTRUCTURE",
    "INSTRUCTIONS",
    "LAST_NAMES",
    "LONG_EXTRAS",
    "MULTI_CONNECTORS",
    "NETWORK",
    "OPENERS",
    "PII_SENTENCES",
    "POOLS",
    "REQUEST_CONTEXT",
    "SCOPES",
    "SECURITY",
    "SHORT_FILLERS",
    "SHORT_TAILS",
    "SIGNATURES",
    "SINCE_CONTEXT",
    "SITUATIONS",
    "SOFTWARE",
    "SPANISH_ASIDES",
    "SPANISH_CLOSINGS",
    "SPANISH_GREETINGS",
    "SPANISH_INCIDENT_ASIDES",
    "SPANISH_SWAPS",
    "Situation",
    "TRIED",
    "URGENCY_DEADLINE",
    "URGENCY_LOW",
    "URGENCY_NORMAL",
    "VOICES",
    "WHERE_CONTEXT",
    "category_of",
    "default_category_of",
    "default_schema",
    "situation",
]
