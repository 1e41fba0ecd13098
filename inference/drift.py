"""`triage drift`: has the model's output moved? PSI between a reference and a new set of predictions.

    triage predict --input last_month.jsonl --output ref.jsonl
    triage predict --input this_week.jsonl --output new.jsonl
    triage drift ref.jsonl new.jsonl                        # Markdown table on stdout
    triage drift ref.jsonl new.jsonl --json                 # one JSON object instead
    triage drift ref.jsonl new.jsonl --out reports/drift    # also writes drift.json and drift.md there
    triage drift ref.jsonl new.jsonl --fail-on major        # exit 1 on a major shift (CI, cron)

Both files are JSONL as `triage predict --output` writes them (one `TriageResult` per line), or
`--ticket-only` rows (the line is the ticket itself; then there are no confidences or review status
to compare, only labels). Needs no labels: it compares what the model said, not whether it was right.

The population stability index, PSI = sum over bins of (p_new - p_ref) * ln(p_new / p_ref), is
computed for every enum field's predicted labels (one bin per allowed value of the schema, so a
label that one side never predicts still counts), for every enum field's confidence (10 equal-width
bins on [0, 1]) and for the review rate (auto vs review). Rule of thumb: below 0.1 stable, 0.1 to
0.25 a moderate shift, 0.25 and above a major shift. PSI is noisy on small samples: below ~100 rows
a side, read it as a hint.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from ticket_triage.dataset import DataError, jsonl_lines, problems_listed
from ticket_triage.schema import TicketSchema, add_schema_argument

MODERATE_SHIFT = 0.1  # PSI from here: "moderate shift"
MAJOR_SHIFT = 0.25  # PSI from here: "major shift"
VERDICTS = ("stable", "moderate shift", "major shift")
FAIL_LEVELS = {"moderate": MODERATE_SHIFT, "major": MAJOR_SHIFT}
# An empty bin makes its ln(p_new / p_ref) term infinite; the usual fix is to floor every share at
# a small epsilon, which keeps PSI finite and barely moves it when both sides have the bin filled.
EPSILON = 1e-4
CONFIDENCE_BINS = 10
MIN_ROWS = 100  # below this many rows on a side, PSI is noisy: warn
TOP_CHANGES = 3  # label share changes shown per field
STATUSES = ("auto", "review")
OTHER = "(other)"  # a label the schema does not allow (another schema's predictions?)
MISSING = "(missing)"  # a row without the field
# The adapter's reference distribution: its predictions on its validation split, written next to
# its weights by `triage calibrate`; `triage serve` compares its sliding window of predictions to it.
DRIFT_REFERENCE_FILE = "drift_reference.jsonl"


# ---- the measure ----------------------------------------------------------------------------
def psi(ref_counts: list[float], new_counts: list[float]) -> float:
    """Population stability index of two histograms over the same bins (counts or shares).

    Each side is normalised to shares; a share below `EPSILON` (an empty bin) is floored at it.
    0 means identical distributions; the index is symmetric in ref and new.
    """
    if len(ref_counts) != len(new_counts):
        raise ValueError(f"psi: {len(ref_counts)} reference bins but {len(new_counts)} new bins")
    if any(c < 0 for c in (*ref_counts, *new_counts)):
        raise ValueError("psi: counts must not be negative")
    ref_total, new_total = sum(ref_counts), sum(new_counts)
    if ref_total <= 0 or new_total <= 0:
        raise ValueError("psi: each side needs at least one non-zero count")
    total = 0.0
    for r, n in zip(ref_counts, new_counts):
        p_ref, p_new = max(r / ref_total, EPSILON), max(n / new_total, EPSILON)
        total += (p_new - p_ref) * math.log(p_new / p_ref)
    return total


def verdict(value: float | None) -> str:
    """The rule-of-thumb verdict of a PSI: stable, moderate shift or major shift ("n/a" for None)."""
    if value is None:
        return "n/a"
    if value >= MAJOR_SHIFT:
        return VERDICTS[2]
    return VERDICTS[1] if value >= MODERATE_SHIFT else VERDICTS[0]


# ---- rows -----------------------------------------------------------------------------------
def normalise_row(row: Any, schema: TicketSchema) -> dict[str, Any]:
    """A prediction result or a bare ticket, as {"ticket", "confidence" (or None), "status" (or None)}.

    Raises ValueError naming what is wrong with the row.
    """
    if not isinstance(row, dict):
        raise ValueError(f"a row must be a JSON object, got {type(row).__name__}")
    if "ticket" in row:  # TriageResult.to_dict()
        ticket = row["ticket"]
        if not isinstance(ticket, dict):
            raise ValueError(f"'ticket' must be an object, got {type(ticket).__name__}")
        confidence = row.get("confidence")
        if confidence is not None:
            if not isinstance(confidence, dict):
                raise ValueError(f"'confidence' must be an object, got {type(confidence).__name__}")
            for name, value in confidence.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise ValueError(f"confidence.{name}: must be a number, got {value!r}")
        status = row.get("status")
        if status is not None and status not in STATUSES:
            raise ValueError(f"status: {status!r} is not one of {list(STATUSES)}")
        return {"ticket": ticket, "confidence": confidence, "status": status}
    if any(f.name in row for f in schema.enum_fields):  # `triage predict --ticket-only`: the row is the ticket
        return {"ticket": row, "confidence": None, "status": None}
    names = ", ".join(f.name for f in schema.enum_fields)
    raise ValueError(f"neither a prediction result (no 'ticket' object) nor a ticket (none of: {names})")


def compact_row(result: dict[str, Any], schema: TicketSchema) -> dict[str, Any]:
    """What drift needs of a `TriageResult.to_dict()`: enum labels, their confidences, the status.

    No ticket text and no summary: a drift window or reference file holds no personal data.
    """
    names = [f.name for f in schema.enum_fields]
    ticket, confidence = result.get("ticket") or {}, result.get("confidence") or {}
    return {
        "ticket": {n: ticket[n] for n in names if n in ticket},
        "confidence": {n: confidence[n] for n in names if n in confidence},
        "status": result.get("status"),
    }


def write_reference(path: str | Path, results: list[dict[str, Any]], schema: TicketSchema) -> None:
    """Write `results` (dicts) as a drift reference JSONL file that `read_results` reads back."""
    lines = (json.dumps(compact_row(r, schema), ensure_ascii=False) + "\n" for r in results)
    Path(path).write_text("".join(lines), encoding="utf-8")


def read_results(path: str | Path, schema: TicketSchema) -> list[dict[str, Any]]:
    """The normalised rows of a predictions JSONL file; DataError lists every bad line as file:line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such predictions file (write one with `triage predict --output FILE`)")
    rows, problems = [], []
    for line_no, line in jsonl_lines(path):
        try:
            row = json.loads(line)
            if isinstance(row, dict) and "error" in row and "ticket" not in row:
                continue  # `triage predict` wrote this ticket's failure, not a prediction
            rows.append(normalise_row(row, schema))
        except json.JSONDecodeError as e:
            problems.append(f"{path}:{line_no}: not JSON ({e.msg})")
        except ValueError as e:
            problems.append(f"{path}:{line_no}: {e}")
    if problems:
        raise DataError(problems_listed(f"{len(problems)} bad row(s) in {path}", problems))
    if not rows:
        raise DataError(f"{path}: no rows")
    return rows


