"""`triage predict`: inputs (args, JSONL, text lines, stdin), outputs, and the review-threshold flags."""

from __future__ import annotations

import io
import json

import pytest

from inference.predict import main, read_texts
from ticket_triage.dataset import DataError


def test_read_texts_takes_jsonl_rows_and_plain_lines(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "VPN down"}\n\nprinter jams\n{"text": "a \\"quoted\\" word"}\n', encoding="utf-8")
    assert read_texts(str(path)) == ["VPN down", "printer jams", 'a "quoted" word']


def test_read_texts_names_file_and_line_of_bad_rows(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "ok"}\n{"text": 3}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"in.jsonl:2: row has no string field 'text'"):
        read_texts(str(path))


def test_read_texts_splits_records_at_newlines_only(tmp_path):
    # Regression: str.splitlines() also split at U+2028 inside a JSON string, which the importer
    # writes raw, so row 257 of a real import was "not JSON".
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "line\u2028separator"}\r\n{"text": "next\u0085row"}\n', encoding="utf-8")
    assert read_texts(str(path)) == ["line\u2028separator", "next\u0085row"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"text": "ok"}\n{"text": "vpn \\ud800 down"}\n{"text": "ok"}\n', r"in.jsonl:2: text: character 4 is '\\ud8"),
        (b'{"text": "ok"}\nprinter \xff jams\n', r"in.jsonl:2: not UTF-8 text \(byte 9 of the line\)"),
    ],
)
def test_read_texts_rejects_text_that_is_not_unicode_naming_the_line(tmp_path, content, message):
    # Regression: a lone surrogate passed and the tokenizer raised TypeError mid-batch (traceback, no output).
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_texts(str(path))


def test_missing_input_file_is_one_error_line(tmp_path, capsys):
    from triage.cli import main as triage

    assert triage(["predict", "--input", str(tmp_path / "missing.jsonl"), "--model", "tfidf-not-needed"]) == 2
    err = capsys.readouterr().err
    assert "missing.jsonl: cannot read the file" in err and "Traceback" not in err


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
    with pytest.raises(DataError, match=r"\['colour'\] are not enum fields"):
        main(["--model", tiny_model_dir, "--review-threshold", "colour=0.5", "VPN"])


class PoisonedEngine:
    """Answers every ticket (a fixed ticket) but raises on any batch holding "poison": an engine failure."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def predict_batch(self, texts, classification_only=False, progress=False, batch_size=16):
        from ticket_triage.result import TriageResult

        self.batches.append(list(texts))
        if any("poison" in t for t in texts):
            raise TypeError("simulated tokenizer failure")
        return [TriageResult({"category": "Network"}, {"category": 0.9}, {}, "auto") for _ in texts]


def test_a_failing_ticket_gets_an_error_row_and_the_others_their_results(tmp_path, monkeypatch, capsys):
    # Regression: one bad row of three ended in a traceback, exit 1, and no output file at all.
    engine = PoisonedEngine()
    monkeypatch.setattr("inference.predict.load_triager", lambda args, model=None: engine)
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"id": "A-1", "text": "VPN down"}\n{"id": "A-2", "text": "poison"}\nprinter jams\n')
    assert main(["--input", str(src), "--output", str(out)]) == 1
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["A-1", "A-2", 3]  # the row's id, else its line number
    assert rows[0]["ticket"] == rows[2]["ticket"] == {"category": "Network"}
    assert rows[1] == {"id": "A-2", "error": "TypeError: simulated tokenizer failure"}
    assert engine.batches[1:] == [["VPN down"], ["poison"], ["printer jams"]]  # retried one by one
    assert "1 ticket(s) failed (id or line: A-2)" in capsys.readouterr().err


def test_resume_keeps_the_results_written_and_triages_only_the_rest(tmp_path, monkeypatch, capsys):
    engine = PoisonedEngine()
    monkeypatch.setattr("inference.predict.load_triager", lambda args, model=None: engine)
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(f"ticket {i}\n" for i in range(1, 6)))
    first = '{"id": 1, "ticket": {"category": "Access"}}\n'
    out.write_text(first + '{"id": 2, "tick')  # killed while writing the second result
    assert main(["--input", str(src), "--output", str(out), "--resume"]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == first.strip() and [json.loads(line)["id"] for line in lines] == [1, 2, 3, 4, 5]
    assert engine.batches == [["ticket 2", "ticket 3", "ticket 4", "ticket 5"]]
    err = capsys.readouterr().err
    assert "wrote 4 results" in err and "(1 kept from the earlier run)" in err
    with pytest.raises(SystemExit):
        main(["--input", str(src), "--resume"])  # nothing to resume without --output


def test_a_model_that_fails_every_ticket_stops_the_run_instead_of_writing_error_rows(tmp_path, monkeypatch, capsys):
    engine = PoisonedEngine()
    monkeypatch.setattr("inference.predict.load_triager", lambda args, model=None: engine)
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(f"poison {i}\n" for i in range(4)) + "fine\n")  # --batch-size 1: chunks of 4
    assert main(["--input", str(src), "--output", str(out), "--batch-size", "1"]) == 1
    assert out.read_text() == ""  # nothing written for the failed chunk: --resume starts at ticket 1
    err = capsys.readouterr().err
    assert "all 4 tickets from number 1 failed (TypeError: simulated tokenizer failure); stopped" in err
