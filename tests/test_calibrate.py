"""Temperature calibration: the maths on known distributions, and `triage calibrate` end to end."""

from __future__ import annotations

import json
import math
import random
import shutil

import pytest

from inference.calibrate import (
    TEMPERATURE_RANGE,
    at_bound,
    field_samples,
    fit_temperature,
    main,
    negative_log_likelihood,
)


def _draw(true_temperature: float, n: int, seed: int = 0) -> list[tuple[list[float], int]]:
    """Option scores whose gold label is drawn from softmax(scores / true_temperature)."""
    rng = random.Random(seed)
    samples = []
    for _ in range(n):
        scores = [rng.gauss(0, 3) for _ in range(6)]
        weights = [math.exp(s / true_temperature) for s in scores]
        samples.append((scores, rng.choices(range(6), weights=weights)[0]))
    return samples


@pytest.mark.parametrize("true_temperature", [0.5, 1.0, 3.0])
def test_fit_temperature_recovers_the_temperature_that_made_the_labels(true_temperature):
    samples = _draw(true_temperature, 3000)
    fitted = fit_temperature(samples)
    assert fitted == pytest.approx(true_temperature, rel=0.15)
    assert negative_log_likelihood(samples, fitted) <= negative_log_likelihood(samples, 1.0) + 1e-9


def test_fit_temperature_without_samples_is_the_identity():
    assert fit_temperature([]) == 1.0


def test_field_samples_skip_gold_values_that_were_not_allowed(schema):
    class Result:
        def __init__(self, ticket, option_scores):
            self.ticket, self.option_scores = ticket, option_scores

    rows = [{"label": {"category": "Network", "subcategory": "VPN"}}]
    # The category was wrong, so VPN was not among the subcategory options offered.
    results = [
        Result(
            {"category": "Access", "subcategory": "Password Reset"},
            {"category": {"Access": -0.1, "Network": -2.0}, "subcategory": {"Password Reset": -0.2}},
        )
    ]
    samples = field_samples(schema, rows, results)
    assert samples["category"]["fit"] == [([-0.1, -2.0], 1)]
    assert samples["subcategory"]["fit"] == []  # cannot teach the temperature anything
    assert samples["subcategory"]["correct"] == [False]  # but counts for the ECE