# ---- the report -----------------------------------------------------------------------------
def _shares(counts: list[float]) -> list[float]:
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def _label_counts(rows: list[dict[str, Any]], name: str, values: list[str]) -> tuple[dict[str, int], list[str]]:
    counts = dict.fromkeys(values, 0)
    unknown: list[str] = []
    for row in rows:
        value = row["ticket"].get(name)
        if value is None:
            key = MISSING
        elif isinstance(value, str) and value in values:
            key = value
        else:
            key = OTHER
            unknown.append(str(value))
        counts[key] = counts.get(key, 0) + 1
    return counts, unknown


def _confidence_counts(rows: list[dict[str, Any]], name: str) -> tuple[list[int], list[float]]:
    counts = [0] * CONFIDENCE_BINS
    seen = []
    for row in rows:
        value = (row["confidence"] or {}).get(name)
        if value is None:
            continue
        value = min(max(float(value), 0.0), 1.0)
        seen.append(value)
        counts[min(int(value * CONFIDENCE_BINS), CONFIDENCE_BINS - 1)] += 1  # [0, .1), ..., [.9, 1]
    return counts, seen


def _measure(field: str, measure: str, bins: list[str], ref: list[float], new: list[float]) -> dict[str, Any]:
    value = psi(ref, new)
    return {
        "field": field,
        "measure": measure,
        "psi": round(value, 6),
        "verdict": verdict(value),
        "bins": bins,
        "ref_counts": ref,
        "new_counts": new,
        "ref_share": [round(s, 6) for s in _shares(ref)],
        "new_share": [round(s, 6) for s in _shares(new)],
    }


