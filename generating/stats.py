"""Inspect dataset splits, and rebalance a training file by oversampling rare labels.

    python -m generating.stats data/imported/it_service_tickets       # every *.jsonl in the folder
    python -m generating.stats train.jsonl test.jsonl --schema my.yaml --json
    python -m generating.stats rebalance train.jsonl train_os.jsonl --field category --max-ratio 3 --seed 0

Stats, per split file (its name without .jsonl is the split name): row count; per enum field the
label distribution (count and % of the rows labelled in that field; absent fields count as
unlabelled), the imbalance (largest / smallest non-empty class), classes under 1% and classes with
no row; rows whose label breaks the schema; duplicate texts within the split (same normalised
text) and how many of them carry different labels; text length in characters (p5/p50/p95/max);
noise kinds when rows have `meta.noise`. Across splits: leaks, i.e. rows of a later split (order
train, val, test, then others) whose normalised text or `meta.situation` also occurs in an
earlier one. `rejects.jsonl` in a folder is not a split and is skipped.

The schema is `--schema FILE`, else `schema.yaml` in the given folder (what `generating.importer
--infer-schema` writes there), else the default taxonomy.

Rebalance: `oversample()` copies rows of rare values of one field until every value has at least
1/max_ratio of the largest class's rows (seeded, deterministic). Copies get a new id
(`<id>~os<k>`) and `meta.oversampled_from`; they keep `meta.situation`, so they stay grouped with
their original. Rebalance only a training split, after splitting.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from ticket_triage.dataset import DataError, normalise_text, read_rows
from ticket_triage.schema import SchemaError, TicketSchema, load_schema

SPLIT_ORDER = ("train", "val", "validation", "dev", "test")
RARE_SHARE = 0.01
DEFAULT_MAX_RATIO = 3.0


def _split_sort_key(name: str) -> tuple[int, str]:
    return (SPLIT_ORDER.index(name) if name in SPLIT_ORDER else len(SPLIT_ORDER), name)


def collect_files(paths: list[str]) -> tuple[list[Path], Path | None]:
    """Split files from files and folders (skipping rejects.jsonl), and a schema.yaml found in a folder."""
    files: list[Path] = []
    schema_file = None
    for item in map(Path, paths):
        if item.is_dir():
            found = [p for p in item.glob("*.jsonl") if p.name != "rejects.jsonl"]
            if not found:
                raise DataError(f"{item}: no .jsonl split files in this folder")
            files.extend(found)
            if (item / "schema.yaml").is_file() and schema_file is None:
                schema_file = item / "schema.yaml"
        elif item.is_file():
            files.append(item)
        else:
            raise DataError(f"{item}: no such file or folder")
    names = [p.stem for p in files]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise DataError(f"two files give the same split name(s) {doubled}: {[str(p) for p in files]}")
    return sorted(files, key=lambda p: _split_sort_key(p.stem)), schema_file


# ---- measures -----------------------------------------------------------------------------------------
def percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default) of already sorted values; q in [0, 100]."""
    if not sorted_values:
        return 0.0
    position = (len(sorted_values) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def noise_kinds(meta: dict[str, Any]) -> list[str]:
    """`meta.noise` as a list of kinds: a string, a list of strings, or a mapping of kind -> truthy."""
    noise = meta.get("noise")
    if not noise:
        return []
    if isinstance(noise, str):
        return [noise]
    if isinstance(noise, dict):
        return [str(k) for k, v in noise.items() if v]
    if isinstance(noise, list):
        return [str(k) for k in noise]
    return ["noise"]


def field_stats(rows: list[dict[str, Any]], name: str, schema_values: tuple[str, ...]) -> dict[str, Any]:
    """Distribution of one enum field: schema values first (zeros included), then values outside it."""
    seen = Counter(row["label"][name] for row in rows if name in row["label"])
    labelled = sum(seen.values())
    values = list(schema_values) + sorted(v for v in seen if v not in schema_values)
    counts = {v: seen.get(v, 0) for v in values}
    present = [n for n in counts.values() if n]
    return {
        "labelled": labelled,
        "unlabelled": len(rows) - labelled,
        "counts": counts,
        "percent": {v: round(100 * n / labelled, 2) if labelled else 0.0 for v, n in counts.items()},
        "not_in_schema": [v for v in values if v not in schema_values],
        "imbalance": round(max(present) / min(present), 2) if len(present) > 1 else None,
        "under_1pct": [v for v, n in counts.items() if n and n / labelled < RARE_SHARE],
        "empty_classes": [v for v, n in counts.items() if not n],
    }


def split_stats(rows: list[dict[str, Any]], schema: TicketSchema, keys: list[str]) -> dict[str, Any]:
    """Everything measured within one split; `keys` are the rows' normalised texts."""
    by_text: dict[str, set[str]] = {}
    for key, row in zip(keys, rows):
        by_text.setdefault(key, set()).add(json.dumps(row["label"], sort_keys=True))
    counts_by_text = Counter(keys)
    duplicated_texts = [k for k, n in counts_by_text.items() if n > 1]
    conflicting = sum(1 for k in duplicated_texts if len(by_text[k]) > 1)  # same text, different labels

    invalid = []
    for row in rows:
        errors = schema.errors(row["label"], partial=True)
        if errors:
            invalid.append({"id": row.get("id"), "error": "; ".join(str(e) for e in errors)})

    lengths = sorted(len(row["text"]) for row in rows)
    noise_rows = [row for row in rows if "noise" in (row.get("meta") or {})]
    noise = Counter(kind for row in noise_rows for kind in noise_kinds(row["meta"]))
    return {
        "rows": len(rows),
        "fields": {f.name: field_stats(rows, f.name, f.values) for f in schema.enum_fields},
        "text_fields": {f.name: sum(1 for row in rows if f.name in row["label"]) for f in schema.text_fields},
        "invalid_labels": len(invalid),
        "invalid_examples": invalid[:3],
        "duplicates": {
            "rows": len(rows) - len(counts_by_text),  # rows beyond the first of each normalised text
            "texts": len(duplicated_texts),
            "label_conflicts": conflicting,
        },
        "text_chars": {
            "p5": round(percentile(lengths, 5), 1),
            "p50": round(percentile(lengths, 50), 1),
            "p95": round(percentile(lengths, 95), 1),
            "max": lengths[-1] if lengths else 0,
        },
        "noise": {"rows": sum(1 for row in noise_rows if noise_kinds(row["meta"])), "kinds": dict(noise.most_common())}
        if noise_rows
        else None,
    }


def leak_stats(splits: dict[str, list[dict[str, Any]]], keys: dict[str, list[str]]) -> list[dict[str, Any]]:
    """For each pair (earlier, later) of splits: what the later one shares with the earlier one."""
    names = list(splits)
    out = []
    for i, earlier in enumerate(names):
        texts = set(keys[earlier])
        situations = {(row.get("meta") or {}).get("situation") for row in splits[earlier]} - {None}
        for later in names[i + 1 :]:
            later_rows = splits[later]
            text_hits = [k in texts for k in keys[later]]
            situation_hits = [(row.get("meta") or {}).get("situation") in situations for row in later_rows]
            out.append(
                {
                    "splits": [earlier, later],
                    "shared_texts": len(texts & set(keys[later])),
                    "shared_situations": len(situations & {(r.get("meta") or {}).get("situation") for r in later_rows}),
                    "rows": sum(1 for t, s in zip(text_hits, situation_hits) if t or s),
                    "rows_by_text": sum(text_hits),
                    "rows_by_situation": sum(situation_hits),
                }
            )
    return out


def dataset_stats(files: list[Path], schema: TicketSchema) -> dict[str, Any]:
    """The whole report as one JSON-ready object."""
    splits = {path.stem: read_rows(path) for path in files}
    keys = {name: [normalise_text(row["text"]) for row in rows] for name, rows in splits.items()}
    return {
        "schema": {"name": schema.name, "source": schema.source},
        "files": {path.stem: str(path) for path in files},
        "splits": {name: split_stats(rows, schema, keys[name]) for name, rows in splits.items()},
        "leaks": leak_stats(splits, keys),
    }


# ---- the table ----------------------------------------------------------------------------------------
def _table(header: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(header)] + [line(r) for r in body]


def format_stats(stats: dict[str, Any]) -> str:
    splits = stats["splits"]
    names = list(splits)
    out = [f"schema: {stats['schema']['name']} ({stats['schema']['source']})", ""]
    body = []
    for name in names:
        s = splits[name]
        chars = s["text_chars"]
        lengths = f"{chars['p5']:g} / {chars['p50']:g} / {chars['p95']:g} / {chars['max']}"
        dups = s["duplicates"]
        body.append(
            [name, str(s["rows"]), str(dups["rows"]), str(dups["label_conflicts"]), str(s["invalid_labels"]), lengths]
        )
    out += _table(["split", "rows", "dup rows", "dup label conflicts", "invalid labels", "chars p5/p50/p95/max"], body)

    for field_name in splits[names[0]]["fields"] if names else []:
        per_split = [splits[n]["fields"][field_name] for n in names]
        if not any(f["labelled"] for f in per_split):
            continue  # the field is unlabelled everywhere: nothing to show
        out += ["", f"{field_name}:"]
        values = list(dict.fromkeys(v for f in per_split for v in f["counts"]))
        body = []
        for value in values:
            mark = " (not in schema)" if any(value in f["not_in_schema"] for f in per_split) else ""
            body.append(
                [value + mark]
                + [f"{f['counts'].get(value, 0)}  {f['percent'].get(value, 0.0):5.1f}%" for f in per_split]
            )
        body.append(["imbalance (max/min)"] + [f"{f['imbalance']:g}" if f["imbalance"] else "-" for f in per_split])
        body.append(["classes under 1%"] + [str(len(f["under_1pct"])) for f in per_split])
        body.append(["classes with no row"] + [str(len(f["empty_classes"])) for f in per_split])
        body.append(["unlabelled rows"] + [str(f["unlabelled"]) for f in per_split])
        out += ["  " + line for line in _table(["value"] + names, body)]
        for name, f in zip(names, per_split):
            if f["under_1pct"]:
                out.append(f"  {name}: under 1%: {', '.join(f['under_1pct'])}")

    text_field_names = splits[names[0]]["text_fields"] if names else {}
    text_fields = {n: [splits[s]["text_fields"][n] for s in names] for n in text_field_names}
    labelled_text = {n: c for n, c in text_fields.items() if any(c)}
    if labelled_text:
        out += [
            "",
            "text fields labelled: "
            + "; ".join(
                f"{n}: " + ", ".join(f"{s} {c}" for s, c in zip(names, counts)) for n, counts in labelled_text.items()
            ),
        ]

    for name in names:
        for example in splits[name]["invalid_examples"]:
            out.append(f"invalid label in {name} (id {example['id']}): {example['error']}")

    out += ["", "leaks between splits (rows of the later split sharing normalised text or meta.situation):"]
    if not stats["leaks"]:
        out.append("  (one split only)")
    for leak in stats["leaks"]:
        a, b = leak["splits"]
        out.append(
            f"  {b} vs {a}: {leak['rows']} rows ({leak['rows_by_text']} by text, "
            f"{leak['rows_by_situation']} by situation); shared texts {leak['shared_texts']}, "
            f"shared situations {leak['shared_situations']}"
        )

    noisy = {n: splits[n]["noise"] for n in names if splits[n]["noise"]}
    if noisy:
        out += ["", "noise (meta.noise):"]
        for name, noise in noisy.items():
            kinds = ", ".join(f"{k} {v}" for k, v in noise["kinds"].items()) or "-"
            out.append(f"  {name}: {noise['rows']} noisy rows; {kinds}")
    return "\n".join(out)


# ---- rebalancing --------------------------------------------------------------------------------------
def oversample(
    rows: list[dict[str, Any]], field: str, seed: int = 0, max_ratio: float = DEFAULT_MAX_RATIO
) -> list[dict[str, Any]]:
    """`rows` plus copies of rows of rare `field` values, so that no value has fewer than
    ceil(largest / max_ratio) rows. Rows without the field are kept and never copied.

    Each rare row is copied the same number of times (give or take one, the remainder drawn with
    `seed`), so no single ticket dominates. The originals keep their order; the copies follow,
    shuffled with `seed`. The same input, field, seed and ratio give the same output.
    """
    if max_ratio < 1:
        raise ValueError(f"max_ratio must be at least 1, got {max_ratio}")
    by_value: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if field in row["label"]:
            by_value.setdefault(row["label"][field], []).append(row)
    if not by_value:
        raise ValueError(f"no row has a label for field {field!r}")
    target = math.ceil(max(len(m) for m in by_value.values()) / max_ratio)
    rng = random.Random(seed)
    copies: list[dict[str, Any]] = []
    copy_number: Counter = Counter()
    for value in sorted(by_value):
        members = by_value[value]
        need = target - len(members)
        if need <= 0:
            continue
        full, rest = divmod(need, len(members))
        for row in members * full + rng.sample(members, rest):
            copy_number[row.get("id")] += 1
            meta = dict(row.get("meta") or {})
            meta["oversampled_from"] = row.get("id")
            copies.append({**row, "id": f"{row.get('id')}~os{copy_number[row.get('id')]}", "meta": meta})
    rng.shuffle(copies)
    return list(rows) + copies


def rebalance_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="triage data rebalance",
        description="Oversample rare labels of one field in a training JSONL file.",
    )
    parser.add_argument("input", metavar="IN", help="training split JSONL")
    parser.add_argument("output", metavar="OUT", help="where to write the rebalanced JSONL")
    parser.add_argument("--field", required=True, help="label field to balance, e.g. category")
    parser.add_argument(
        "--max-ratio",
        type=float,
        default=DEFAULT_MAX_RATIO,
        help=f"largest class / smallest class after oversampling (default: {DEFAULT_MAX_RATIO:g})",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        rows = read_rows(Path(args.input))
        balanced = oversample(rows, args.field, args.seed, args.max_ratio)
    except (DataError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as handle:
        for row in balanced:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    before = Counter(r["label"][args.field] for r in rows if args.field in r["label"])
    after = Counter(r["label"][args.field] for r in balanced if args.field in r["label"])
    body = [[v, str(before[v]), str(after[v])] for v, _ in before.most_common()]
    print("\n".join(_table([args.field, "before", "after"], body)))
    print(f"wrote {len(balanced)} rows ({len(balanced) - len(rows)} copies) to {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "rebalance":
        return rebalance_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="triage data stats",
        description="Label balance, duplicates, leaks and text lengths of dataset splits. "
        "`triage data stats rebalance IN OUT --field F` oversamples rare labels (see --help there).",
    )
    parser.add_argument("paths", nargs="+", metavar="DIR_OR_FILE", help="split JSONL files or folders of them")
    parser.add_argument(
        "--schema", metavar="FILE", help="taxonomy YAML (default: schema.yaml in the folder, else the default taxonomy)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args(argv)
    try:
        files, found_schema = collect_files(args.paths)
        schema = load_schema(args.schema or found_schema)
        stats = dataset_stats(files, schema)
    except (DataError, SchemaError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(stats, indent=2, ensure_ascii=False) if args.json else format_stats(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