def test_calibrate_cli_writes_temperatures_the_engine_loads(tiny_model_dir, tmp_path, schema, capsys):
    from generating.synthetic import main as generate
    from inference.engine import TriageEngine

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    generate(["--n", "60", "--seed", "3", "--out", str(tmp_path / "data")])
    capsys.readouterr()
    code = main(
        [
            "--model",
            str(model),
            "--data",
            str(tmp_path / "data" / "val.jsonl"),
            "--test",
            str(tmp_path / "data" / "test.jsonl"),
            "--limit",
            "6",
            "--json",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["fields"]) == {f.name for f in schema.enum_fields}
    for field in report["fields"].values():
        assert field["n"] > 0 and 0 <= field["ece_before"] <= 1 and 0 <= field["ece_after"] <= 1
    written = json.loads((model / "calibration.json").read_text())
    assert written["schema_fingerprint"] == schema.fingerprint()
    engine = TriageEngine.load(str(model), schema=schema, device="cpu")
    assert engine.temperatures == {name: spec["temperature"] for name, spec in written["fields"].items()}
    # The calibrated predictions on --data are the drift reference `triage serve` compares with.
    from inference.drift import DRIFT_REFERENCE_FILE, read_results

    reference = read_results(model / DRIFT_REFERENCE_FILE, schema)
    assert len(reference) == 6
    enum_names = {f.name for f in schema.enum_fields}
    for row in reference:
        assert set(row["ticket"]) == enum_names and set(row["confidence"]) == enum_names  # no text, no summary
        assert row["status"] in ("auto", "review")


def test_without_a_test_split_the_report_is_cross_fitted_and_printed_as_a_table(tiny_model_dir, tmp_path, capsys):
    # Regression: the ECE was reported on the very tickets the temperatures were fitted on, as raw JSON.
    from generating.synthetic import main as generate

    generate(["--n", "60", "--seed", "3", "--out", str(tmp_path / "data")])
    capsys.readouterr()
    val = str(tmp_path / "data" / "val.jsonl")
    assert main(["--model", str(tiny_model_dir), "--data", val, "--limit", "8", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"ECE measured on {val}, cross-fitted (no --test given)" in out
    assert "| field | n | accuracy | temperature |" in out and "| category | 8 |" in out


def test_a_temperature_at_the_edge_of_its_range_is_flagged():
    assert at_bound(TEMPERATURE_RANGE[0]) and at_bound(TEMPERATURE_RANGE[1]) and not at_bound(1.3)


class _Result:
    """What calibration reads of a triager's result: the chosen ticket and the raw option scores."""

    def __init__(self, ticket, option_scores):
        self.ticket, self.option_scores = ticket, option_scores


def _routed(schema, n: int, seed: int) -> tuple[list[dict], list[_Result]]:
    """Labelled rows and results of a router that is sure and right on 90% of tickets, unsure and
    wrong on the rest (all enum fields alike)."""
    rng = random.Random(seed)
    rows, results = [], []
    for i in range(n):
        sure = rng.random() < 0.9
        label, ticket, scores = {}, {}, {}
        for f in schema.enum_fields:
            options = schema.allowed_values(f.name, ticket)
            gold = label[f.name] = options[i % len(options)]
            pick = gold if sure else options[(i + 1) % len(options)]
            ticket[f.name] = pick
            scores[f.name] = {o: (0.0 if o == pick else (-8.0 if sure else -0.3)) for o in options}
        rows.append({"text": f"t{i}", "label": label})
        results.append(_Result(ticket, scores))
    return rows, results


def test_risk_controlled_threshold_keeps_the_promise_on_held_out_tickets(schema):
    from inference.calibrate import held_out_check, risk_controlled_threshold

    names = [f.name for f in schema.enum_fields]
    temperatures = dict.fromkeys(names, 1.0)
    control = risk_controlled_threshold(
        schema, _routed(schema, 400, 1), _routed(schema, 400, 2), temperatures, names, target=0.05, delta=0.1
    )
    assert control.p_value <= 0.1 and 0.85 < control.coverage < 0.95  # the sure 90%, not the unsure
    check = held_out_check(schema, *_routed(schema, 1000, 3), temperatures, names, control.threshold)
    assert check["chosen_threshold"]["auto_error"] <= 0.05
    assert check["chosen_threshold"]["coverage"] > 0.85


def test_calibrate_refuses_a_target_no_threshold_can_meet_and_writes_nothing(tiny_model_dir, tmp_path, capsys):
    from generating.synthetic import main as generate

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    generate(["--n", "60", "--seed", "3", "--out", str(tmp_path / "data")])
    val = str(tmp_path / "data" / "val.jsonl")
    capsys.readouterr()
    # A random tiny model on 8 tickets: not one ticket's worth of evidence for 5%.
    assert main(["--model", str(model), "--data", val, "--limit", "8", "--target-error", "0.05"]) == 2
    err = capsys.readouterr().err
    assert "no review threshold keeps auto-routed errors at or below 5%" in err and "nothing written" in err
    assert not (model / "calibration.json").exists()


@pytest.mark.parametrize(
    "flags, says",
    [
        (["--target-error", "1.5"], "between 0 and 1"),
        (["--target-error", "0.05", "--target-fields", "colour"], "--target-fields: colour"),
        (["--target-fields", "category"], "--target-fields needs --target-error"),
    ],
)
def test_bad_promise_flags_are_usage_errors(flags, says, tmp_path, capsys):
    data = tmp_path / "val.jsonl"
    data.write_text("")
    with pytest.raises(SystemExit) as e:
        main(["--data", str(data), *flags])
    assert e.value.code == 2 and says in capsys.readouterr().err