def _not_available(field: str, measure: str, note: str) -> dict[str, Any]:
    return {"field": field, "measure": measure, "psi": None, "verdict": verdict(None), "note": note}


def drift_report(schema: TicketSchema, ref_results: list[dict], new_results: list[dict]) -> dict[str, Any]:
    """PSI of every enum field's labels and confidences, and of the review rate, between two result sets.

    Rows are `TriageResult.to_dict()` dicts or bare tickets (`--ticket-only`). Returns a JSON-ready
    dict: "measures" (one entry per field and measure: psi, verdict, bins, counts, shares, and
    "top_changes" for labels), "review_rate", "max_psi", "verdict" (of the largest PSI), "warnings".
    """
    sides = {}
    for side, results in (("reference", ref_results), ("new", new_results)):
        if not results:
            raise ValueError(f"the {side} set has no rows")
        try:
            sides[side] = [normalise_row(r, schema) for r in results]
        except ValueError as e:
            raise ValueError(f"{side} set: {e}") from None
    ref, new = sides["reference"], sides["new"]
    warnings = [
        f"the {side} set has only {len(rows)} row(s) (< {MIN_ROWS}): PSI is noisy on small samples"
        for side, rows in sides.items()
        if len(rows) < MIN_ROWS
    ]
    measures: list[dict[str, Any]] = []
    for f in schema.enum_fields:
        ref_counts, ref_unknown = _label_counts(ref, f.name, list(f.values))
        new_counts, new_unknown = _label_counts(new, f.name, list(f.values))
        for side, unknown in (("reference", ref_unknown), ("new", new_unknown)):
            if unknown:
                examples = ", ".join(repr(v) for v in sorted(set(unknown))[:3])
                warnings.append(
                    f"{f.name}: {len(unknown)} {side} row(s) have values not in schema {schema.name!r} "
                    f"(e.g. {examples}), counted as {OTHER!r}"
                )
        bins = list(f.values) + [b for b in (OTHER, MISSING) if ref_counts.get(b) or new_counts.get(b)]
        entry = _measure(
            f.name, "labels", bins, [ref_counts.get(b, 0) for b in bins], [new_counts.get(b, 0) for b in bins]
        )
        changes = [
            {"value": b, "ref": r, "new": n, "change": round(n - r, 6)}
            for b, r, n in zip(bins, entry["ref_share"], entry["new_share"])
            if n != r
        ]
        changes.sort(key=lambda c: (-abs(c["change"]), c["value"]))
        entry["top_changes"] = changes[:TOP_CHANGES]
        measures.append(entry)

        ref_conf, ref_seen = _confidence_counts(ref, f.name)
        new_conf, new_seen = _confidence_counts(new, f.name)
        if not ref_seen or not new_seen:
            missing = " and ".join(s for s, seen in (("reference", ref_seen), ("new", new_seen)) if not seen)
            measures.append(
                _not_available(f.name, "confidence", f"no confidences in the {missing} set (ticket-only rows?)")
            )
            continue
        edges = [i / CONFIDENCE_BINS for i in range(CONFIDENCE_BINS + 1)]
        entry = _measure(
            f.name, "confidence", [f"{lo:.1f}-{hi:.1f}" for lo, hi in zip(edges, edges[1:])], ref_conf, new_conf
        )
        entry["ref_mean"] = round(sum(ref_seen) / len(ref_seen), 6)
        entry["new_mean"] = round(sum(new_seen) / len(new_seen), 6)
        measures.append(entry)

    ref_status = [r["status"] for r in ref if r["status"] is not None]
    new_status = [r["status"] for r in new if r["status"] is not None]
    review_rate: dict[str, Any] = {
        "ref": round(ref_status.count("review") / len(ref_status), 6) if ref_status else None,
        "new": round(new_status.count("review") / len(new_status), 6) if new_status else None,
    }
    if ref_status and new_status:
        entry = _measure(
            "(all)",
            "review rate",
            list(STATUSES),
            [ref_status.count(s) for s in STATUSES],
            [new_status.count(s) for s in STATUSES],
        )
        review_rate.update(psi=entry["psi"], verdict=entry["verdict"])
    else:
        missing = " and ".join(s for s, st in (("reference", ref_status), ("new", new_status)) if not st)
        entry = _not_available("(all)", "review rate", f"no review status in the {missing} set (ticket-only rows?)")
        review_rate.update(psi=None, verdict=entry["verdict"])
    measures.append(entry)

    scored = [m["psi"] for m in measures if m["psi"] is not None]
    max_psi = max(scored) if scored else None
    return {
        "schema": schema.name,
        "n_ref": len(ref),
        "n_new": len(new),
        "thresholds": {"moderate": MODERATE_SHIFT, "major": MAJOR_SHIFT},
        "epsilon": EPSILON,
        "max_psi": max_psi,
        "verdict": verdict(max_psi),
        "review_rate": review_rate,
        "measures": measures,
        "warnings": warnings,
    }


