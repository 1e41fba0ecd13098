"""`triage predict`: inputs (args, JSONL, text lines, stdin), outputs, and the review-threshold flags."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from inference.predict import _threshold, main, read_texts


def test_read_texts_takes_jsonl_rows_and_plain_lines(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "VPN down"}\n\nprinter jams\n{"text": "a \\"quoted\\" word"}\n', encoding="utf-8")
    assert read_texts(str(path)) == ["VPN down", "printer jams", 'a "quoted" word']


def test_read_texts_names_file_and_line_of_bad_rows(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "ok"}\n{"text": 3}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match=r"in.jsonl:2: row has no string field 'text'"):
        read_texts(str(path))


def test_threshold_flag_parses_global_and_per_field_values():
    assert _threshold("0.7") == (None, 0.7)
    assert _threshold("category=0.8") == ("category", 0.8)
    for bad in ("high", "category=2"):
        with pytest.raises(argparse.ArgumentTypeError):
            _threshold(bad)


def test_predict_file_to_file_with_per_field_thresholds(tiny_model_dir, tmp_path, schema, capsys):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"text": "VPN down"}\n{"text": "new laptop please"}\n{"text": "phishing mail"}\n')
    code = main(
        [
            "--model",
            tiny_model_dir,
            "--input",
            str(src),
            "--output",
            str(out),
            "--batch-size",
            "2",
            "--review-threshold",
            "0",
            "--review-threshold",
            "category=1",
        ]
    )
    assert code == 0
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(results) == 3
    for result in results:
        assert schema.errors(result["ticket"]) == []
        assert [r for r in result["reasons"] if "low confidence" in r] == [
            r for r in result["reasons"] if r.startswith("category:")
        ]
        assert result["status"] == "review"
    assert "wrote 3 results" in capsys.readouterr().err


def test_predict_reads_stdin_and_rejects_unknown_threshold_fields(tiny_model_dir, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("Outlook crashes on attachments"))
    assert main(["--model", tiny_model_dir, "--ticket-only", "--classification-only"]) == 0
    ticket = json.loads(capsys.readouterr().out)
    assert "summary" not in ticket and "category" in ticket
    with pytest.raises(SystemExit, match=r"\['colour'\] are not enum fields"):
        main(["--model", tiny_model_dir, "--review-threshold", "colour=0.5", "VPN"])
