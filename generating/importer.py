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

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import hashlib
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from ticket_triage.dataset import normalise_text
from ticket_triage.prompt import DEFAULT_INSTRUCTION, join_ticket_text, text_problem
from ticket_triage.schema import SchemaError, TicketSchema, add_schema_argument, load_schema, parse_schema

SPLIT_NAMES = ("train", "val", "test")
SUMMARY_FIELD = "summary"  # in an inferred schema this field is free text, every other one an enum
MIN_SUMMARY_LENGTH = 120
SHOWN_REJECTS = 20  # rejects echoed to stderr; all of them are in rejects.jsonl
# Python's csv refuses fields over 128 KB by default (real issue bodies reach 200 KB), but without a
# limit a quote that never closes reads the whole rest of a big file into one field, in memory.
MAX_FIELD_CHARS = 2**25
UNPARSEABLE = ("bad_row", "bad_json", "decode_error")  # reject reasons of records the reader could not parse
RANDOM_SPLIT_KEYS = ("split_file", "test_frac", "val_frac", "stratify")  # meaningless for --train/--test files

_SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by errors="surrogateescape"
_SPACE = re.compile(r"\s+")
_SPLIT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")  # split names become file names


class SetupError(Exception):
    """A setup problem (missing column, bad mapping file) or, without --skip-bad-records, a record that
    cannot be parsed: stops the import before any row is written (exit code 2)."""


# ---- text normalisation ------------------------------------------------------------------------------
def situation_key(text: str) -> str:
    """The grouping key of an imported row: rows with the same normalised text share it."""
    return "text-" + hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:16]


def _collapse(value: str) -> str:
    return _SPACE.sub(" ", value).strip()


def _printable(value: Any) -> Any:
    """Undecodable bytes as \\xNN escapes, so a reject can always be written as UTF-8 JSON."""
    if isinstance(value, str) and _SURROGATE.search(value):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return value


# ---- configuration ----------------------------------------------------------------------------------
@dataclass
class ImportConfig:
    inputs: list[Path]  # every input file, in reading order
    out: Path
    text_columns: list[str]
    labels: dict[str, str]  # schema field -> column
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {casefolded raw -> value}
    id_column: str | None = None
    descriptions: dict[str, str] = field(default_factory=dict)  # field descriptions for an inferred schema
    schema: Path | None = None
    infer_schema: Path | None = None
    schema_name: str | None = None
    split_file: Path | None = None
    split_column: str = "split"
    split_row_column: str = "row"
    stratify: str | None = None
    test_frac: float = 0.2
    val_frac: float = 0.0
    seed: int = 0
    delimiter: str | None = None  # None: "," for .csv, tab for .tsv
    encoding: str = "utf-8-sig"  # -sig: Excel's "CSV UTF-8" starts with a byte-order mark
    allow_empty_labels: bool = False
    given_splits: dict[Path, str] = field(default_factory=dict)  # input -> split, from --train/--val/--test
    skip_bad_records: bool = False  # reject unparseable records instead of stopping


MAPPING_KEYS = {f.name for f in fields(ImportConfig)} - {"inputs", "text_columns", "given_splits"} | {
    "input",
    "text",
    *SPLIT_NAMES,
}
PATH_KEYS = ("out", "schema", "infer_schema", "split_file")


def _value_map_key(raw: str) -> str:
    return _collapse(raw).casefold()


def _string_list(value: Any, where: str, what: str = "column name") -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
        raise SetupError(f"{where}: must be a {what} or a non-empty list of {what}s")
    return list(items)


