"""Import real ITSM exports (CSV, JSONL, Excel .xlsx) into the dataset row format.

    # the real benchmark (paths relative to the repository root), exactly as documented:
    python -m generating.importer ../shared/data/it_service_tickets/tickets.csv \\
        --mapping configs/import/it_service_tickets.yaml \\
        --split-file ../shared/data/it_service_tickets/split.csv \\
        --infer-schema OUT/schema.yaml --out OUT
    # the same with everything taken from the mapping file (writes data/imported/it_service_tickets/):
    python -m generating.importer --mapping configs/import/it_service_tickets.yaml
    # your own export, flags only:
    python -m generating.importer export.csv --text Subject --text Description \\
        --label category=Category --label priority=Urgency \\
        --value-map "category:Hardware Issue=Hardware" --test-frac 0.2 --val-frac 0.1 --seed 0 \\
        --out data/imported/mine
    # a data set that comes split into files already:
    python -m generating.importer --train train.csv --test test.csv --text text --label category=label \\
        --out data/imported/mine

Each imported ticket becomes one JSONL row:
    {"id", "text", "label": {field: value}, "instruction", "meta": {"situation", "source": "import",
     "file", "line", "row"}}
`meta.line` is the 1-based line (Excel: sheet row) where the record starts, `meta.row` its 0-based
index among the file's data records (blank lines are not records), which is what split files point
at. `meta.situation` is a hash of the normalised text, so splits keep equal texts on one side.

Mapping. `--text COL` (repeatable) names the text columns, joined with a newline in the given order
(empty parts skipped). `--label FIELD=COL` maps a column to a schema field. `--value-map
"FIELD:RAW=VALUE"` rewrites a raw label (matched after trimming, collapsing whitespace and ignoring
case). Enum values are then matched to the schema's spelling ignoring case. `--id-column COL` keeps
the export's ids (default: `<file stem>-<row>`; two input files with the same stem would give the
same ids, so that is a setup error unless --id-column is given). JSONL columns may be dotted paths
(`label.category`). `--mapping FILE` reads the same settings from YAML: every key is a long flag
with `-` written as `_` (`text: [..]`, `labels: {field: column}`, `value_maps: {field: {raw:
value}}`, `input`, `train`, `test`, `val`, `out`, `split_file`, `skip_bad_records`, ...) plus
`descriptions: {field: text}` and `schema_name` for an inferred schema; `infer_schema: true` there
means `OUT/schema.yaml`. Relative paths in the file are resolved against the file's own folder.
Flags override the file; input files given as flags replace all of the file's input files (and
with --train/--val/--test, its split settings too).

Partial labels. Exports often label only some fields (the real benchmark has only a category). A
label holds only the mapped fields; each present field is checked against its schema field (enum
value, or text length), and a cross-field rule only when both of its fields are present. Fields
that are not mapped are simply absent: training and evaluation treat absent fields as unlabelled.
An empty cell in a mapped label column rejects the row, unless `--allow-empty-labels` (then that
field is absent for that row; a row with no label at all is still rejected).

Schema. Labels are validated against `--schema FILE` (default taxonomy). `--infer-schema OUT.yaml`
instead writes a schema inferred from the data of all input files (each label column -> an enum
field with its distinct values by frequency; a field named `summary` -> a text field) and validates
against it.

Unparseable records stop the import. A record the reader cannot parse cleanly stops the import
with exit code 2 and an error naming the file and its lines, before anything is written: a CSV row
with another number of fields than the header (a quoted field may span many lines, that is fine), a
quote that never closes or text after a closing quote, bytes that are not in the input's encoding
(--encoding), a JSONL line that is not a JSON object. `--skip-bad-records` rejects such
records instead and goes on; after a quote that never closes, only the line where it opened is
rejected and the lines it swallowed are parsed again, so one stray quote cannot take the rest of the
file with it.

Rejects. Records that parse but cannot be used (empty text, empty or invalid labels, duplicate ids,
rows missing from the split file) and, with --skip-bad-records, unparseable records go to
`OUT/rejects.jsonl` with `file`, `line`, `last_line`, `row`, `reason` (a code), `detail` and `raw`
(the original record); the summary counts them. Nothing is dropped silently.

Splits. `--train FILE`, `--val FILE` and `--test FILE` (each repeatable) take files that carry
their own split: every record of a `--test` file goes to test, and so on. Texts found in two of
those splits are kept where they are, with a warning that counts them (a leak that flatters the
test score). Otherwise the INPUT files are split: `--split-file FILE` takes an existing assignment
for a single input (`--split-column`, `--split-row-column`: 0-based data-record index), else rows
are split stratified by `--stratify FIELD` (default: the first mapped enum field) and grouped by
`meta.situation`, with `--test-frac/--val-frac --seed` (deterministic). Input files given with
--train/--test/--val cannot be mixed with INPUT files, --split-file, --test-frac, --val-frac or
--stratify. Writes `OUT/<split>.jsonl` (train, test, and val when there is one).

Rows are read as a stream (progress bar on stderr when it is a terminal) and kept in memory until
the split is made: about 1 KB per row, fine for millions of rows.
"""