def reaches(report: dict[str, Any], level: str) -> bool:
    """Whether any PSI in `report` is at or above `level` ("moderate" or "major")."""
    threshold = FAIL_LEVELS[level]
    return any(m["psi"] is not None and m["psi"] >= threshold for m in report["measures"])


# ---- output ---------------------------------------------------------------------------------
def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _changes(m: dict[str, Any]) -> str:
    if m["psi"] is None:
        return m.get("note", "")
    if m["measure"] == "labels":
        return "; ".join(f"{c['value']} {_pct(c['ref'])} → {_pct(c['new'])}" for c in m["top_changes"]) or "-"
    if m["measure"] == "confidence":
        return f"mean {m['ref_mean']:.2f} → {m['new_mean']:.2f}"
    return f"review {_pct(m['ref_share'][1])} → {_pct(m['new_share'][1])}"


def to_markdown(report: dict[str, Any]) -> str:
    """The report as a Markdown table, with the sample sizes, the verdict and any warnings."""
    ref, new = report.get("ref", "reference"), report.get("new", "new")
    lines = [
        "# Prediction drift",
        "",
        f"Reference: {ref} ({report['n_ref']} rows). New: {new} ({report['n_new']} rows). Schema: {report['schema']}.",
        "",
        "| field | measure | PSI | verdict | biggest changes (ref → new) |",
        "|---|---|---:|---|---|",
    ]
    for m in report["measures"]:
        value = "n/a" if m["psi"] is None else f"{m['psi']:.3f}"
        lines.append(f"| {_cell(m['field'])} | {m['measure']} | {value} | {m['verdict']} | {_cell(_changes(m))} |")
    overall = "n/a" if report["max_psi"] is None else f"{report['max_psi']:.3f}"
    lines += [
        "",
        f"Largest PSI: {overall} ({report['verdict']}). PSI < {MODERATE_SHIFT} stable, "
        f"{MODERATE_SHIFT}-{MAJOR_SHIFT} moderate shift, >= {MAJOR_SHIFT} major shift; "
        f"empty bins floored at {report['epsilon']:g}.",
    ]
    if report["warnings"]:
        lines += ["", "Warnings:", ""] + [f"- {w}" for w in report["warnings"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="triage drift",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("ref", help="reference predictions JSONL (`triage predict --output`)")
    parser.add_argument("new", help="new predictions JSONL to compare with it")
    add_schema_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the Markdown table")
    parser.add_argument("--out", metavar="DIR", help="also write drift.json and drift.md into DIR")
    parser.add_argument(
        "--fail-on",
        choices=tuple(FAIL_LEVELS),
        default=None,
        help="exit 1 when any PSI reaches this level (moderate: >= 0.1, major: >= 0.25)",
    )
    args = parser.parse_args(argv)

    from ticket_triage.schema import load_schema

    schema = load_schema(args.schema)
    ref_rows, new_rows = read_results(args.ref, schema), read_results(args.new, schema)
    report = {"ref": str(args.ref), "new": str(args.new)} | drift_report(schema, ref_rows, new_rows)
    for warning in report["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    markdown = to_markdown(report)
    as_json = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    sys.stdout.write(as_json if args.json else markdown)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "drift.json").write_text(as_json, encoding="utf-8")
        (out / "drift.md").write_text(markdown, encoding="utf-8")
        print(f"wrote {out / 'drift.json'} and {out / 'drift.md'}", file=sys.stderr)
    if args.fail_on and reaches(report, args.fail_on):
        print(f"drift: PSI {report['max_psi']:.3f} reaches --fail-on {args.fail_on}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