def _string_dict(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise SetupError(f"{where}: must map names to strings")
    return dict(value)


def _relative_to(base: Path, value: str) -> Path:
    # normpath, not resolve: keeps "../shared/..." short and relative in messages and meta.file
    return Path(os.path.normpath(base / value))


def load_mapping(path: Path) -> dict[str, Any]:
    """Read a mapping YAML file; relative paths in it are resolved against its folder."""
    if not path.is_file():
        raise SetupError(f"{path}: no such mapping file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise SetupError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise SetupError(f"{path}: must hold a mapping of settings")
    unknown = set(data) - MAPPING_KEYS
    if unknown:
        raise SetupError(f"{path}: unknown key(s) {sorted(unknown)} (known: {sorted(MAPPING_KEYS)})")
    base = path.parent
    for key in PATH_KEYS:
        if isinstance(data.get(key), bool) and key == "infer_schema":
            continue  # `infer_schema: true` means OUT/schema.yaml, wherever --out points
        if data.get(key) is not None:
            data[key] = _relative_to(base, str(data[key]))
    for key in ("input", *SPLIT_NAMES):
        if data.get(key) is not None:
            data[key] = [_relative_to(base, p) for p in _string_list(data[key], f"{path}: {key}", "file path")]
    if data.get("text") is not None:
        data["text"] = _string_list(data["text"], f"{path}: text")
    for key in ("labels", "descriptions"):
        if data.get(key) is not None:
            data[key] = _string_dict(data[key], f"{path}: {key}")
    if data.get("value_maps") is not None:
        maps = data["value_maps"]
        if not isinstance(maps, dict):
            raise SetupError(f"{path}: value_maps: must map each field to {{raw value: label}}")
        data["value_maps"] = {f: _string_dict(m, f"{path}: value_maps.{f}") for f, m in maps.items()}
    return data


def _parse_pair(text: str, flag: str, example: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise SetupError(f"{flag} {text!r}: expected {example}")
    return key.strip(), value.strip()


def infer_schema_path(value: Any, out: Path) -> Path | None:
    if value is True:
        return out / "schema.yaml"
    return Path(value) if value else None


def _given_splits(files: dict[str, list[Path]]) -> dict[Path, str]:
    """Input file -> split from the --train/--val/--test lists; a file may carry one split only."""
    given: dict[Path, str] = {}
    for split in SPLIT_NAMES:
        for path in files.get(split) or []:
            if path in given:
                raise SetupError(f"{path} is given twice (as {given[path]} and as {split})")
            given[path] = split
    return given


def choose_inputs(args: argparse.Namespace, data: dict[str, Any]) -> tuple[list[Path], dict[Path, str]]:
    """The input files, and their split when they carry one (--train/--val/--test).

    Input files given as flags replace all of the mapping file's, whichever kind; within one source
    the two kinds cannot be mixed, and files that carry their split cannot be split again.
    """
    mapping = args.mapping
    flag_given = _given_splits({split: [Path(p) for p in getattr(args, split) or []] for split in SPLIT_NAMES})
    if args.inputs and flag_given:
        raise SetupError(
            f"INPUT file(s) {args.inputs} cannot be combined with --train/--val/--test: give all files "
            "with those flags (each takes one file; repeat it for more), or INPUT files to be split"
        )
    flag_settings = [f"--{key.replace('_', '-')}" for key in RANDOM_SPLIT_KEYS if getattr(args, key) is not None]
    if args.inputs:
        return [Path(p) for p in args.inputs], {}
    if flag_given:
        if flag_settings:
            raise SetupError(f"--train/--val/--test files carry their own split: drop {', '.join(flag_settings)}")
        return list(flag_given), flag_given

    file_given = _given_splits({split: data.get(split) or [] for split in SPLIT_NAMES})
    if data.get("input") and file_given:
        raise SetupError(f"{mapping}: give either `input:` (to be split) or `train:`/`val:`/`test:`, not both")
    if file_given:
        clashing = flag_settings + [f"`{key}:`" for key in RANDOM_SPLIT_KEYS if data.get(key) is not None]
        if clashing:
            raise SetupError(f"{mapping}: its train/val/test files carry their own split: drop {', '.join(clashing)}")
        return list(file_given), file_given
    if data.get("input"):
        return list(data["input"]), {}
    raise SetupError(
        "no input file: give one on the command line (or --train/--test FILE), "
        "or as `input:` (or `train:`/`test:`) in the mapping file"
    )


def check_input_files(inputs: list[Path], default_ids: bool) -> None:
    """Each file once, and file stems distinct when ids are made from them."""
    seen: set[Path] = set()
    by_stem: dict[str, Path] = {}
    for path in inputs:
        if path in seen:
            raise SetupError(f"{path} is given twice")
        seen.add(path)
        other = by_stem.setdefault(path.stem, path)
        if other != path and default_ids:
            raise SetupError(
                f"{other} and {path} have the same name {path.stem!r}, so their default ids "
                f"(<name>-<row>) would collide: rename one, or keep the export's ids with --id-column"
            )


def build_config(args: argparse.Namespace) -> ImportConfig:
    """Merge the mapping file (if any) and the flags; flags win."""
    data = load_mapping(Path(args.mapping)) if args.mapping else {}
    where = args.mapping or "flags"

    inputs, given_splits = choose_inputs(args, data)
    out = Path(args.out) if args.out else data.get("out")
    if out is None:
        raise SetupError("no output folder: give --out DIR or `out:` in the mapping file")
    text_columns = args.text or data.get("text")
    if not text_columns:
        raise SetupError(f"{where}: no text column: give --text COL or `text:` in the mapping file")

    labels = dict(data.get("labels") or {})
    for item in args.label or []:
        name, column = _parse_pair(item, "--label", "FIELD=COLUMN")
        labels[name] = column
    for name in labels:
        if not name.isidentifier():
            raise SetupError(f"{where}: label field names must be identifiers, got {name!r}")

    value_maps: dict[str, dict[str, str]] = {}
    for name, mapping in (data.get("value_maps") or {}).items():
        value_maps[name] = {_value_map_key(raw): _collapse(v) for raw, v in mapping.items()}
    for item in args.value_map or []:
        name, sep, rest = item.partition(":")
        if not sep:
            raise SetupError(f"--value-map {item!r}: expected FIELD:RAW=VALUE")
        raw, value = rest.rsplit("=", 1) if "=" in rest else ("", "")
        if not raw.strip() or not value.strip():
            raise SetupError(f"--value-map {item!r}: expected FIELD:RAW=VALUE")
        value_maps.setdefault(name.strip(), {})[_value_map_key(raw)] = _collapse(value)
    for name in value_maps:
        if name not in labels:
            raise SetupError(f"{where}: value map for {name!r}, which is not a mapped label field ({list(labels)})")

    def pick(key: str, default: Any) -> Any:
        cli = getattr(args, key, None)
        if cli is not None:
            return cli
        return data[key] if data.get(key) is not None else default

    def path_or_none(value: Any) -> Path | None:
        return Path(value) if value is not None else None

    config = ImportConfig(
        inputs=inputs,
        given_splits=given_splits,
        out=Path(out),
        text_columns=list(text_columns),
        labels=labels,
        value_maps=value_maps,
        id_column=pick("id_column", None),
        descriptions=dict(data.get("descriptions") or {}),
        schema=path_or_none(pick("schema", None)),
        infer_schema=infer_schema_path(pick("infer_schema", None), Path(out)),
        schema_name=data.get("schema_name"),
        # a mapping file's split settings do not apply to files that carry their split (choose_inputs)
        split_file=None if given_splits else path_or_none(pick("split_file", None)),
        split_column=pick("split_column", "split"),
        split_row_column=pick("split_row_column", "row"),
        stratify=None if given_splits else pick("stratify", None),
        test_frac=float(pick("test_frac", 0.2)),
        val_frac=float(pick("val_frac", 0.0)),
        seed=int(pick("seed", 0)),
        delimiter=pick("delimiter", None),
        encoding=pick("encoding", "utf-8-sig"),
        allow_empty_labels=bool(args.allow_empty_labels or data.get("allow_empty_labels", False)),
        skip_bad_records=bool(args.skip_bad_records or data.get("skip_bad_records", False)),
    )
    check_input_files(config.inputs, default_ids=config.id_column is None)
    if not (0 <= config.test_frac < 1 and 0 <= config.val_frac < 1 and config.test_frac + config.val_frac < 1):
        raise SetupError(f"test_frac {config.test_frac} + val_frac {config.val_frac}: each in [0, 1), sum < 1")
    if config.split_file and len(config.inputs) > 1:
        raise SetupError("--split-file indexes the rows of one input file; give a single input")
    if config.stratify and config.stratify not in labels:
        raise SetupError(f"stratify field {config.stratify!r} is not a mapped label field ({list(labels)})")
    return config


# ---- readers ----------------------------------------------------------------------------------------
@dataclass
class SourceRecord:
    row: int  # 0-based index among the file's data records (what split files point at)
    line: int  # 1-based line (Excel: sheet row) where the record starts
    raw: Any  # the original record, for the rejects file (of a re-read record: its first line only)
    values: dict[str, Any] | None  # column -> cell; None when the record could not be parsed
    problem: str = ""  # reject reason code (one of UNPARSEABLE) when values is None
    detail: str = ""
    last_line: int = 0  # where the record ends; 0: on its first line
    reread_from: int = 0  # a broken record's later lines were given back to the parser from this line on

    @property
    def lines(self) -> str:
        return _line_span(self.line, self.last_line)


def _line_span(first: int, last: int) -> str:
    return f"lines {first}-{last}" if last > first else f"line {first}"


def _encoding_name(encoding: str) -> str:
    return "UTF-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding


def _undecodable(text: str, encoding: str) -> str:
    """Which byte of `text` was not `encoding` (kept as a lone surrogate by surrogateescape), or ""."""
    match = _SURROGATE.search(text)
    if not match:
        return ""
    byte = ord(match.group()) - 0xDC00
    return f"byte 0x{byte:02x} at character {match.start() + 1} is not {_encoding_name(encoding)} (wrong --encoding?)"


class _Lines:
    """Physical lines for csv.reader, remembering those of the current record and taking some back."""

    def __init__(self, handle: Any):
        self.handle = handle
        self.number = 0
        self.pending: list[tuple[int, str]] = []  # lines given back, re-read first (stack: last = next)
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pending:
            item = self.pending.pop()
        else:
            self.number += 1
            item = (self.number, next(self.handle))
        self.taken.append(item)
        return item[1]


def _check_header(path: Path, header: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise SetupError(f"{path}: column(s) {missing} not found (columns: {header})")
    doubled = [c for c in required if header.count(c) > 1]
    if doubled:
        raise SetupError(f"{path}: column(s) {doubled} appear more than once in the header")


@contextlib.contextmanager
def _field_size_limit(limit: int) -> Iterator[None]:
    """csv's field size limit is process-wide: set it while one file is read, then put it back."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _csv_problem(error: csv.Error) -> str:
    """csv's message, said in terms of the file."""
    message = str(error)
    if message == "unexpected end of data":
        return "a quoted field never closes: the file ends inside it"
    if message.startswith("field larger than field limit"):
        return f"a field runs over {MAX_FIELD_CHARS:,} characters: most likely a quote that never closes"
    if "expected after" in message:
        return f'text after a closing quote ({message}); a quote inside a quoted field is written ""'
    return f"bad CSV: {message}"


def read_csv(path: Path, required: list[str], delimiter: str, encoding: str) -> Iterator[SourceRecord]:
    """Yield every data record of a CSV file; records it cannot parse come back with `problem` set.

    A quoted field may span many lines. The signs of a record that did not parse: csv's own errors (in
    strict mode nearly every stray quote ends in one: a quote that never closes, text after a closing
    quote, a field over MAX_FIELD_CHARS), a field count other than the header's (a delimiter too many
    or too few), and bytes that are not in `encoding`.
    """
    # An over-long field used to make the reader re-parse the rest of the file from the middle of that
    # record (9,213 "records" from 3,000 rows); the limit is far above any real ticket.
    with (
        _field_size_limit(MAX_FIELD_CHARS),
        open(path, newline="", encoding=encoding, errors="surrogateescape") as handle,
    ):
        lines = _Lines(handle)
        # strict: a quote followed by anything but a delimiter is an error, not silently glued text.
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        header: list[str] | None = None
        row = 0
        while True:
            lines.taken = []
            error = ""
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                cells, error = None, _csv_problem(e)
            taken = lines.taken
            if not taken:
                break
            if cells == []:
                continue  # a blank line is not a record
            first, last = taken[0][0], taken[-1][0]
            if header is None:
                if cells is None:
                    raise SetupError(f"{path}, {_line_span(first, last)}: cannot read the header row: {error}")
                header = [c.strip() for c in cells]
                _check_header(path, header, required)
                continue
            reread_from = 0
            if cells is None and len(taken) > 1:
                # A quote that never closed (strict csv raises at the next quote or at the end of the file)
                # swallowed the next lines: only the first line is the broken record, the others are
                # parsed again, so the rows after it survive.
                lines.pending.extend(reversed(taken[1:]))
                reread_from = taken[1][0]
                taken = taken[:1]
            elif cells is not None and len(cells) != len(header):
                # Its quotes did close, so its lines belong together (parsed again, the continuation lines
                # of a multi-line text would become records of garbage): the whole record is broken.
                error = f"row has {len(cells)} fields, the header has {len(header)}"
            raw = "".join(text for _, text in taken).rstrip("\r\n")
            if error:
                yield SourceRecord(row, first, raw, None, "bad_row", error, last, reread_from)
            elif bad := next(((c, text) for c, text in zip(header, cells) if _SURROGATE.search(text)), None):
                detail = f"column {bad[0]!r}: {_undecodable(bad[1], encoding)}"
                yield SourceRecord(row, first, raw, None, "decode_error", detail, last)
            else:
                yield SourceRecord(row, first, raw, dict(zip(header, cells)), last_line=last)
            row += 1
        if header is None:
            raise SetupError(f"{path}: empty file, no header row")


def read_jsonl(path: Path, encoding: str) -> Iterator[SourceRecord]:
    """Yield every non-blank line of a JSONL file; lines that are not JSON objects come back broken."""
    with open(path, encoding=encoding, errors="surrogateescape") as handle:
        row = 0
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            raw = text.rstrip("\r\n")
            if undecodable := _undecodable(raw, encoding):
                yield SourceRecord(row, number, raw, None, "decode_error", undecodable)
                row += 1
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as e:
                yield SourceRecord(row, number, raw, None, "bad_json", f"not valid JSON: {e.msg} at column {e.colno}")
            else:
                if isinstance(value, dict):
                    yield SourceRecord(row, number, raw, value)
                else:
                    detail = f"expected a JSON object, got {type(value).__name__}"
                    yield SourceRecord(row, number, raw, None, "bad_json", detail)
            row += 1


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores ids and codes as floats: 1234.0 -> "1234"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, required: list[str]) -> Iterator[SourceRecord]:
    """Yield every non-empty row of the first (active) sheet of an Excel workbook."""
    try:
        import openpyxl  # optional: only Excel input needs it
    except ImportError:
        raise SetupError(f"{path}: reading .xlsx needs openpyxl (.venv/bin/pip install openpyxl)") from None
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [_cell(c).strip() for c in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        if not header:
            raise SetupError(f"{path}: empty sheet, no header row")
        _check_header(path, header, required)
        row = 0
        for number, cells in enumerate(rows, start=2):
            texts = [_cell(c) for c in cells]
            if not any(t.strip() for t in texts):
                continue
            yield SourceRecord(row, number, texts, dict(zip(header, texts)))
            row += 1
    finally:
        workbook.close()


def mapped_columns(config: ImportConfig) -> list[str]:
    return list(config.text_columns) + list(config.labels.values()) + ([config.id_column] if config.id_column else [])


def read_records(path: Path, config: ImportConfig) -> Iterator[SourceRecord]:
    required = mapped_columns(config)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SetupError(f"{path}: no such input file")
    if suffix in (".csv", ".tsv", ".txt"):
        delimiter = config.delimiter or ("\t" if suffix == ".tsv" else ",")
        return read_csv(path, required, delimiter, config.encoding)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return read_jsonl(path, config.encoding)
    if suffix == ".xlsx":
        return read_xlsx(path, required)
    raise SetupError(f"{path}: unknown input format {suffix!r} (expected .csv, .tsv, .jsonl or .xlsx)")


def get_column(values: dict[str, Any], column: str) -> Any:
    """A column's cell; for nested JSON a dotted path (`label.category`) walks into objects."""
    if column in values:
        return values[column]
    node: Any = values
    for part in column.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# ---- rows and rejects ---------------------------------------------------------------------------------
@dataclass
class Reject:
    file: str
    line: int
    row: int
    reason: str  # a short code: the summary counts by it
    detail: str
    raw: Any
    last_line: int = 0  # where the rejected record ends; 0: on its first line

    def to_json(self) -> dict[str, Any]:
        raw = [_printable(v) for v in self.raw] if isinstance(self.raw, list) else _printable(self.raw)
        return {
            "file": self.file,
            "line": self.line,
            "last_line": max(self.line, self.last_line),
            "row": self.row,
            "reason": self.reason,
            "detail": _printable(self.detail),
            "raw": raw,
        }


@dataclass
class Candidate:
    """A record with text and raw labels, before the schema check."""

    file: str
    line: int
    row: int
    id: str
    text: str
    label: dict[str, str]  # field -> value after trimming and value maps
    raw: Any


def extract(record: SourceRecord, file: str, config: ImportConfig) -> Candidate | Reject:
    """Text, labels and id of one parsed record, or why it cannot be imported."""

    def reject(reason: str, detail: str) -> Reject:
        return Reject(file, record.line, record.row, reason, detail, record.raw)

    values = record.values or {}
    for column in mapped_columns(config):
        # A JSON source's "\ud800" escape parses, but is not Unicode: no tokenizer takes it, and the
        # row could not even be written as UTF-8.
        cell = get_column(values, column)
        if isinstance(cell, str) and (problem := text_problem(cell)):
            return reject("bad_text", f"column {column!r}: {problem}")

    text = join_ticket_text([_cell(get_column(values, c)) for c in config.text_columns])
    if not text:
        return reject("empty_text", f"text column(s) {config.text_columns} are empty")

    label: dict[str, str] = {}
    empty = []
    for name, column in config.labels.items():
        value = _collapse(_cell(get_column(values, column)))
        value = config.value_maps.get(name, {}).get(value.casefold(), value)
        if value:
            label[name] = value
        else:
            empty.append(f"{name} (column {column!r})")
    if empty and (not config.allow_empty_labels or not label):
        return reject("empty_label", f"empty label: {', '.join(empty)}")

    ident = _cell(get_column(values, config.id_column)).strip() if config.id_column else ""
    if config.id_column and not ident:
        return reject("empty_id", f"id column {config.id_column!r} is empty")
    return Candidate(file, record.line, record.row, ident or f"{Path(file).stem}-{record.row}", text, label, record.raw)


def enum_spellings(schema: TicketSchema) -> dict[str, dict[str, str]]:
    """Per enum field, casefolded value -> the schema's spelling."""
    return {f.name: {v.casefold(): v for v in f.values} for f in schema.enum_fields}


def make_row(
    candidate: Candidate, schema: TicketSchema, spelling: dict[str, dict[str, str]] | None = None
) -> dict[str, Any] | Reject:
    """The dataset row for a candidate, with enum values in the schema's spelling, or its reject."""
    spelling = spelling if spelling is not None else enum_spellings(schema)
    label = {}
    for name in schema.field_names:  # schema order, as the model writes the answer
        if name in candidate.label:
            value = candidate.label[name]
            label[name] = spelling.get(name, {}).get(value.casefold(), value)
    errors = schema.errors(label, partial=True)
    if errors:
        detail = "; ".join(str(e) for e in errors)
        return Reject(candidate.file, candidate.line, candidate.row, "invalid_label", detail, candidate.raw)
    return {
        "id": candidate.id,
        "text": candidate.text,
        "label": label,
        "instruction": DEFAULT_INSTRUCTION,
        "meta": {
            "situation": situation_key(candidate.text),
            "source": "import",
            "file": candidate.file,
            "line": candidate.line,
            "row": candidate.row,
        },
    }


# ---- schema inference -------------------------------------------------------------------------------
def infer_schema(candidates: list[Candidate], config: ImportConfig) -> tuple[dict[str, Any], dict[str, Counter]]:
    """Schema data (for parse_schema / YAML) from the label values seen, and the value counts."""
    out_fields: dict[str, Any] = {}
    counts: dict[str, Counter] = {}
    for name, column in config.labels.items():
        seen = Counter(c.label[name] for c in candidates if name in c.label)
        if not seen:
            raise SetupError(f"cannot infer field {name!r}: column {column!r} has no value in any imported row")
        description = config.descriptions.get(name) or f"Imported from column {column!r}."
        if name == SUMMARY_FIELD:
            longest = max(len(v) for v in seen)
            out_fields[name] = {
                "type": "text",
                "description": description,
                "max_length": max(MIN_SUMMARY_LENGTH, longest),
            }
            continue
        # Values that differ only in case are one class (the row check ignores case too); the most
        # frequent spelling names it.
        groups: dict[str, Counter] = {}
        for value, n in seen.items():
            groups.setdefault(value.casefold(), Counter())[value] += n
        merged = Counter({g.most_common(1)[0][0]: sum(g.values()) for g in groups.values()})
        ordered = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
        out_fields[name] = {"type": "enum", "description": description, "values": [v for v, _ in ordered]}
        counts[name] = Counter(dict(ordered))
    if SUMMARY_FIELD in out_fields:  # free text last, as in the default taxonomy
        out_fields[SUMMARY_FIELD] = out_fields.pop(SUMMARY_FIELD)
    if not counts:
        raise SetupError("cannot infer a schema: map at least one enum label column (`--label FIELD=COL`)")
    name = config.schema_name or f"imported-{config.inputs[0].stem}".replace("_", "-")
    return {"name": name, "version": 1, "fields": out_fields}, counts


def write_schema(path: Path, data: dict[str, Any], counts: dict[str, Counter], source: str) -> None:
    header = [f"# Inferred by generating.importer from {source}: values sorted by frequency.", "# Counts:"]
    for name, counter in counts.items():
        header.append(f"#   {name}: " + ", ".join(f"{v} {n}" for v, n in counter.items()))
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(header) + "\n" + body, encoding="utf-8")


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


def reject_unparseable(record: SourceRecord, file: str, skip: bool) -> Reject:
    """The reject of a record the reader could not parse; without --skip-bad-records the import stops."""
    if not skip:
        raise SetupError(
            f"{file}, {record.lines}: {record.detail}. Fix the file, or pass --skip-bad-records to "
            "reject such records (into rejects.jsonl) and import the rest"
        )
    if not record.reread_from:
        return Reject(file, record.line, record.row, record.problem, record.detail, record.raw, record.last_line)
    detail = (
        f"{record.detail}; the record ran over {record.lines}: only line {record.line} is rejected, the "
        f"reader parses {_line_span(record.reread_from, record.last_line)} again as records of their own"
    )
    return Reject(file, record.line, record.row, record.problem, detail, record.raw, record.reread_from - 1)


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
        print(f"rejected {reject.file}:{reject.line}: {reject.reason}: {_printable(reject.detail)}", file=log)
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