# Its rooms: import_config.py (mapping file and flags), import_readers.py (CSV, JSONL, Excel records),
# import_rows.py (rows, rejects, the inferred schema). This module reads, checks, splits and writes.
from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from generating.import_config import SPLIT_NAMES, ImportConfig, SetupError, build_config
from generating.import_readers import (
    UNPARSEABLE,
    get_column,
    mapped_columns,
    printable,
    read_records,
)
from generating.import_rows import (
    Candidate,
    Reject,
    enum_spellings,
    extract,
    infer_schema,
    make_row,
    reject_unparseable,
    write_schema,
)
from ticket_triage.schema import SchemaError, TicketSchema, add_schema_argument, load_schema, parse_schema

SHOWN_REJECTS = 20  # rejects echoed to stderr; all of them are in rejects.jsonl
_SPLIT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")  # split names become file names


# ---- splits -----------------------------------------------------------------------------------------
def read_split_file(path: Path, split_column: str, row_column: str) -> dict[int, str]:
    """Row index -> split name from a CSV with one row per input record."""
    if not path.is_file():
        raise SetupError(f"{path}: no such split file")
    assignment: dict[int, str] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        for column in (split_column, row_column):
            if column not in columns:
                raise SetupError(f"{path}: column {column!r} not found (columns: {columns})")
        for record in reader:
            where = f"{path}:{reader.line_num}"
            try:
                row = int(record[row_column])
            except (TypeError, ValueError):
                raise SetupError(f"{where}: {row_column} {record[row_column]!r} is not a row number") from None
            split = (record[split_column] or "").strip()
            if not _SPLIT_NAME.match(split):
                raise SetupError(f"{where}: split name {split!r} must be letters, digits, '-' or '_'")
            if row in assignment:
                raise SetupError(f"{where}: row {row} is assigned twice")
            assignment[row] = split
    return assignment


