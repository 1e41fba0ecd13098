"""The noise of the synthetic generator: what real tickets do to text, each kind with its own rate.

`NoiseConfig` holds the rate per kind (`triage generate --noise-<kind> RATE`, `--no-noise`). The kinds
that act on the finished text live here (typos, chat style, Spanish/English mixing, casing); the ones
that change what a ticket says (pasted errors, PII, forwarded mail, short, long, a second issue) are
part of composing it, in generating/compose.py.

    rng = random.Random(1)
    add_typos("The printer on the third floor jams", rng)   # 'The printer on the third floor jas'
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, fields

from generating.situations import CHAT_SWAPS, SPANISH_SWAPS


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
