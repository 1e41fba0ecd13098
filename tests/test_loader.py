"""The one loader: model flags shared by every command, a Triager of the right kind for each spec."""

from __future__ import annotations

import argparse

import pytest

from inference.loader import _threshold, add_model_arguments, load_triager, model_folder


def test_threshold_flag_parses_global_and_per_field_values():
    assert _threshold("0.7") == (None, 0.7)
    assert _threshold("category=0.8") == ("category", 0.8)
    for bad in ("high", "category=2"):
        with pytest.raises(argparse.ArgumentTypeError):
            _threshold(bad)


def test_batch_size_defaults_to_the_engines_unless_the_command_says_otherwise():
    from inference.engine import DEFAULT_BATCH_SIZE

    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    assert parser.parse_args([]).batch_size == DEFAULT_BATCH_SIZE
    service = argparse.ArgumentParser()
    add_model_arguments(service, batch_size=16)  # triage serve: its micro-batch limit
    assert service.parse_args([]).batch_size == 16
    assert "(default 16)" in " ".join(service.format_help().split())


def test_each_kind_of_spec_loads_its_triager_with_the_shared_flags(tmp_path, tiny_model_dir):
    from generating.synthetic import main as generate
    from inference.baseline_tfidf import TfidfBaseline
    from inference.baselines import main as baseline
    from inference.engine import TriageEngine
    from inference.openai_backend import OpenAIBackend

    generate(["--n", "60", "--seed", "1", "--out", str(tmp_path / "data")])
    baseline(
        ["fit", "--kind", "tfidf", "--train", str(tmp_path / "data" / "train.jsonl"), "--out", str(tmp_path / "b")]
    )
    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    args = parser.parse_args(["--review-threshold", "0.3", "--review-threshold", "priority=0.9", "--dtype", "float32"])
    tfidf = load_triager(args, str(tmp_path / "b"))
    assert isinstance(tfidf, TfidfBaseline)
    assert tfidf.review_thresholds["priority"] == 0.9 and tfidf.review_thresholds["category"] == 0.3
    engine = load_triager(args, tiny_model_dir)
    assert isinstance(engine, TriageEngine) and engine.review_thresholds["priority"] == 0.9
    remote = load_triager(args, "openai:itsm")
    assert isinstance(remote, OpenAIBackend) and remote.review_thresholds["category"] == 0.3
    # where each kind's version, calibration and drift reference live
    assert model_folder(str(tmp_path / "b")) == str(tmp_path / "b")
    assert model_folder(tiny_model_dir) == tiny_model_dir
    assert model_folder("openai:itsm") is None
