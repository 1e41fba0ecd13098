"""`triage review`: the review queue out to people, their corrections back in, and on to training.

    triage review export --predictions outputs/eval/predictions.jsonl --data data/synthetic/test.jsonl \\
        --format label-studio --out outputs/review/label-studio
    triage review import --from outputs/review/export.json --format label-studio --store corrections.db \\
        --who ana --keep-text
    triage review rows --store corrections.db --out data/corrections.jsonl
    triage review noise --predictions outputs/eval-train/predictions.jsonl --data data/synthetic/train.jsonl \\
        --format csv --out outputs/review/suspects.csv
    triage review promote --candidate outputs/corrected/adapter --current models/my-adapter --data held_out.jsonl

`export` reads the predictions the project writes (`triage eval --out DIR` writes predictions.jsonl,
`triage predict --output FILE` JSON lines), keeps the tickets sent to review (`--status all` keeps
every ticket), most uncertain first (lowest confidence over the enum fields), and writes them for a
spreadsheet (`csv`: a file), Label Studio (`label-studio`: a folder with tasks.json and
label_config.xml) or Argilla (`argilla`: the folder `rg.Dataset.from_disk` loads), the model's
answer and alternatives pre-filled. Neither predictions file carries the ticket text: `--data` names
the tickets they were made from (eval's `--data`, predict's `--input`), joined by id or row.

`import` reads the reviewed file back (the CSV with its `corrected_<field>` cells filled, Label
Studio's JSON export, Argilla's `dataset.records.to_json` file or `dataset.to_disk` folder) and
stores one correction per reviewed ticket in an SQLite store (feedback/store.py), in one
transaction: a bad row names its file, row and field, and nothing is stored. Ticket text is stored
only with `--keep-text`; without it the store keeps a hash, and cannot make training rows.

`rows` turns the stored corrections into training rows in the project's JSONL format.

`promote` compares a retrained adapter (`triage train --init_adapter`, on the rows `rows` writes)
with the current one on a held-out split and replaces the current one only if it is not worse (see
feedback/promote.py).

`noise` lists training rows whose label the model confidently disagrees with (confident learning,
Northcutt et al. 2021; see feedback/noise.py), least self-confident first, and with `--out` writes
them as a review file whose pre-filled values are the rows' labels. Use predictions the model did not
train on (e.g. an adapter trained on another split).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from feedback.formats import FORMATS, READERS, WRITERS, ReviewItem
from feedback.noise import Suspect, find_suspects, option_probabilities
from feedback.promote import add_promote_parser
from feedback.store import Correction, CorrectionStore, listed, to_training_rows
from ticket_triage.dataset import DataError, jsonl_lines, read_rows, write_rows
from ticket_triage.schema import TicketSchema, add_schema_argument, load_schema

SHOWN = 20  # noise suspects printed


# ---- predictions in -----------------------------------------------------------------------------
def read_predictions(path: str) -> list[tuple[str, dict[str, Any]]]:
    """(where, record) of every result line of a predictions file; failed tickets (`error` rows) left out."""
    records, problems = [], []
    for line_no, line in jsonl_lines(path):
        where = f"{path}:{line_no}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not JSON ({e.msg})")
            continue
        if not isinstance(record, dict):
            problems.append(f"{where}: a prediction must be a JSON object")
        elif "error" in record:
            continue  # the ticket failed: there is no suggestion to review
        elif not isinstance(record.get("ticket"), dict) or not isinstance(record.get("confidence"), dict):
            problems.append(f"{where}: no `ticket` and `confidence` objects: not a `triage predict`/`eval` result")
        else:
            records.append((where, record))
    if problems:
        raise DataError(listed(problems, "nothing written"))
    return records


def read_tickets(path: str) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The rows of a ticket file (JSONL rows with `text`, or plain text lines), by key (the row's id,
    else its line number, as `triage predict` names results) and in order (eval's `row`)."""
    by_key, in_order = {}, []
    for line_no, line in jsonl_lines(path):
        row: Any = {"text": line}
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{line_no}: not JSON ({e.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise DataError(f"{path}:{line_no}: row has no string field 'text'")
        by_key[str(row["id"]) if row.get("id") is not None else str(line_no)] = row
        in_order.append(row)
    return by_key, in_order


def ticket_rows(
    predictions: list[tuple[str, dict[str, Any]]], data: str | None, source: str, need_text: bool = True
) -> list[dict[str, Any] | None]:
    """The ticket row of each prediction: its own `text`, else the row of `data` with its id (or, for
    eval's records of rows without ids, at its `row`). With `need_text`, a prediction left without
    text is an error that says where the text can come from."""
    by_key, in_order = read_tickets(data) if data else ({}, [])
    found, missing = [], []
    for where, p in predictions:
        row = {"text": p["text"]} if isinstance(p.get("text"), str) else None
        if row is None and p.get("id") is not None:
            row = by_key.get(str(p["id"]))
        if row is None and isinstance(p.get("row"), int) and 0 < p["row"] <= len(in_order):
            row = in_order[p["row"] - 1]
        found.append(row)
        if row is None:
            missing.append(f"{where}: id {p.get('id')}: no ticket with this id or row in {data}")
    if need_text and missing and not data:
        raise DataError(
            f"{source}: the predictions carry no ticket text (`triage predict` and `triage eval` write none): "
            "pass --data FILE, the tickets they were made from (eval's --data, predict's --input)"
        )
    if need_text and missing:
        raise DataError(listed(missing, "nothing written"))
    return found


def prediction_item(schema: TicketSchema, p: dict[str, Any], text: str) -> ReviewItem:
    return ReviewItem(
        id=str(p["id"] if p.get("id") is not None else p.get("row")),
        text=text,
        suggestion={n: p["ticket"][n] for n in schema.field_names if p["ticket"].get(n) not in (None, "")},
        confidence={n: float(c) for n, c in p["confidence"].items() if n in schema.field_names},
        alternatives={n: a for n, a in (p.get("alternatives") or {}).items() if n in schema.field_names},
        model=str(p.get("model") or ""),
        model_version=str(p.get("model_version") or ""),
        note="; ".join(p.get("reasons") or []),
    )


def review_queue(
    schema: TicketSchema, predictions: list[tuple[str, dict[str, Any]]], rows: list[dict[str, Any] | None], status: str
) -> list[ReviewItem]:
    """The tickets with `status` (or all), most uncertain first (lowest confidence over the enum fields)."""
    items = [
        prediction_item(schema, p, row["text"])
        for (_, p), row in zip(predictions, rows)
        if row is not None and (status == "all" or p.get("status") == status)
    ]
    return sorted(items, key=lambda item: item.min_confidence)


def noise_item(
    schema: TicketSchema, p: dict[str, Any], label: dict[str, Any], text: str, found: list[Suspect]
) -> ReviewItem:
    """A suspect row for review: its label pre-filled, the model's probability of it and alternatives shown."""
    item = prediction_item(schema, p, text)
    item.suggestion = {n: label[n] for n in schema.field_names if n in label}
    item.confidence = {
        f.name: round(option_probabilities(item.alternatives[f.name], f.values)[label[f.name]], 4)
        for f in schema.enum_fields
        if label.get(f.name) in f.values and item.alternatives.get(f.name)
    }
    item.note = "; ".join(str(s) for s in found)
    return item


# ---- the subcommands ---------------------------------------------------------------------------
def _write(items: list[ReviewItem], schema: TicketSchema, fmt: str, out: str) -> list[Path]:
    path = Path(out)
    (path.parent if fmt == "csv" else path).mkdir(parents=True, exist_ok=True)
    return WRITERS[fmt](items, schema, path)


def export_main(args: argparse.Namespace, schema: TicketSchema) -> int:
    predictions = read_predictions(args.predictions)
    kept = [(w, p) for w, p in predictions if args.status == "all" or p.get("status") == args.status]
    items = review_queue(schema, kept, ticket_rows(kept, args.data, args.predictions), args.status)[: args.limit]
    files = _write(items, schema, args.format, args.out)
    print(
        f"wrote {len(items)} of {len(predictions)} tickets ({args.status}), most uncertain first, to "
        + ", ".join(map(str, files)),
        file=sys.stderr,
    )
    return 0


def import_main(args: argparse.Namespace, schema: TicketSchema) -> int:
    reviewed = READERS[args.format](Path(args.from_file), schema)
    corrections = [
        Correction(
            r.ticket_id,
            r.fields,
            who=args.who,
            source=f"review:{args.format}",
            model=r.model,
            model_version=r.model_version,
            original=r.original,
            text=r.text,
        )
        for r in reviewed
    ]
    with CorrectionStore(args.store, schema, keep_text=args.keep_text) as store:
        store.add_many(corrections, where=[r.where for r in reviewed])
        total = len(store)
    changed = sum(1 for c in corrections if c.changed)
    kept = "kept" if args.keep_text else "not kept (a SHA-256 only; --keep-text keeps it for training rows)"
    print(
        f"stored {len(corrections)} reviewed tickets ({changed} with a changed field) from {args.from_file} "
        f"in {args.store} ({total} corrections in all); ticket text {kept}",
        file=sys.stderr,
    )
    return 0


def rows_main(args: argparse.Namespace, schema: TicketSchema) -> int:
    if "://" not in args.store and not Path(args.store).is_file():
        raise DataError(f"{args.store}: no corrections store (make one with `triage review import`)")
    with CorrectionStore(args.store, schema) as store:
        corrections = store.corrections()
    rows, skipped = to_training_rows(corrections, schema, partial_labels=args.partial_labels)
    for reason in skipped[:SHOWN]:
        print(f"skipped {reason}", file=sys.stderr)
    if not corrections:
        raise DataError(f"{args.store}: no corrections stored yet (`triage review import` stores them)")
    if not rows:
        raise DataError(f"{args.store}: none of {len(corrections)} corrections makes a training row (see above)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_rows(args.out, rows)
    read_rows(args.out, schema, partial_labels=args.partial_labels)  # what `triage train` reads, it accepts
    print(f"wrote {len(rows)} training rows to {args.out} ({len(skipped)} tickets skipped)", file=sys.stderr)
    return 0


def noise_main(args: argparse.Namespace, schema: TicketSchema) -> int:
    predictions = read_predictions(args.predictions)
    rows = ticket_rows(predictions, args.data, args.predictions, need_text=bool(args.out))
    labels = []
    for (where, p), row in zip(predictions, rows):
        label = (row or {}).get("label", p.get("label"))
        if not isinstance(label, dict):
            raise DataError(f"{where}: no label for this ticket: pass --data, the labelled rows the predictions are of")
        labels.append(label)
    suspects = find_suspects(schema, labels, [p.get("alternatives") or {} for _, p in predictions])
    print(f"{len(suspects)} of {len(predictions)} rows are label-issue suspects (least self-confident first)")
    items = []
    for rank, (i, found) in enumerate(suspects, 1):
        p = predictions[i][1]
        if rank <= SHOWN:
            print(
                f"{rank:3}. {p.get('id') if p.get('id') is not None else p.get('row')}: " + "; ".join(map(str, found))
            )
        if args.out:
            items.append(noise_item(schema, p, labels[i], rows[i]["text"], found))
    if args.out:
        files = _write(items[: args.limit], schema, args.format, args.out)
        print(f"wrote {len(items[: args.limit])} suspects to " + ", ".join(map(str, files)), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="triage review",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{export,import,rows,noise,promote}")

    export = commands.add_parser("export", help="write the review queue for a spreadsheet, Label Studio or Argilla")
    export.add_argument("--predictions", required=True, help="predictions.jsonl of `triage eval --out`, or predict's")
    export.add_argument("--data", help="the tickets the predictions were made from (they carry no text)")
    export.add_argument(
        "--status", choices=("review", "auto", "all"), default="review", help="which tickets (default: review)"
    )
    export.add_argument("--limit", type=int, default=None, help="the N most uncertain tickets only")
    export.add_argument("--format", required=True, choices=FORMATS)
    export.add_argument("--out", required=True, help="the CSV file, or the folder for label-studio and argilla")
    export.set_defaults(run=export_main)

    imp = commands.add_parser("import", help="store the corrections of a reviewed export")
    imp.add_argument("--from", dest="from_file", required=True, help="the reviewed CSV, Label Studio or Argilla export")
    imp.add_argument("--format", required=True, choices=FORMATS)
    imp.add_argument("--store", default="corrections.db", help="SQLite file or sqlite:///path (default corrections.db)")
    imp.add_argument("--who", required=True, help="who reviewed (recorded with every correction)")
    imp.add_argument(
        "--keep-text", action="store_true", help="store the ticket text (needed for training rows; default: a hash)"
    )
    imp.set_defaults(run=import_main)

    rows = commands.add_parser("rows", help="write the corrections as training rows (JSONL)")
    rows.add_argument(
        "--store", default="corrections.db", help="SQLite file or sqlite:///path (default corrections.db)"
    )
    rows.add_argument("--out", required=True, help="the JSONL file to write")
    rows.add_argument(
        "--partial-labels", action="store_true", help="keep tickets whose label lacks a field (eval, not train)"
    )
    rows.set_defaults(run=rows_main)

    noise = commands.add_parser("noise", help="list likely mislabelled training rows (confident learning)")
    noise.add_argument("--predictions", required=True, help="predictions.jsonl of `triage eval` on the labelled rows")
    noise.add_argument("--data", help="the labelled rows (JSONL) the predictions are of: text and labels")
    noise.add_argument("--format", choices=FORMATS, default="csv", help="review file format for --out (default csv)")
    noise.add_argument("--out", help="write the suspects as a review file (the rows' labels pre-filled)")
    noise.add_argument("--limit", type=int, default=None, help="write the N most suspect rows only")
    noise.set_defaults(run=noise_main)
    for sub in (export, imp, rows, noise):
        add_schema_argument(sub)
    add_promote_parser(commands)

    args = parser.parse_args(argv)
    return int(args.run(args, load_schema(args.schema)) or 0)


if __name__ == "__main__":
    sys.exit(main())
