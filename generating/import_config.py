"""The import's settings: a mapping YAML file and the command's flags, merged into one `ImportConfig`.

    config = build_config(build_parser().parse_args(argv))   # generating/importer.py's parser

`build_config` reads `--mapping FILE` (unknown keys refused, relative paths resolved against the
file's folder), lets the flags override it, chooses the input files and whether they carry their own
split (--train/--val/--test), and checks the combination before anything is read. A problem is a
`SetupError`: `triage import` prints it as one error line and exits 2. The keys and flags themselves
are described in generating/importer.py.
"""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

SPLIT_NAMES = ("train", "val", "test")
RANDOM_SPLIT_KEYS = ("split_file", "test_frac", "val_frac", "stratify")  # meaningless for --train/--test files

_SPACE = re.compile(r"\s+")


class SetupError(Exception):
    """A setup problem (missing column, bad mapping file) or, without --skip-bad-records, a record that
    cannot be parsed: stops the import before any row is written (exit code 2)."""


def collapse_space(value: str) -> str:
    return _SPACE.sub(" ", value).strip()


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
    return collapse_space(raw).casefold()


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
        value_maps[name] = {_value_map_key(raw): collapse_space(v) for raw, v in mapping.items()}
    for item in args.value_map or []:
        name, sep, rest = item.partition(":")
        if not sep:
            raise SetupError(f"--value-map {item!r}: expected FIELD:RAW=VALUE")
        raw, value = rest.rsplit("=", 1) if "=" in rest else ("", "")
        if not raw.strip() or not value.strip():
            raise SetupError(f"--value-map {item!r}: expected FIELD:RAW=VALUE")
        value_maps.setdefault(name.strip(), {})[_value_map_key(raw)] = collapse_space(value)
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
