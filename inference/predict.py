"""`triage predict`: tickets in, schema-valid JSON tickets out.

    triage predict "VPN drops every ten minutes"                   # one ticket, one JSON result
    triage predict --ticket-only "Outlook crashes on attachments"   # only the ticket object
    triage predict --input tickets.jsonl --output results.jsonl     # JSONL rows with "text" (or .txt lines)
    echo "printer on 3rd floor jams" | triage predict               # stdin is one ticket
    triage predict --input tickets.jsonl --output results.jsonl --resume   # go on after a crash or kill

Each result row carries its input row's `id` (or the line number of a row without one). Results are
written as they are done, so an interrupted run keeps its work; a ticket the model fails on gets an
`{"id", "error"}` row, the others their results, and the command exits 1 naming the failed ones.

`--model` takes an alias (smollm2-135m), a local model folder, an adapter bundle or a hub id; the
default is the shipped adapter when one exists, else the offline base model. `openai:NAME` sends the
tickets to NAME on an OpenAI-compatible server instead (OpenAI, vLLM, llama.cpp, Ollama; zero-shot,
same prompt and result type; see docs/scaling_with_vllm.md):

    triage predict --model openai:itsm --base-url http://localhost:8000/v1 --concurrency 8 --input t.jsonl
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inference.loader import add_model_arguments, load_triager
from ticket_triage.dataset import DataError, jsonl_lines
from ticket_triage.prompt import text_problem


def _stdin_bytes() -> bytes:
    """Standard input as bytes, so that its encoding is checked like a file's (a test's StringIO has no buffer)."""
    stream = getattr(sys.stdin, "buffer", None)
    return stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogatepass")


def read_tickets(path: str) -> list[tuple[Any, str]]:
    """(id, text) of every ticket in a JSONL file (rows with "text", and "id" if they have one), a plain
    text file (one ticket per line) or '-' (stdin); a ticket without an id gets its line number.

    Lines are read by `jsonl_lines` (records end at "\\n" only). Every problem is a DataError naming
    the line, before any ticket is triaged.
    """
    stream = io.BytesIO(_stdin_bytes()) if path == "-" else None
    tickets = []
    for line_no, line in jsonl_lines(path, stream):
        ident: Any = line_no
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{line_no}: not JSON ({e.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise DataError(f"{path}:{line_no}: row has no string field 'text'")
            line, ident = row["text"], row.get("id", line_no)
        if problem := text_problem(line):
            raise DataError(f"{path}:{line_no}: text: {problem}")
        tickets.append((ident, line))
    return tickets


def read_texts(path: str) -> list[str]:
    """The ticket texts of `read_tickets(path)`."""
    return [text for _, text in read_tickets(path)]


def input_tickets(args: argparse.Namespace, missing: Callable[[str], Any]) -> list[tuple[Any, str]]:
    """(id, text) of the tickets a predict command was given: `--input FILE`, text arguments, or stdin.

    Tickets from arguments or stdin are numbered from 1.
    """
    if args.input:
        return read_tickets(args.input)
    if not args.text:
        if sys.stdin.isatty():
            missing("give ticket text, --input FILE, or pipe a ticket on stdin")
        try:
            text = _stdin_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            raise DataError(f"stdin: not UTF-8 text (byte {e.start + 1})") from None
        if problem := text_problem(text):
            raise DataError(f"stdin: {problem}")
        return [(1, text)]
    for i, text in enumerate(args.text, 1):  # each argument is one ticket: quote a ticket that has spaces
        # Bytes that are not UTF-8 reach argv as lone surrogates (Python's surrogateescape).
        if problem := text_problem(text):
            raise DataError(f"ticket argument {i}: {problem}")
    return list(enumerate(args.text, 1))


def completed_results(output: str) -> int:
    """How many results an interrupted run left in `output`; a line cut off by the interruption is removed."""
    path = Path(output)
    if not path.is_file():
        return 0
    data = path.read_bytes()
    whole = data.rfind(b"\n") + 1
    if whole < len(data):
        with path.open("r+b") as fh:
            fh.truncate(whole)
    return data[:whole].count(b"\n")


def predict_isolated(engine: Any, texts: list[str], classification_only: bool, batch_size: int) -> list[Any]:
    """One result per text, or the exception that text raised: a failing batch is retried one ticket at
    a time, so one bad ticket costs only its own result."""
    try:
        return engine.predict_batch(
            texts, classification_only=classification_only, progress=False, batch_size=batch_size
        )
    except Exception as e:  # noqa: BLE001 -- reported per ticket below, never lost silently
        if len(texts) == 1:
            return [e]
        return [o for text in texts for o in predict_isolated(engine, [text], classification_only, batch_size)]


def write_results(
    engine: Any,
    tickets: list[tuple[Any, str]],
    output: str | None,
    classification_only: bool,
    batch_size: int,
    ticket_only: bool = False,
    pretty: bool = False,
    done: int = 0,
) -> int:
    """Triage `tickets[done:]` and write one JSON line per result (or only its ticket) to `output` or
    stdout, as each chunk finishes; returns the exit status (1 when a ticket failed).

    A crash or a kill keeps what was written (`done` continues after it); a ticket the engine fails
    on gets an `{"id", "error"}` row and the others go on.
    """
    from tqdm.auto import tqdm

    out = open(output, "a" if done else "w", encoding="utf-8") if output else sys.stdout
    chunk = max(1, batch_size) * 4
    failed: list[Any] = []
    show = len(tickets) - done > 1 or bool(output)
    try:
        with tqdm(total=len(tickets), initial=done, unit="ticket", desc="triage", disable=not show) as bar:
            for start in range(done, len(tickets), chunk):
                part = tickets[start : start + chunk]
                outcomes = predict_isolated(engine, [t for _, t in part], classification_only, batch_size)
                if len(part) > 1 and all(isinstance(o, Exception) for o in outcomes):
                    # Every ticket failing on its own is the model's fault, not the tickets': stop, with
                    # nothing written for this chunk, so --resume starts here once it is fixed.
                    print(
                        f"error: all {len(part)} tickets from number {start + 1} failed "
                        f"({type(outcomes[0]).__name__}: {outcomes[0]}); stopped"
                        + (f", {start} results are in {output} (--resume continues)" if output else ""),
                        file=sys.stderr,
                    )
                    return 1
                for (ident, _), outcome in zip(part, outcomes):
                    if isinstance(outcome, Exception):
                        failed.append(ident)
                        payload: Any = {"id": ident, "error": f"{type(outcome).__name__}: {outcome}"}
                    else:
                        payload = outcome.ticket if ticket_only else {"id": ident, **outcome.to_dict()}
                    out.write(json.dumps(payload, ensure_ascii=False, indent=2 if pretty else None) + "\n")
                out.flush()
                bar.update(len(part))
    finally:
        if output:
            out.close()
    if output:
        kept = f" ({done} kept from the earlier run)" if done else ""
        print(f"wrote {len(tickets) - done} results to {output}{kept}", file=sys.stderr)
    if failed:
        shown = ", ".join(map(str, failed[:10])) + (" ..." if len(failed) > 10 else "")
        print(f'error: {len(failed)} ticket(s) failed (id or line: {shown}); see their "error" rows', file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="triage predict",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("text", nargs="*", help="ticket text(s); none reads stdin")
    parser.add_argument("--input", help="JSONL/text file of tickets, or - for stdin (one per line)")
    parser.add_argument("--output", help="write results as JSONL here instead of stdout")
    parser.add_argument("--ticket-only", action="store_true", help="print only the JSON ticket, not the result")
    parser.add_argument(
        "--classification-only", action="store_true", help="skip free-text fields (summary): several times faster"
    )
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run: keep the results already in --output and triage only the rest",
    )
    add_model_arguments(parser)
    args = parser.parse_args(argv)
    if args.resume and (not args.output or args.pretty):
        parser.error("--resume needs --output, without --pretty (it counts one result per line)")

    tickets = input_tickets(args, parser.error)
    done = completed_results(args.output) if args.resume else 0
    if done > len(tickets):
        raise DataError(f"{args.output} holds {done} results but the input has {len(tickets)} tickets: another input?")
    engine = load_triager(args, args.model)
    return write_results(
        engine,
        tickets,
        args.output,
        args.classification_only,
        args.batch_size,
        ticket_only=args.ticket_only,
        pretty=args.pretty,
        done=done,
    )


if __name__ == "__main__":
    sys.exit(main())
