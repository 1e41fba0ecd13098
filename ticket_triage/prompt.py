"""The prompt contract: the only place that decides what the model reads and writes.

Training renders rows through `training_example()`, inference through `build_messages()` and
`answer_prefix()`. Both use `answer_text()` for the JSON the model writes, so the format the adapter
learns and the format the decoder forces cannot drift apart, and both pass a ticket's text through
`render_ticket()` (cut to length, control tokens escaped), so the model reads the same string.

Two prompt styles:
- explicit: the system prompt lists every field, its allowed values and the rules (inference
  always uses this; the schema is injected, never implied);
- implicit: a short rotated instruction stored with the row. Training mixes both (the profile's
  `explicit_ratio`), because the explicit prompt is ~10x longer and dominates CPU training time.

    python -m ticket_triage.prompt "VPN drops every ten minutes"   # show the rendered messages
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import sys
from typing import Any

from ticket_triage.schema import TicketSchema, add_schema_argument, load_schema

PROMPT_VERSION = "1"
# Tickets longer than this are cut, in training and at inference alike, so that the answer always
# fits the training sequence and a 50,000-character paste cannot stall the service.
DEFAULT_MAX_INPUT_TOKENS = 512

EXPLICIT_SYSTEM = (
    "You triage IT support tickets. Read the ticket and answer with one JSON object that has exactly "
    "these fields, in this order:\n{fields}\nAnswer with the JSON object only."
)
DEFAULT_INSTRUCTION = "Triage this IT support ticket into a JSON ticket."

Message = dict[str, str]


def join_ticket_text(parts: list[str | None]) -> str:
    """One ticket text from its parts (subject, description, ...), as the importer and the API build it.

    Each part is stripped and "\r\n" becomes "\n" (Windows exports keep it inside quoted cells; the
    model should see one kind of newline); empty parts are dropped and the rest joined by newlines.
    """
    cleaned = ((p or "").replace("\r\n", "\n").replace("\r", "\n").strip() for p in parts)
    return "\n".join(p for p in cleaned if p)


def text_problem(text: str) -> str | None:
    """Why a ticket text cannot be used, or None when it can: the one check of every edge.

    A JSON string may carry a lone surrogate (`"\\ud800"`): Python accepts it, but it is not
    Unicode, and the tokenizer raised TypeError on it, failing every ticket batched with it. The
    CLI, the service and the data reader all reject such a text with this message, naming where.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return (
            f"character {e.start} is {ascii(text[e.start])}, half of a UTF-16 surrogate pair without its other "
            "half, which is not Unicode text (fix the encoding where the ticket was exported)"
        )
    return None


def truncate_text(tokenizer: Any, text: str, max_tokens: int) -> tuple[str, int]:
    """Cut a ticket to `max_tokens` tokens, as training and inference both must; returns (text, original length)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) <= max_tokens:
        return text, len(ids)
    return tokenizer.decode(ids[:max_tokens]), len(ids)


@functools.lru_cache(maxsize=8)
def _special_pattern(specials: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(map(re.escape, specials))) if specials else None


def special_token_pattern(tokenizer: Any) -> re.Pattern[str] | None:
    """A pattern matching the tokenizer's control tokens (`<|im_end|>`, ...), longest first."""
    return _special_pattern(
        tuple(sorted(set(getattr(tokenizer, "all_special_tokens", None) or []), key=len, reverse=True))
    )


def render_ticket(tokenizer: Any, text: str, max_tokens: int) -> tuple[str, int]:
    """The ticket text the model reads, in training and at inference alike; (text, length in tokens before cutting).

    Cut to `max_tokens` tokens, then every control token spelled in the ticket ("<|im_end|>") is broken
    with a zero-width space, so that a ticket cannot end its own turn and is read as text. Training
    once escaped nothing, so such a ticket was trained on one string and predicted on another.
    """
    text, length = truncate_text(tokenizer, text, max_tokens)
    pattern = special_token_pattern(tokenizer)
    if pattern is not None:
        text = pattern.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)
    return text, length


def cut_on_word(text: str, max_chars: int) -> str:
    """Whitespace squashed, then cut to `max_chars` on a word boundary: how every backend fits a
    free-text field (a decoded summary, a remote model's answer, a baseline's placeholder) to its length."""
    value = " ".join(text.split())
    if len(value) > max_chars:
        head = value[:max_chars]
        value = head.rsplit(" ", 1)[0] if " " in head else head
    return value.strip()


def system_prompt(schema: TicketSchema) -> str:
    return EXPLICIT_SYSTEM.format(fields=schema.prompt_text())


def build_messages(schema: TicketSchema, text: str, instruction: str | None = None) -> list[Message]:
    """Chat messages for one ticket: explicit schema prompt unless an `instruction` is given."""
    system = instruction if instruction else system_prompt(schema)
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


def answer_text(schema: TicketSchema, ticket: dict[str, Any]) -> str:
    """The JSON the model writes: fields in schema order, compact one-line JSON."""
    return json.dumps({name: ticket[name] for name in schema.field_names}, ensure_ascii=False)


def answer_prefix(schema: TicketSchema, chosen: dict[str, Any], next_field: str) -> str:
    """The answer text up to the opening quote of `next_field`'s value.

    Built with the same `json.dumps` as `answer_text`, so for any ticket
    `answer_text(t).startswith(answer_prefix(t_so_far, f))` holds.
    """
    ordered = {name: chosen[name] for name in schema.field_names if name in chosen}
    head = json.dumps(ordered, ensure_ascii=False)[:-1]  # drop the closing brace
    sep = ", " if ordered else ""
    return f'{head}{sep}{json.dumps(next_field)}: "'


def training_example(schema: TicketSchema, row: dict[str, Any], explicit: bool = True) -> dict[str, list[Message]]:
    """One JSONL row -> TRL's conversational prompt-completion format (loss on the completion)."""
    instruction = None if explicit else (row.get("instruction") or DEFAULT_INSTRUCTION)
    return {
        "prompt": build_messages(schema, row["text"], instruction),
        "completion": [{"role": "assistant", "content": answer_text(schema, row["label"])}],
    }


def training_examples(
    schema: TicketSchema, rows: list[dict[str, Any]], explicit_ratio: float, seed: int = 0
) -> list[dict[str, list[Message]]]:
    """Render rows with a seeded mix of explicit and implicit prompts."""
    rng = random.Random(seed)
    return [training_example(schema, row, explicit=rng.random() < explicit_ratio) for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ticket_triage.prompt", description=__doc__.split("\n\n")[0])
    parser.add_argument("text", help="ticket text")
    add_schema_argument(parser)
    args = parser.parse_args(argv)
    schema = load_schema(args.schema)
    for message in build_messages(schema, args.text):
        print(f"--- {message['role']}\n{message['content']}")
    print(f"--- assistant (decoder starts here)\n{answer_prefix(schema, {}, schema.field_names[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
