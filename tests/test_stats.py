"""Tests for generating.stats: counts, percentiles, duplicates, leaks, noise and oversampling.

.venv/bin/python -m pytest tests/test_stats.py -q
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from generating.stats import dataset_stats, main, oversample, percentile, split_stats
from ticket_triage.dataset import normalise_text
from ticket_triage.schema import load_schema


def row(i: str, text: str, category: str | None, situation: str | None = None, noise=None) -> dict:
    meta = {"situation": situation or f"s-{i}"}
    if noise is not None:
        meta["noise"] = noise
    label = {"category": category} if category else {}
    return {"id": i, "text": text, "label": label, "meta": meta}


TRAIN = [
    row("a", "VPN down", "Network", noise=["typos"]),
    row("b", "vpn, down!", "Network", noise="typos"),  # duplicate of a once normalised
    row("c", "Printer jam", "Hardware", situation="printer-story", noise={"typos": True, "all_caps": False}),
    row("d", "PRINTER JAM", "Access"),  # duplicate of c with another label: a conflict
    row("e", "Reset my password please", "Access", noise=[]),
    row("f", "Unlabelled ticket text", None),
]
TEST = [
    row("t1", "Printer jam.", "Hardware"),  # leaks by text
    row("t2", "New laptop needed", "Hardware", situation="printer-story"),  # leaks by situation
    row("t3", "Teleport me to the office", "Teleportation"),  # not a value of the schema
]


def write_split(folder: Path, name: str, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def dataset(tmp_path) -> Path:
    folder = tmp_path / "data"
    write_split(folder, "test", TEST)  # written first: the report must still order train before test
    write_split(folder, "train", TRAIN)
    (folder / "rejects.jsonl").write_text('{"file": "x.csv", "line": 2, "reason": "empty_text", "raw": ""}\n')
    return folder


def test_counts_duplicates_and_leaks(dataset):
    stats = dataset_stats([dataset / "train.jsonl", dataset / "test.jsonl"], load_schema(None))
    train, test = stats["splits"]["train"], stats["splits"]["test"]
    assert (train["rows"], test["rows"]) == (6, 3)

    category = train["fields"]["category"]
    assert (category["labelled"], category["unlabelled"]) == (5, 1)
    assert {k: v for k, v in category["counts"].items() if v} == {"Network": 2, "Hardware": 1, "Access": 2}
    assert category["percent"]["Network"] == 40.0  # of the labelled rows
    assert category["imbalance"] == 2.0
    assert "Security" in category["empty_classes"] and "Network" not in category["empty_classes"]
    assert train["fields"]["priority"]["labelled"] == 0  # absent field: unlabelled, not an error

    assert train["duplicates"] == {"rows": 2, "texts": 2, "label_conflicts": 1}
    assert test["duplicates"] == {"rows": 0, "texts": 0, "label_conflicts": 0}
    assert (train["invalid_labels"], test["invalid_labels"]) == (0, 1)
    assert test["fields"]["category"]["not_in_schema"] == ["Teleportation"]

    [leak] = stats["leaks"]
    assert leak["splits"] == ["train", "test"]
    assert (leak["rows"], leak["rows_by_text"], leak["rows_by_situation"]) == (2, 1, 1)
    assert (leak["shared_texts"], leak["shared_situations"]) == (1, 1)

    assert train["noise"] == {"rows": 3, "kinds": {"typos": 3}}
    assert test["noise"] is None


def test_text_length_percentiles_match_numpy():
    values = sorted([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9])
    for q in (0, 5, 50, 95, 100):
        assert percentile(values, q) == pytest.approx(np.percentile(values, q))
    lengths = [len(r["text"]) for r in TRAIN]
    stats = dataset_stats_for(TRAIN)
    assert stats["text_chars"]["max"] == max(lengths)
    assert stats["text_chars"]["p50"] == pytest.approx(np.percentile(lengths, 50), abs=0.05)
    assert stats["text_chars"]["p5"] == pytest.approx(np.percentile(lengths, 5), abs=0.05)


def dataset_stats_for(rows: list[dict]) -> dict:
    return split_stats(rows, load_schema(None), [normalise_text(r["text"]) for r in rows])


def test_rare_classes_under_one_percent():
    rows = [row(str(i), f"broken screen {i}", "Hardware") for i in range(149)] + [row("n", "vpn", "Network")]
    category = dataset_stats_for(rows)["fields"]["category"]
    assert category["under_1pct"] == ["Network"]
    assert category["imbalance"] == 149.0


def test_cli_table_json_and_schema_from_the_folder(dataset, capsys):
    assert main([str(dataset)]) == 0
    table = capsys.readouterr().out
    assert table.index("train") < table.index("test")
    assert "test vs train: 2 rows (1 by text, 1 by situation)" in table
    assert "Teleportation (not in schema)" in table
    assert "rejects" not in table

    assert main([str(dataset), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert list(stats["splits"]) == ["train", "test"]
    assert stats["schema"]["name"] == "itsm-default"

    # a schema.yaml next to the splits (as the importer's --infer-schema writes it) is used
    (dataset / "schema.yaml").write_text(
        "name: tiny\nversion: 1\nfields:\n  category:\n    type: enum\n"
        "    values: [Network, Hardware, Access, Teleportation]\n",
        encoding="utf-8",
    )
    assert main([str(dataset), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["schema"]["name"] == "tiny"
    assert stats["splits"]["test"]["invalid_labels"] == 0


def test_malformed_rows_are_reported_with_file_and_line(tmp_path, capsys):
    path = write_split(tmp_path, "train", TRAIN)
    path.write_text(path.read_text() + '{"text": "no label"}\n', encoding="utf-8")
    assert main([str(path)]) == 2
    assert f"{path}:7:" in capsys.readouterr().err


def skewed_rows() -> list[dict]:
    spec = {"Hardware": 60, "Access": 15, "Network": 4}
    rows = [row(f"{cat[0]}{i}", f"{cat} ticket {i}", cat) for cat, n in spec.items() for i in range(n)]
    return rows + [row("u", "no label here", None)]


def test_oversample_raises_rare_classes_to_the_ratio_deterministically():
    rows = skewed_rows()
    balanced = oversample(rows, "category", seed=1, max_ratio=3)
    counts = Counter(r["label"].get("category") for r in balanced)
    target = math.ceil(60 / 3)
    assert counts == {"Hardware": 60, "Access": target, "Network": target, None: 1}
    assert max(counts[c] for c in ("Hardware", "Access", "Network")) / target <= 3

    assert balanced[: len(rows)] == rows  # originals first, unchanged
    ids = [r["id"] for r in balanced]
    assert len(ids) == len(set(ids))
    copies = balanced[len(rows) :]
    assert all(r["meta"]["oversampled_from"] in {x["id"] for x in rows} for r in copies)
    assert all(r["meta"]["situation"] == f"s-{r['meta']['oversampled_from']}" for r in copies)
    # Network (4 rows -> 20) is copied evenly: each row 4 times
    per_row = Counter(r["meta"]["oversampled_from"] for r in copies if r["label"]["category"] == "Network")
    assert sorted(per_row.values()) == [4, 4, 4, 4]
    assert all("oversampled_from" not in r["meta"] for r in rows)  # the input is not mutated

    assert oversample(rows, "category", seed=1, max_ratio=3) == balanced
    assert oversample(rows, "category", seed=2, max_ratio=3) != balanced
    assert oversample(rows, "category", seed=1, max_ratio=100) == rows  # already within the ratio
    with pytest.raises(ValueError):
        oversample(rows, "category", max_ratio=0.5)


def test_rebalance_cli(tmp_path, capsys):
    source = write_split(tmp_path, "train", skewed_rows())
    target = tmp_path / "train_balanced.jsonl"
    assert main(["rebalance", str(source), str(target), "--field", "category", "--max-ratio", "2"]) == 0
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert Counter(r["label"].get("category") for r in rows) == {"Hardware": 60, "Access": 30, "Network": 30, None: 1}
    assert "wrote 121 rows (41 copies)" in capsys.readouterr().out
