"""`triage predict`: tickets in, schema-valid JSON tickets out.

    triage predict "VPN drops every ten minutes"                   # one ticket, one JSON result
    triage predict --ticket-only "Outlook crashes on attachments"   # only the ticket object
    triage predict --input tickets.jsonl --output results.jsonl     # JSONL rows with "text" (or .txt lines)
    echo "printer on 3rd floor jams" | triage predict               # stdin is one ticket

`--model` takes an alias (smollm2-135m), a local model folder, an adapter bundle or a hub id; the
default is the shipped adapter when one exists, else the offline base model. `openai:NAME` sends the
tickets to NAME on an OpenAI-compatible server instead (OpenAI, vLLM, llama.cpp, Ollama; zero-shot,
same prompt and result type; see docs/scaling_with_vllm.md):

    triage predict --model openai:itsm --base-url http://localhost:8000/v1 --concurrency 8 --input t.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ticket_triage.models import default_model
from ticket_triage.schema import add_schema_argument

OPENAI_PREFIX = "openai:"


def add_model_arguments(parser: argparse.ArgumentParser, multiple: bool = False) -> None:
    """The flags every command that loads a model shares; `multiple` lets --model repeat."""
    parser.add_argument(
        "--model",
        default=None,
        action="append" if multiple else "store",
        help="alias, model folder, adapter bundle or hub id (default: the shipped adapter, "
        "else smollm2-135m)" + ("; repeat for a side-by-side table" if multiple else ""),
    )
    add_schema_argument(parser)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--load-in-4bit", action="store_true", help="load the base model in 4-bit (bitsandbytes)")
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=("auto", "float32", "bfloat16", "float16"),
        help="auto: fp32 on a CPU (reproducible: a ticket gets the same answer in any batch), "
        "bf16 on GPUs that have it, else fp16; bfloat16 is ~2x faster on CPUs with AMX",
    )
    parser.add_argument(
        "--review-threshold",
        type=_threshold,
        action="append",
        default=None,
        metavar="[FIELD=]P",
        help="send a ticket to review when a field's confidence is below P; FIELD=P for one "
        "field, repeatable (default: each field's review_threshold in the schema config)",
    )
    parser.add_argument("--max-input-tokens", type=int, default=None, help="truncate longer tickets (default 512)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=16,
        help="tickets decoded together (default 16); larger is faster per ticket, needs more memory",
    )
    remote = parser.add_argument_group("openai:NAME models (an OpenAI-compatible server)")
    remote.add_argument(
        "--base-url",
        default=None,
        help="server URL, e.g. http://localhost:8000/v1 "
        "(default: $OPENAI_BASE_URL, else api.openai.com); the key is read from $OPENAI_API_KEY",
    )
    remote.add_argument("--concurrency", type=int, default=8, help="requests in flight at once (default 8)")
    remote.add_argument("--timeout", type=float, default=60.0, help="seconds per request before a retry")


def _threshold(value: str) -> tuple[str | None, float]:
    name, _, number = value.rpartition("=")
    try:
        p = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not P or FIELD=P") from None
    if not 0 <= p <= 1:
        raise argparse.ArgumentTypeError(f"{value!r}: P must be from 0 to 1")
    return name or None, p


def load_engine(args: argparse.Namespace, model: str | None = None):  # -> TriageEngine | OpenAIBackend (lazy)
    """The engine `--model` names, with the shared flags applied: a local model, or `openai:NAME`."""
    from ticket_triage.schema import load_schema

    kwargs: dict = {}
    if args.review_threshold:
        thresholds: dict[str, float] = {}
        for name, value in args.review_threshold:
            if name is None:
                kwargs["review_threshold"] = value
            else:
                thresholds[name] = value
        if thresholds:
            schema = load_schema(args.schema)
            unknown = sorted(set(thresholds) - {f.name for f in schema.enum_fields})
            if unknown:
                raise SystemExit(f"error: --review-threshold: {unknown} are not enum fields of schema {schema.name!r}")
            everywhere = kwargs.get("review_threshold")
            if everywhere is not None:  # `0.6 category=0.8`: 0.6 for every field but category
                thresholds = {f.name: everywhere for f in schema.enum_fields} | thresholds
            kwargs["review_threshold"] = thresholds
    if args.max_input_tokens is not None:
        kwargs["max_input_tokens"] = args.max_input_tokens
    if model and model.startswith(OPENAI_PREFIX):
        from inference.openai_backend import OpenAIBackend

        return OpenAIBackend(
            model[len(OPENAI_PREFIX) :],
            load_schema(args.schema),
            base_url=args.base_url,
            timeout=args.timeout,
            concurrency=args.concurrency,
            review_threshold=kwargs.get("review_threshold"),
        )
    from inference.baselines import is_baseline, load_baseline

    if model and is_baseline(model):  # a folder from `triage baseline fit`
        return load_baseline(model, schema=load_schema(args.schema), review_threshold=kwargs.get("review_threshold"))
    from inference.engine import TriageEngine

    return TriageEngine.load(
        model or default_model(),
        schema=load_schema(args.schema),
        device=args.device,
        load_in_4bit=args.load_in_4bit,
        dtype=args.dtype,
        **kwargs,
    )


def read_texts(path: str) -> list[str]:
    """Ticket texts from a JSONL file (rows with "text"), a plain text file (one per line) or '-' (stdin)."""
    lines = sys.stdin.read().splitlines() if path == "-" else Path(path).read_text(encoding="utf-8").splitlines()
    texts = []
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise SystemExit(f"error: {path}:{line_no}: not JSON ({e.msg})") from None
            if not isinstance(row.get("text"), str):
                raise SystemExit(f"error: {path}:{line_no}: row has no string field 'text'")
            texts.append(row["text"])
        else:
            texts.append(line)
    return texts


def input_texts(args: argparse.Namespace, missing: Callable[[str], Any]) -> list[str]:
    """The tickets a predict command was given: `--input FILE`, text arguments, or stdin."""
    if args.input:
        return read_texts(args.input)
    if args.text:
        return args.text  # each argument is one ticket: quote a ticket that has spaces
    if sys.stdin.isatty():
        missing("give ticket text, --input FILE, or pipe a ticket on stdin")
    return [sys.stdin.read()]


def write_results(results: list[Any], output: str | None, ticket_only: bool = False, pretty: bool = False) -> None:
    """One JSON line per result (or only its ticket) to `output`, or to stdout."""
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        for result in results:
            payload = result.ticket if ticket_only else result.to_dict()
            out.write(json.dumps(payload, ensure_ascii=False, indent=2 if pretty else None) + "\n")
    finally:
        if output:
            out.close()
            print(f"wrote {len(results)} results to {output}", file=sys.stderr)


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
    add_model_arguments(parser)
    args = parser.parse_args(argv)

    texts = input_texts(args, parser.error)
    engine = load_engine(args, args.model)
    results = engine.predict_batch(
        texts,
        classification_only=args.classification_only,
        progress=len(texts) > 1 or bool(args.output),
        batch_size=args.batch_size,
    )
    write_results(results, args.output, ticket_only=args.ticket_only, pretty=args.pretty)
    return 0


if __name__ == "__main__":
    sys.exit(main())
