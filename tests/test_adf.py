"""Atlassian Document Format both ways: what a Jira description/comment we write looks like, and the text
triage reads out of what Jira sends."""

from __future__ import annotations

from integrations.adf import to_adf, to_text


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def paragraph(*inline: dict) -> dict:
    return {"type": "paragraph", "content": list(inline)}


def test_to_adf_paragraphs_from_blank_lines_and_hard_breaks_from_single_newlines():
    doc = to_adf("VPN drops\nevery ten minutes\n\n\nSince Monday\r\n")
    assert doc == {
        "type": "doc",
        "version": 1,
        "content": [
            paragraph(text("VPN drops"), {"type": "hardBreak"}, text("every ten minutes")),
            paragraph(text("Since Monday")),
        ],
    }


def test_to_adf_writes_no_empty_text_node():
    # ADF rejects {"type": "text", "text": ""}: an empty line inside a block is a bare hard break
    doc = to_adf("a\n \nb")
    assert all(n.get("text") != "" for p in doc["content"] for n in p["content"])
    assert to_adf("") == {"type": "doc", "version": 1, "content": []}


def test_round_trip_keeps_the_text():
    original = "Outlook crashes\non attachments\n\nSince the update"
    assert to_text(to_adf(original)) == original


def test_to_text_reads_what_jira_sends():
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [text("Printer jam")]},
            paragraph(
                text("Hi "),
                {"type": "mention", "attrs": {"id": "5b10a2844c20165700ede21g", "text": "@Ann"}},
                text(" "),
                {"type": "emoji", "attrs": {"shortName": ":warning:", "text": "⚠️"}},
                {"type": "hardBreak"},
                text("see "),
                {"type": "inlineCard", "attrs": {"url": "https://wiki.example.com/printers"}},
            ),
            {
                "type": "bulletList",
                "content": [
                    {"type": "listItem", "content": [paragraph(text("3rd floor"))]},
                    {"type": "listItem", "content": [paragraph(text("since Monday"))]},
                ],
            },
            {
                "type": "orderedList",
                "attrs": {"order": 1},
                "content": [{"type": "listItem", "content": [paragraph(text("power cycle"))]}],
            },
            {"type": "codeBlock", "attrs": {"language": "text"}, "content": [text("ERR 0x42\nline 2")]},
            {"type": "rule"},
            {"type": "panel", "attrs": {"panelType": "info"}, "content": [paragraph(text("in a panel"))]},
        ],
    }
    assert to_text(doc) == (
        "Printer jam\n\n"
        "Hi @Ann ⚠️\nsee https://wiki.example.com/printers\n\n"
        "- 3rd floor\n- since Monday\n\n"
        "1. power cycle\n\n"
        "ERR 0x42\nline 2\n\n"
        "in a panel"
    )


def test_an_unknown_node_contributes_its_nested_text():
    doc = {"type": "doc", "version": 1, "content": [{"type": "futureBlock", "content": [text("kept words")]}]}
    assert to_text(doc) == "kept words"
    nested = {
        "type": "doc",
        "content": [{"type": "futureBlock", "content": [paragraph(text("a")), paragraph(text("b"))]}],
    }
    assert to_text(nested) == "a\n\nb"


def test_to_text_of_nothing_is_empty():
    assert to_text(None) == "" and to_text({}) == "" and to_text({"type": "doc", "content": []}) == ""
