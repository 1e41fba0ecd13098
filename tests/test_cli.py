"""`triage`: subcommands listed, help instant, no heavy import on the light path."""

from __future__ import annotations

import subprocess
import sys

from ticket_triage.cli import COMMANDS, main


def test_help_lists_every_subcommand(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("generate", "train", "predict", "eval", "schema", "demo"):
        assert name in out and name in COMMANDS


def test_unknown_command_fails_with_usage(capsys):
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_help_and_schema_import_no_torch():
    code = (
        "import sys, io, contextlib\n"
        "from ticket_triage.cli import main\n"
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
