"""The docs cannot rot: README's quick start runs as written; every command in the docs parses.

- `test_every_documented_command_parses`: each `triage ...`, `python -m MODULE ...`,
  `python scripts/X.py ...` and `accelerate launch ... -m training.train ...` line in README.md and
  docs/*.md goes through the real command's own argument parser (and stops there: nothing runs).
  A renamed or removed flag fails here.
- `test_readme_quick_start_tour_runs` (slow) runs every line of the README's quick-start tour, in
  order, in a scratch folder, as a reader would after `make demo`.
- `test_make_demo_runs` (slow) runs the README's `make demo` on small budgets (DEMO_ARGS).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, load_script

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def shell_blocks(markdown: str) -> list[list[str]]:
    """The ```bash blocks of Markdown text, each as a list of command lines (continuations joined)."""
    blocks = re.findall(r"```bash\n(.*?)```", markdown, re.DOTALL)
    return [re.sub(r"\\\n\s*", " ", block).splitlines() for block in blocks]


def documented_commands() -> list[tuple[str, list[str]]]:
    """(where, argv) of every command line in the docs, comments and env assignments removed."""
    found = []
    for path in DOCS:
        for block in shell_blocks(path.read_text(encoding="utf-8")):
            for line in block:
                try:
                    argv = shlex.split(line, comments=True)
                except ValueError:
                    continue
                while argv and re.fullmatch(r"[A-Z_]+=.*", argv[0]):  # TRIAGE_API_KEYS=... triage serve
                    argv = argv[1:]
                if argv and argv[-1] == "&":
                    argv = argv[:-1]
                if argv:
                    found.append((f"{path.relative_to(REPO_ROOT)}: {line.strip()[:90]}", argv))
    return found


class Parsed(Exception):
    """Raised by the patched parser once the arguments parsed: the command itself never runs."""


def _parse_only(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> bool:
    """Parse `argv` with its command's parser. False when the line is not a command we can check."""
    original = argparse.ArgumentParser.parse_args

    def parse_args_then_stop(self, args=None, namespace=None):
        original(self, args, namespace)
        raise Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_args_then_stop)
    program, rest = Path(argv[0]).name, argv[1:]
    if program == "accelerate" and "-m" in rest:
        module, rest = rest[rest.index("-m") + 1], rest[rest.index("-m") + 2 :]
    elif program.startswith("python") and rest[:1] == ["-m"]:
        module, rest = rest[1], rest[2:]
    elif program.startswith("python") and rest and rest[0].startswith("scripts/"):
        module, rest = "scripts:" + Path(rest[0]).stem, rest[1:]
    elif program == "triage":
        if not rest or rest[0] in ("--help", "-h"):
            return True  # the usage text, no parser
        from triage.cli import COMMANDS

        command, rest = rest[0], rest[1:]
        assert command in COMMANDS, f"no such command: triage {command}"
        if command == "data" and rest[:1] == ["stats"]:  # as the CLI does: stats is the default action
            rest = rest[1:]
        module = COMMANDS[command][0]
    else:
        return False  # tensorboard, curl, make, head...
    if module == "training.train":  # TrlParser reads the YAML; its parse is a function of its own
        import torch

        from training.train import parse_args

        if not torch.cuda.is_available():
            rest = [*rest, "--bf16", "false"]  # TrainingArguments refuses bf16 without a GPU (GPU profiles)
        parse_args(rest)
        return True
    main = (
        load_script(module.split(":")[1]).main
        if module.startswith("scripts:")
        else importlib.import_module(module).main
    )
    with pytest.raises(Parsed):
        main(rest)
    return True


DOCUMENTED = documented_commands()


@pytest.mark.parametrize(("where", "argv"), DOCUMENTED, ids=[w for w, _ in DOCUMENTED])
def test_every_documented_command_parses(where, argv, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)  # documented paths are relative to the checkout
    _parse_only(argv, monkeypatch)


def test_the_docs_have_commands_to_check():
    programs = {Path(argv[0]).name for _, argv in DOCUMENTED}
    assert {"triage", "make"} <= programs
    assert len([1 for _, argv in DOCUMENTED if argv[0] == "triage"]) > 40


def quick_start_tour() -> list[str]:
    """The README block that follows "After `make demo`": the tour the test runs line by line."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("After `make demo`") :]
    return [line for line in shell_blocks(section)[0] if line.strip()]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


@pytest.mark.slow
def test_readme_quick_start_tour_runs(tmp_path):
    # A scratch folder that looks like the checkout to relative paths (configs/, models/), so the
    # tour's data/ and outputs/ land in tmp_path, not in the repository.
    for name in ("configs", "models"):
        (tmp_path / name).symlink_to(REPO_ROOT / name)
    tour = quick_start_tour()
    assert tour[0].startswith("triage --help") and len(tour) >= 12
    for line in tour:
        done = subprocess.run(
            ["bash", "-c", "set -euo pipefail; " + line],
            cwd=tmp_path,
            env=_environment(),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"README quick start: `{line}` failed:\n{done.stderr[-3000:]}"
    assert (tmp_path / "outputs" / "quick" / "adapter" / "calibration.json").is_file()
    assert (tmp_path / "outputs" / "merged" / "config.json").is_file()
    assert (tmp_path / "outputs" / "eval" / "report.md").is_file()


@pytest.mark.slow
def test_make_demo_runs(tmp_path, tiny_model_dir):
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    setup = shell_blocks(readme[readme.index("## Quick start") :])[0]
    assert [line.split("#")[0].strip() for line in setup] == ["make demo", "make test"]
    venv = Path(sys.executable).parent.parent  # the environment `make test` installed: nothing to reinstall
    if not (venv / ".installed").is_file():
        pytest.skip(f"{venv} was not installed by `make setup`")
    # The tiny random model: what is under test is the make target; the real model's demo path is
    # what the quick-start tour and the notebook run.
    args = f"--model {tiny_model_dir} --n 200 --max-steps 1 --eval-limit 2 --out {tmp_path / 'demo'}"
    done = subprocess.run(
        ["make", "demo", f"VENV={venv}", f"DEMO_ARGS={args}"],
        cwd=REPO_ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "=== results" in done.stdout and (tmp_path / "demo" / "run" / "adapter").is_dir()
