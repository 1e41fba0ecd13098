"""`triage export`: prediction results -> the create/update calls of one ITSM, as JSON lines. No network.

    triage predict --input tickets.jsonl --output results.jsonl
    triage export --to servicenow --mapping configs/integrations/servicenow.yaml results.jsonl
    triage export --to jira --mapping configs/integrations/jira.yaml --out calls.jsonl results.jsonl
    triage export --to zoho --mapping configs/integrations/zoho_desk.yaml --id-field zoho_id results.jsonl
    triage export --to sdp --mapping configs/integrations/sdp.yaml --create --texts tickets.jsonl results.jsonl

Input: the JSON lines `triage predict --output` writes (`{"id", "ticket", "confidence", "alternatives",
"status", "reasons", ...}`) or `triage eval --out`'s predictions.jsonl. A line whose `--id-field`
(default `id`) holds the ticket's id in the ITSM (an id exported with the tickets, kept by `triage
import --id-column`) becomes update calls for that ticket; a line without one (or every line, with
`--create`) becomes create calls. `triage predict` gives a ticket without an id its line number, which is
no ITSM id: use `--create` for tickets that are not in the ITSM yet. A create's description is the
ticket's text: the line's own "text", or the row with the same "id" in `--texts` (the file given to
`triage predict --input`). `{"id", "error"}` lines (tickets predict failed on) are skipped and counted.

Output: one JSON line per call, `{"system", "ticket_id", "ref", "action", "status", "method", "path",
"json" | "form"}` (see integrations/payloads.py), in input order; `ref` is the result's id. A call after a
create has `{id}` in its path: the id the create answers. What each field becomes is the mapping's
business (configs/integrations/*.yaml, docs/integrations.md). Sending the calls is `triage serve`'s
write-back (dry run by default); this command only writes them down.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from integrations.mapping import SYSTEMS, Mapping, load_mapping
from integrations.payloads import ItsmCall, build_calls
from ticket_triage.dataset import DataError, jsonl_lines, problems_listed
from ticket_triage.schema import add_schema_argument, load_schema


def export_calls(
    mapping: Mapping,
    path: str | Path,
    id_field: str = "id",
    create: bool = False,
    texts: dict[Any, str] | None = None,
) -> tuple[list[ItsmCall], int]:
    """The calls for every result line of `path`, and how many error lines were skipped.

    Every bad line is a problem naming `path:line` and the field; all of them raise one DataError."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such results file (write one with `triage predict --output FILE`)")
    calls: list[ItsmCall] = []
    problems: list[str] = []
    skipped = 0
    for line_no, line in jsonl_lines(path):
        try:
            row = _result_row(line)
            if row is None:
                skipped += 1  # a ticket `triage predict` failed on: nothing to write
                continue
            ticket_id = None if create else _ticket_id(row, id_field)
            text = None
            if ticket_id is None:
                text = row["text"] if isinstance(row.get("text"), str) else (texts or {}).get(row.get("id"))
            calls += build_calls(mapping, row, ticket_id=ticket_id, text=text, ref=row.get("id", line_no))
        except DataError as e:
            problems.append(f"{path}:{line_no}: {e}")
    if problems:
        raise DataError(problems_listed(f"{len(problems)} bad line(s) in {path}", problems))
    return calls, skipped


def _result_row(line: str) -> dict[str, Any] | None:
    """A results line as an object; None for an `{"id", "error"}` line (a ticket predict failed on)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as e:
        raise DataError(f"not JSON ({e.msg})") from None
    if not isinstance(row, dict):
        raise DataError('not a triage result: a line is a JSON object with "ticket" and "status"')
    return None if "error" in row and "ticket" not in row else row


def _ticket_id(row: dict[str, Any], id_field: str) -> str | None:
    """The ITSM id a result line carries in `id_field`, or None (then it is a create)."""
    value = row.get(id_field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DataError(f"{id_field}: a ticket id is a string or an integer, got {value!r}")
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="triage export",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("results", help="results JSONL (`triage predict --output`, `triage eval --out` predictions)")
    parser.add_argument("--to", required=True, choices=SYSTEMS, help="the ITSM the calls are for")
    parser.add_argument("--mapping", required=True, metavar="FILE", help="its mapping (configs/integrations/*.yaml)")
    add_schema_argument(parser)
    parser.add_argument("--out", metavar="FILE", help="write the calls here instead of stdout")
    parser.add_argument(
        "--id-field", default="id", metavar="KEY", help="the result key holding the ITSM ticket id (default: id)"
    )
    parser.add_argument("--create", action="store_true", help="create every ticket (ignore ids)")
    parser.add_argument(
        "--texts", metavar="FILE", help="the tickets given to `triage predict --input`: creates get their text"
    )
    args = parser.parse_args(argv)

    schema = load_schema(args.schema)
    mapping = load_mapping(args.mapping, schema)
    if mapping.system != args.to:
        raise DataError(f"{args.mapping}: system: the mapping is for {mapping.system!r}, but --to is {args.to!r}")
    texts = None
    if args.texts:
        from inference.predict import read_tickets  # the reader `triage predict --input` uses (ids included)

        texts = dict(read_tickets(args.texts))
    calls, skipped = export_calls(mapping, args.results, args.id_field, args.create, texts)

    out = open(args.out, "w", encoding="utf-8", newline="\n") if args.out else sys.stdout
    try:
        for call in calls:
            out.write(json.dumps(call.to_dict(), ensure_ascii=False) + "\n")
    finally:
        if args.out:
            out.close()
    actions = {a: sum(c.action == a for c in calls) for a in ("create", "update", "note")}
    where = f" to {args.out}" if args.out else ""
    note = f"; skipped {skipped} error line(s)" if skipped else ""
    counts = ", ".join(f"{n} {a}" for a, n in actions.items() if n)
    print(f"[export] {len(calls)} {args.to} call(s) ({counts}){where}{note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
