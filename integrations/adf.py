"""Atlassian Document Format (ADF), both directions, for Jira Cloud's REST v3.

Jira Cloud v3 takes and returns rich text (an issue's `description`, a comment's `body`) as an ADF
document, not a string: `{"type": "doc", "version": 1, "content": [block nodes]}`.
Reference: https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/

- `to_adf(text)`: plain text -> a document we write (outbound): one `paragraph` per blank-line-separated
  block, a `hardBreak` for each single newline inside a block. Nothing else: a note we write is plain text,
  and plain paragraphs are what every ADF renderer accepts.
- `to_text(doc)`: a document Jira sends (a webhook's description) -> plain text for triage (inbound):
  paragraphs, headings, lists, block quotes, code blocks, tables and panels become lines; `hardBreak` a
  newline; `mention`, `emoji`, `inlineCard`, `date`, `status` their visible text. An unknown node
  contributes its nested text, so a node type Atlassian adds later loses its formatting, never its words.

    >>> to_text(to_adf("VPN drops\\nevery ten minutes\\n\\nSince Monday"))
    'VPN drops\\nevery ten minutes\\n\\nSince Monday'
"""

from __future__ import annotations

import re
from typing import Any

# Nodes that hold other blocks: their children are blocks, separated like top-level blocks.
_CONTAINERS = {
    "doc",
    "blockquote",
    "panel",
    "expand",
    "nestedExpand",
    "layoutSection",
    "layoutColumn",
    "bodiedExtension",
}
# Nodes that are one block of inline content (one paragraph of the output).
_TEXT_BLOCKS = {"paragraph", "heading", "codeBlock"}
_INLINE = {"text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status", "mediaInline", "placeholder"}


def to_adf(text: str) -> dict[str, Any]:
    """Plain text -> an ADF `doc`: paragraphs from blank-line-separated blocks, hard breaks for single newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    content: list[dict[str, Any]] = []
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        if not block.strip():
            continue
        lines = block.split("\n")
        inline: list[dict[str, Any]] = []
        for i, line in enumerate(lines):
            if i:
                inline.append({"type": "hardBreak"})
            if line:  # ADF rejects an empty text node
                inline.append({"type": "text", "text": line})
        content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}


def to_text(doc: dict[str, Any] | None) -> str:
    """An ADF document (or any ADF node) -> plain text; blocks are separated by a blank line."""
    if not isinstance(doc, dict):
        return ""
    return "\n\n".join(b for b in _blocks(doc) if b.strip()).strip()


def _blocks(node: dict[str, Any]) -> list[str]:
    """The text blocks of a block-level node, in document order."""
    kind = node.get("type")
    children = [c for c in node.get("content") or [] if isinstance(c, dict)]
    if kind in _TEXT_BLOCKS:
        return [_inline(node)]
    if kind in ("bulletList", "orderedList"):
        start = int((node.get("attrs") or {}).get("order", 1) or 1)
        lines = []
        for i, item in enumerate(children):
            marker = f"{start + i}." if kind == "orderedList" else "-"
            body = "\n".join(_blocks(item)).replace("\n", "\n  ")  # nested lines stay under their item
            lines.append(f"{marker} {body}")
        return ["\n".join(lines)]
    if kind == "listItem":
        return [b for c in children for b in _blocks(c)]
    if kind == "table":
        rows = [" | ".join(" ".join(_blocks(cell)) for cell in row.get("content") or []) for row in children]
        return ["\n".join(rows)]
    if kind == "rule":
        return []
    if kind in _CONTAINERS or any(c.get("type") not in _INLINE for c in children):
        return [b for c in children for b in _blocks(c)]
    # an unknown node holding inline content (or a lone inline node): its text is one block
    return [_inline(node)]


def _inline(node: dict[str, Any]) -> str:
    """The text of one inline node, or of a node's inline children joined."""
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        name = str(attrs.get("text") or attrs.get("id") or "")
        return name if name.startswith("@") else f"@{name}"
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "inlineCard":
        return str(attrs.get("url") or "")
    if kind in ("status", "placeholder"):
        return str(attrs.get("text") or "")
    if kind == "date":
        return str(attrs.get("timestamp") or "")
    parts = []
    for child in node.get("content") or []:
        if isinstance(child, dict):
            parts.append(_inline(child) if child.get("type") in _INLINE else "\n".join(_blocks(child)))
    return "".join(parts)