def stratified_group_split(
    rows: list[dict[str, Any]], field_name: str | None, test_frac: float, val_frac: float, seed: int
) -> list[str]:
    """A split name per row: groups (meta.situation) never straddle splits, each class keeps its share.

    A group's stratum is its most common value of `field_name`. Within each stratum the groups are
    shuffled (seeded per stratum, so adding a class does not reshuffle the others) and laid out on
    [0, 1): a group whose midpoint falls below test_frac goes to test, then val, the rest to train.
    """
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row["meta"]["situation"], []).append(i)
    strata: dict[str, list[str]] = {}
    for key, members in groups.items():
        values = Counter(rows[i]["label"].get(field_name, "") if field_name else "" for i in members)
        stratum = min(values.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        strata.setdefault(stratum, []).append(key)
    assignment = [""] * len(rows)
    for stratum, keys in strata.items():
        keys = sorted(keys)
        random.Random(f"{seed}:{stratum}").shuffle(keys)
        total = sum(len(groups[k]) for k in keys)
        done = 0
        for key in keys:
            size = len(groups[key])
            middle = (done + size / 2) / total
            done += size
            split = "test" if middle < test_frac else "val" if middle < test_frac + val_frac else "train"
            for i in groups[key]:
                assignment[i] = split
    return assignment


# ---- the import -------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    read: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # split -> rows written
    rejects: Counter = field(default_factory=Counter)  # reason -> count
    unparseable: int = 0  # of the rejects, records skipped by --skip-bad-records
    written: list[Path] = field(default_factory=list)
    schema: TicketSchema | None = None
    schema_path: Path | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return sum(self.rows.values())


def read_candidates(config: ImportConfig, report: ImportReport, rejects: list[Reject]) -> list[Candidate]:
    """Every input record as a candidate row, or a reject; counts the records in `report.read`.

    Stops with a SetupError at the first record that cannot be parsed, unless config.skip_bad_records.
    """
    candidates: list[Candidate] = []
    seen_ids: dict[str, str] = {}
    for path in config.inputs:
        file = str(path)
        is_jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json")
        columns_seen: set[str] = set()
        read_before = report.read
        progress = tqdm(
            read_records(path, config),
            desc=f"reading {path.name}",
            unit=" rows",
            file=sys.stderr,
            disable=None,
            mininterval=0.5,
        )
        for record in progress:
            report.read += 1
            if record.values is None:
                rejects.append(reject_unparseable(record, file, config.skip_bad_records))
                continue
            if is_jsonl:
                columns_seen.update(c for c in mapped_columns(config) if get_column(record.values, c) is not None)
            result = extract(record, file, config)
            if isinstance(result, Reject):
                rejects.append(result)
            elif result.id in seen_ids:
                rejects.append(
                    Reject(
                        file,
                        result.line,
                        result.row,
                        "duplicate_id",
                        f"id {result.id!r} was already used at {seen_ids[result.id]}",
                        result.raw,
                    )
                )
            else:
                seen_ids[result.id] = f"{file}:{result.line}"
                candidates.append(result)
        if is_jsonl and report.read > read_before:
            # JSONL has no header to check up front; a column in no record at all is a mapping typo.
            never = [c for c in mapped_columns(config) if c not in columns_seen]
            if never:
                raise SetupError(f"{path}: column(s) {never} are in no record (a typo in the mapping?)")
    return candidates


def split_by_file(
    rows: list[dict[str, Any]], assignment: dict[int, str], config: ImportConfig, report: ImportReport
) -> tuple[list[str], list[str]]:
    """Split names per row from the split file (rows not in it were rejected before), and the names used."""
    names = [assignment[row["meta"]["row"]] for row in rows]
    beyond = sum(1 for r in assignment if r >= report.read or r < 0)
    if beyond:
        report.notes.append(f"{config.split_file}: {beyond} row number(s) are not among the {report.read} records")
    used = sorted(set(names), key=lambda s: (SPLIT_NAMES.index(s) if s in SPLIT_NAMES else len(SPLIT_NAMES), s))
    return names, used


def split_by_given_files(rows: list[dict[str, Any]], config: ImportConfig) -> tuple[list[str], list[str]]:
    """Split names per row from the file it came from (--train/--val/--test), and the names given.

    Every given split is written, even one whose rows were all rejected: an empty test.jsonl says so,
    where a missing one would leave a stale file from an earlier run in its place.
    """
    split_of = {str(path): split for path, split in config.given_splits.items()}
    names = [split_of[row["meta"]["file"]] for row in rows]
    used = [split for split in SPLIT_NAMES if split in config.given_splits.values()]
    return names, used


def leak_notes(rows: list[dict[str, Any]], names: list[str], used: list[str], source: str) -> list[str]:
    """A warning per pair of splits that share normalised texts (meta.situation).

    Splits that were given are kept as given: the rows are not dropped, but a text in both train and
    test flatters the test score, so the user should know how many there are.
    """
    sides: dict[str, Counter] = {}  # situation -> split -> rows
    for row, split in zip(rows, names):
        sides.setdefault(row["meta"]["situation"], Counter())[split] += 1
    notes = []
    for i, first in enumerate(used):
        for second in used[i + 1 :]:
            shared = [counts for counts in sides.values() if counts[first] and counts[second]]
            if shared:
                notes.append(
                    f"warning: {len(shared)} normalised text(s) are in both {first} "
                    f"({sum(c[first] for c in shared)} rows) and {second} ({sum(c[second] for c in shared)} rows) "
                    f"of {source}: a leak between the splits, kept as given"
                )
    return notes


def write_outputs(
    config: ImportConfig,
    rows: list[dict[str, Any]],
    names: list[str],
    used: list[str],
    rejects: list[Reject],
    report: ImportReport,
) -> None:
    config.out.mkdir(parents=True, exist_ok=True)
    for stale in SPLIT_NAMES:
        path = config.out / f"{stale}.jsonl"
        if stale not in used and path.exists():
            path.unlink()  # a val.jsonl from an earlier run with other settings would be read as this one's
            report.notes.append(f"removed stale {path}")
    handles = {name: open(config.out / f"{name}.jsonl", "w", encoding="utf-8") for name in used}
    try:
        for row, split in zip(rows, names):
            handles[split].write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        for handle in handles.values():
            handle.close()
    counts = Counter(names)
    report.rows = {name: counts[name] for name in used}
    report.written = [config.out / f"{name}.jsonl" for name in used]

    rejects.sort(key=lambda r: (r.file, r.row))
    with open(config.out / "rejects.jsonl", "w", encoding="utf-8") as handle:
        for reject in rejects:
            handle.write(json.dumps(reject.to_json(), ensure_ascii=False) + "\n")
    report.rejects = Counter(r.reason for r in rejects)
    report.unparseable = sum(n for reason, n in report.rejects.items() if reason in UNPARSEABLE)
    report.written.append(config.out / "rejects.jsonl")


def run_import(config: ImportConfig, log: Any = None) -> ImportReport:
    """Read, check, split and write; raises SetupError / SchemaError on setup problems.

    Nothing is written before every setup check has passed. Rejects are echoed to `log` (default:
    stderr), the first few of them; all of them go to rejects.jsonl.
    """
    log = log or sys.stderr
    start = time.perf_counter()
    report = ImportReport()
    schema = None if config.infer_schema else load_schema(config.schema)
    if schema is not None:
        for name in config.labels:
            if name not in schema.field_names:
                raise SetupError(
                    f"label field {name!r} is not in schema {schema.name!r} ({schema.source}); "
                    f"fields: {schema.field_names}. Use --infer-schema for a new taxonomy"
                )

    rejects: list[Reject] = []
    candidates = read_candidates(config, report, rejects)

    inferred = None
    if config.infer_schema:
        inferred = infer_schema(candidates, config)
        schema = parse_schema(inferred[0], str(config.infer_schema))
    assert schema is not None
    report.schema = schema

    assignment = (
        read_split_file(config.split_file, config.split_column, config.split_row_column) if config.split_file else {}
    )
    rows: list[dict[str, Any]] = []
    spelling = enum_spellings(schema)
    for candidate in candidates:
        if config.split_file and candidate.row not in assignment:
            rejects.append(
                Reject(
                    candidate.file,
                    candidate.line,
                    candidate.row,
                    "not_in_split",
                    f"row {candidate.row} is not in {config.split_file}",
                    candidate.raw,
                )
            )
            continue
        result = make_row(candidate, schema, spelling)
        (rejects if isinstance(result, Reject) else rows).append(result)

    if config.given_splits:
        names, used = split_by_given_files(rows, config)
        report.notes.extend(leak_notes(rows, names, used, "the --train/--val/--test files"))
    elif config.split_file:
        names, used = split_by_file(rows, assignment, config, report)
        report.notes.extend(leak_notes(rows, names, used, str(config.split_file)))
    else:
        stratify = config.stratify or next((n for n in config.labels if schema.get_field(n).type == "enum"), None)
        if stratify and schema.get_field(stratify).type != "enum":
            raise SetupError(f"cannot stratify by {stratify!r}: it is a free-text field, not an enum")
        names = stratified_group_split(rows, stratify, config.test_frac, config.val_frac, config.seed)
        used = ["train"] + (["val"] if config.val_frac > 0 else []) + (["test"] if config.test_frac > 0 else [])

    if inferred is not None:
        write_schema(config.infer_schema, *inferred, ", ".join(str(p) for p in config.inputs))
        report.schema_path = config.infer_schema
    write_outputs(config, rows, names, used, rejects, report)
    for reject in rejects[:SHOWN_REJECTS]:
        print(f"rejected {reject.file}:{reject.line}: {reject.reason}: {printable(reject.detail)}", file=log)
    if len(rejects) > SHOWN_REJECTS:
        print(f"... and {len(rejects) - SHOWN_REJECTS} more in {config.out / 'rejects.jsonl'}", file=log)
    report.seconds = time.perf_counter() - start
    return report


def format_summary(report: ImportReport, config: ImportConfig) -> str:
    files = ", ".join(f"{p} ({config.given_splits[p]})" if config.given_splits else str(p) for p in config.inputs)
    skipped = f" ({report.unparseable} of them unparseable, --skip-bad-records)" if report.unparseable else ""
    lines = [
        f"read {report.read} records from {files} in {report.seconds:.1f} s",
        f"imported {report.imported}, rejected {sum(report.rejects.values())}{skipped}",
    ]
    for reason, n in report.rejects.most_common():
        lines.append(f"  {reason:<14} {n}")
    if config.given_splits:
        source = "given by the input files"
    elif config.split_file:
        source = f"from {config.split_file}"
    else:
        source = f"stratified, grouped, seed {config.seed}"
    lines.append(f"split ({source}): " + ", ".join(f"{k} {v}" for k, v in report.rows.items()))
    schema = report.schema
    if schema is not None:
        enum_sizes = ", ".join(f"{f.name} ({len(f.values)} values)" for f in schema.enum_fields)
        how = f"inferred -> {report.schema_path}" if report.schema_path else schema.source
        lines.append(f"schema {schema.name!r} ({how}): {enum_sizes}")
        labelled = list(config.labels)
        unlabelled = [n for n in schema.field_names if n not in config.labels]
        lines.append(f"labelled fields: {labelled}" + (f"; absent (unlabelled): {unlabelled}" if unlabelled else ""))
    lines.extend(report.notes)
    lines.append("wrote " + ", ".join(str(p) for p in report.written))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage import",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="export file(s) to split: .csv, .tsv, .jsonl, .xlsx")
    for split in SPLIT_NAMES:
        parser.add_argument(
            f"--{split}",
            action="append",
            metavar="FILE",
            help=f"an export file whose records all go to the {split} split (repeat for more files)",
        )
    parser.add_argument("--mapping", metavar="FILE", help="YAML mapping file (flags override it)")
    parser.add_argument("--out", metavar="DIR", help="output folder for <split>.jsonl and rejects.jsonl")
    parser.add_argument("--text", action="append", metavar="COL", help="text column (repeat to join several)")
    parser.add_argument("--label", action="append", metavar="FIELD=COL", help="map a column to a schema field")
    parser.add_argument(
        "--value-map",
        action="append",
        metavar="FIELD:RAW=VALUE",
        help="rewrite a raw label value (case and surrounding space ignored)",
    )
    parser.add_argument("--id-column", metavar="COL", help="column with ticket ids (default: <file stem>-<row>)")
    add_schema_argument(parser)
    parser.add_argument("--infer-schema", metavar="OUT.yaml", help="infer the schema from the labels, write it here")
    parser.add_argument("--split-file", metavar="FILE", help="CSV assigning each input row to a split")
    parser.add_argument("--split-column", metavar="COL", help="split name column in the split file (default: split)")
    parser.add_argument("--split-row-column", metavar="COL", help="0-based row column in the split file (default: row)")
    parser.add_argument("--stratify", metavar="FIELD", help="field to stratify by (default: first mapped enum)")
    parser.add_argument("--test-frac", type=float, help="test share without a split file (default: 0.2)")
    parser.add_argument("--val-frac", type=float, help="validation share (default: 0)")
    parser.add_argument("--seed", type=int, help="split seed (default: 0)")
    parser.add_argument("--delimiter", help="CSV delimiter (default: ',' or tab for .tsv)")
    parser.add_argument("--encoding", help="input encoding (default: utf-8-sig, e.g. cp1252 for old exports)")
    parser.add_argument(
        "--allow-empty-labels",
        action="store_true",
        default=None,
        help="keep rows with some empty label cells (those fields absent)",
    )
    parser.add_argument(
        "--skip-bad-records",
        action="store_true",
        default=None,
        help="reject records that cannot be parsed (into rejects.jsonl) instead of stopping the import",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = build_config(args)
        report = run_import(config)
    except (SetupError, SchemaError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_summary(report, config))
    return 0 if report.imported else 1


if __name__ == "__main__":
    sys.exit(main())
