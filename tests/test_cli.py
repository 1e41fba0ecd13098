"""`triage`: subcommands listed, help instant, no heavy import on the light path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from triage.cli import COMMANDS, main


def test_help_lists_every_subcommand(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("generate", "train", "predict", "eval", "schema", "demo"):
        assert name in out and name in COMMANDS


def test_unknown_command_fails_with_usage(capsys):
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_a_folded_command_says_where_it_went(capsys):
    assert main(["compare", "--data", "x.jsonl"]) == 2
    assert "triage eval --data FILE --model A --model B" in capsys.readouterr().err


def test_help_and_schema_import_no_torch():
    code = (
        "import sys, io, contextlib\n"
        "from triage.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help']); main(['schema'])\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl', 'peft') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_command_module_has_main():
    import importlib.util

    for module, _ in COMMANDS.values():
        assert importlib.util.find_spec(module) is not None, module


def test_bad_input_is_one_clear_line_not_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nfields: {}\n")
    assert main(["eval", "--data", str(tmp_path / "missing.jsonl"), "--schema", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("triage eval: error: ") and "bad.yaml: fields" in err
    assert "Traceback" not in err


def _bad_inputs(folder) -> dict[str, object]:
    """Files a user gets wrong: a JSONL file with invalid UTF-8 on line 2, a baseline folder and an
    adapter folder whose JSON is cut off, YAML that does not parse, a profile with a misspelt key."""
    paths = {
        "badutf8": folder / "badutf8.jsonl",
        "badbase": folder / "badbase",
        "badadapter": folder / "badadapter",
        "badyaml": folder / "bad.yaml",
        "misspelt": folder / "misspelt.yaml",
        "missing": folder / "missing.jsonl",
    }
    paths["badutf8"].write_bytes(b'{"text": "vpn down", "label": {}}\n{"text": "bad \xff\xfe", "label": {}}\n')
    paths["badbase"].mkdir()
    (paths["badbase"] / "baseline.json").write_text('{"kind": "tfidf"')
    paths["badadapter"].mkdir()
    (paths["badadapter"] / "adapter_config.json").write_text("{")
    paths["badyaml"].write_text("train_file: [\n")
    paths["misspelt"].write_text("train_file: x.jsonl\nlerning_rate: 0.1\n")
    return paths


# Regression: each of these ended in a 15-60 line traceback and exit 1 (UnicodeDecodeError,
# JSONDecodeError, FileNotFoundError, yaml's ScannerError), or a misspelt key trained silently.
BAD_COMMANDS = [
    (["predict", "--input", "{missing}"], "missing.jsonl: cannot read the file"),
    (["predict", "--input", "{badutf8}"], "badutf8.jsonl:2: not UTF-8 text"),
    (["eval", "--data", "{badutf8}"], "badutf8.jsonl:2: not UTF-8 text"),
    (["calibrate", "--data", "{badutf8}", "--model", "{badbase}"], "badutf8.jsonl:2: not UTF-8 text"),
    (["baseline", "fit", "--kind", "tfidf", "--train", "{badutf8}", "--out", "{missing}"], "badutf8.jsonl:2"),
    (["data", "stats", "{badutf8}"], "badutf8.jsonl:2: not UTF-8 text"),
    (["drift", "{badutf8}", "{badutf8}"], "badutf8.jsonl:2: not UTF-8 text"),
    (["schema", "--validate", "{badutf8}"], "badutf8.jsonl: not a JSON ticket"),
    (["predict", "hello", "--model", "{badbase}"], "baseline.json: not valid JSON"),
    (["predict", "hello", "--model", "{badadapter}"], "adapter_config.json: not valid JSON"),
    (["merge", "{badadapter}", "{missing}"], "adapter_config.json: not valid JSON"),
    (["train", "--config", "{missing}"], "missing.jsonl: no such training profile"),
    (["train", "--config", "{badyaml}"], "bad.yaml:2: not valid YAML"),
    (["train", "--config", "{misspelt}"], "'lerning_rate' (did you mean 'learning_rate'?)"),
]


@pytest.mark.parametrize(
    ("argv", "expected"), BAD_COMMANDS, ids=[" ".join(a[:2]) + f" {e[:24]}" for a, e in BAD_COMMANDS]
)
def test_expected_failures_are_one_error_line_and_exit_2(argv, expected, tmp_path, capsys):
    paths = _bad_inputs(tmp_path)
    assert main([arg.format(**paths) for arg in argv]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    assert "error:" in lines[0] and expected in lines[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    "code",
    [
        # a model command on the shipped adapter (PEFT reads a renamed transformers attribute)
        "from triage.cli import main; main(['predict', '--ticket-only', 'vpn down since 9am'])",
        # a training profile parsed (TRL's SFTConfig sets a renamed transformers argument)
        "from training.train import parse_args; parse_args(['--config', 'configs/train/cpu_smollm2.yaml'])",
    ],
    ids=["predict", "train-profile"],
)
def test_model_commands_print_no_library_deprecation_warnings(code):
    """Regression: every model command printed FutureWarnings from transformers, PEFT and TRL
    (`past_key_values`, `is_gradient_checkpointing`, `gradient_checkpointing`). Our own calls use the
    new names; the libraries' own ones are filtered once (ticket_triage/models.py)."""
    from pathlib import Path

    run = subprocess.run(
        [sys.executable, "-c", code],  # Python's own filters, as a user runs it: FutureWarnings show
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr, run.stderr
