"""Benchmark: this project's engine against the two usual ways of getting a JSON ticket out of an LLM.

Same model, same tickets, same machine, one after the other:

- naive: what typical ticket-triage projects do. The full schema prompt per ticket, unconstrained
  greedy `model.generate` one ticket at a time, then `json.loads` and schema validation afterwards;
  unparseable or invalid answers count as invalid and as wrong on every field.
- library: the usual structured-generation route. Batched `model.generate` (left padding,
  `--batch-size`) with an llguidance logits processor compiled from the schema's JSON Schema
  (`TicketSchema.json_schema()`, one anyOf branch per category, so the cross-field rules hold).
- engine_full / engine_classification: `inference.engine.TriageEngine.predict_batch` with and
  without the free-text summary.

Per method: tickets, seconds, tickets/s, model forward passes per ticket, schema-valid rate and the
accuracy of every enum field against the gold labels; then the speed ratios and accuracy deltas.
For the engine also the useful GFLOP per ticket (what its passes had to compute: the decoder's
weights on every real token, attention to the keys each token sees, the output head where logits
come back; no padding), and the fraction of this machine's ceiling it reached: the ceiling is the
matmul peak measured here (`machine.matmul_peak_gflops`, fp32 and bf16 on a CPU) divided by that
work. The peak is measured before and after the methods (`matmul_peak_gflops_before_after`) and the
better of the two is used; a gap of more than 15% between them is logged: the machine was busy.
Exactly one JSON line goes to stdout (logs and progress bars go to stderr).

    .venv/bin/python scripts/benchmark_engine.py --n-tickets 40
    .venv/bin/python scripts/benchmark_engine.py --data data/synthetic/test.jsonl --n-tickets 100 --out bench.json
    .venv/bin/python scripts/benchmark_engine.py --methods naive,engine_full --n-tickets 5
    .venv/bin/python scripts/benchmark_engine.py --engine-repeats 3   # engine timings: median of 3 passes

Without `--data`, a held-out synthetic test split is generated on the fly into a temporary folder
(the same rows as `triage generate --n 600 --seed 7 --out DIR`, DIR/test.jsonl) and its first
`--n-tickets` rows are used. Every method is warmed up on one extra ticket that is not timed.

Targets (what the engine is built to reach on a CPU with the shipped adapter):
- engine_full tickets/s >= 5x naive and >= 2x library;
- engine_classification tickets/s >= 20x naive;
- engine_full at >= 50% of the machine's ceiling (in bf16);
- the engine is 100% schema-valid, and its mean enum accuracy is >= naive's.

Notes on fairness:
- every method sees the same chat prompt (`build_messages` + the chat template), with the ticket cut
  to the same `DEFAULT_MAX_INPUT_TOKENS` the engine uses;
- the llguidance grammar is compiled once before timing (as a server would) and deep-copied per
  row; it is compiled with the separators of the training format (", " and ": ") and no free
  whitespace, so the library writes exactly the JSON the adapter was trained on and cannot pad the
  answer with whitespace until `max_new_tokens`;
- naive generates up to 160 new tokens (`--max-new-tokens`; plenty for the ~60-token answer); the
  library gets a budget that fits the longest valid answer even written one character per token
  (`--library-max-new-tokens`), so the grammar, not the cap, ends its answers;
- naive and library run first, on the model as transformers loads it; then the engine packs its linear
  layers for oneDNN on a CPU, as `TriageEngine.load` does (inference/packed_linear.py; the number packed
  is in `settings`; `--pack-for-rows` changes the rows their layout is made for, 0 leaves them plain).
  The methods always run in the order above, whatever the order of `--methods`.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from inference.engine import DEFAULT_BATCH_SIZE  # light: no torch until a model loads

METHODS = ("naive", "library", "engine_full", "engine_classification")
NAIVE_MAX_NEW_TOKENS = 160
WARMUP_TEXT = "Warm-up ticket: my laptop does not start since this morning, please help."
SYNTHETIC_N = 600
SYNTHETIC_SEED = 7
# The training format of the answer (ticket_triage.prompt.answer_text uses json.dumps defaults).
JSON_FORMAT = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- tickets ----------------------------------------------------------------------------------------
def load_tickets(schema: Any, data: str | None, n_tickets: int, seed: int, synthetic_n: int) -> tuple[list, str]:
    """Labelled rows ({"text", "label"}) and a description of where they came from."""
    from ticket_triage.dataset import read_rows

    if data:
        return read_rows(data, schema, limit=n_tickets, partial_labels=True), str(data)
    from generating.synthetic import generate_rows, write_splits

    with tempfile.TemporaryDirectory(prefix="bench-tickets-") as tmp:
        write_splits(generate_rows(schema, synthetic_n, seed), tmp, seed)
        rows = read_rows(Path(tmp) / "test.jsonl", schema, limit=n_tickets)
    if len(rows) < n_tickets:
        log(f"note: the synthetic test split has only {len(rows)} rows (asked for {n_tickets})")
    return rows, f"synthetic test split (triage generate --n {synthetic_n} --seed {seed})"


# ---- shared helpers for the generate-based methods -------------------------------------------------
class ForwardCounter:
    """Counts the model's forward calls (one per generate step, batched or not) while installed."""

    def __init__(self, model: Any):
        self.model = model
        self.count = 0
        self._handle = None

    def _hook(self, module: Any, args: Any) -> None:
        self.count += 1

    def __enter__(self) -> ForwardCounter:
        self._handle = self.model.register_forward_pre_hook(self._hook)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._handle.remove()


def chat_prompt(tokenizer: Any, schema: Any, text: str) -> str:
    from ticket_triage.prompt import DEFAULT_MAX_INPUT_TOKENS, build_messages, truncate_text

    text, _ = truncate_text(tokenizer, text, DEFAULT_MAX_INPUT_TOKENS)
    return tokenizer.apply_chat_template(build_messages(schema, text), tokenize=False, add_generation_prompt=True)


def parse_answer(text: str) -> Any:
    """The JSON object in a model answer, or None; tolerant like typical projects (outermost braces)."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        try:
            return json.loads(text[start : end + 1])
        except json.JSONDecodeError:
            return None
    return None


def library_token_budget(schema: Any) -> int:
    """New tokens that fit the longest valid answer even if every token carries one character."""
    from ticket_triage.prompt import answer_text

    longest = {f.name: max(f.values, key=len) if f.type == "enum" else "x" * f.max_length for f in schema.fields}
    return len(answer_text(schema, longest)) + 16


def generate_kwargs(tokenizer: Any, max_new_tokens: int) -> dict[str, Any]:
    return {
        "max_new_tokens": max_new_tokens,
        "do_sample": False,
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }


# ---- (a) naive --------------------------------------------------------------------------------------
def run_naive(model: Any, tokenizer: Any, schema: Any, texts: list[str], max_new_tokens: int) -> list[str]:
    """Unconstrained greedy generation, one ticket at a time; returns the answer texts."""
    import torch
    from tqdm.auto import tqdm

    device = next(model.parameters()).device
    answers = []
    for text in tqdm(texts, desc="naive", unit="ticket", file=sys.stderr, disable=len(texts) < 2):
        enc = tokenizer(chat_prompt(tokenizer, schema, text), return_tensors="pt", add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(**enc.to(device), **generate_kwargs(tokenizer, max_new_tokens))
        answers.append(tokenizer.decode(out[0, enc["input_ids"].shape[1] :], skip_special_tokens=True))
    return answers


# ---- (b) library: llguidance ------------------------------------------------------------------------
def compile_grammar_matcher(tokenizer: Any, schema: Any) -> tuple[Any, int]:
    """One LLMatcher for the schema's JSON Schema (compiled once, deep-copied per row) and its vocab size."""
    import llguidance
    import llguidance.hf

    llg_tokenizer = llguidance.hf.from_tokenizer(tokenizer)
    grammar = llguidance.LLMatcher.grammar_from_json_schema(schema.json_schema(), overrides=JSON_FORMAT)
    matcher = llguidance.LLMatcher(llg_tokenizer, grammar)
    if matcher.is_error():
        raise RuntimeError(f"llguidance rejected the schema's grammar: {matcher.get_error()}")
    return matcher, llg_tokenizer.vocab_size


def make_grammar_processor(template: Any, vocab_size: int, batch_size: int, eos_token_id: int) -> Any:
    """A transformers LogitsProcessor that keeps one llguidance matcher per batch row."""
    import llguidance.numpy as llg_np
    import torch
    from transformers import LogitsProcessor

    class GrammarLogitsProcessor(LogitsProcessor):
        def __init__(self) -> None:
            self.matchers = [template.deep_copy() for _ in range(batch_size)]
            self.done = [False] * batch_size  # accepting, stopped or broken: only EOS from here on
            self.bitmask = llg_np.allocate_token_bitmask(batch_size, vocab_size)
            self.started = False
            self.shifts = torch.arange(32, dtype=torch.int32)

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            if self.started:  # the last column is the token each row picked at the previous step
                for i, matcher in enumerate(self.matchers):
                    if not self.done[i]:
                        matcher.consume_token(int(input_ids[i, -1]))
            self.started = True
            for i, matcher in enumerate(self.matchers):
                if self.done[i] or matcher.is_accepting() or matcher.is_stopped() or matcher.is_error():
                    self.done[i] = True
                    self.bitmask[i, :] = 0
                    bit = 1 << (eos_token_id % 32)
                    self.bitmask[i, eos_token_id // 32] = bit - (1 << 32) if bit >= 1 << 31 else bit  # as int32
                else:
                    llg_np.fill_next_token_bitmask(matcher, self.bitmask, i)
            bits = torch.from_numpy(self.bitmask)
            allowed = ((bits.unsqueeze(-1) >> self.shifts) & 1).bool().reshape(bits.shape[0], -1)
            vocab = scores.shape[-1]
            if allowed.shape[1] < vocab:  # logits wider than the tokenizer: the extra ids are never allowed
                allowed = torch.nn.functional.pad(allowed, (0, vocab - allowed.shape[1]), value=False)
            return scores.masked_fill(~allowed[:, :vocab].to(scores.device), float("-inf"))

    return GrammarLogitsProcessor()


def run_library(
    model: Any,
    tokenizer: Any,
    schema: Any,
    texts: list[str],
    grammar: tuple[Any, int],
    batch_size: int,
    max_new_tokens: int,
) -> list[str]:
    """Batched generation under the llguidance grammar; returns the answer texts."""
    import torch
    from tqdm.auto import tqdm
    from transformers import LogitsProcessorList

    device = next(model.parameters()).device
    answers: list[str] = []
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        batches = [texts[i : i + batch_size] for i in range(0, len(texts), batch_size)]
        for batch in tqdm(batches, desc="library", unit="batch", file=sys.stderr, disable=len(batches) < 2):
            prompts = [chat_prompt(tokenizer, schema, t) for t in batch]
            enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
            processor = make_grammar_processor(*grammar, len(batch), tokenizer.eos_token_id)
            with torch.inference_mode():
                out = model.generate(
                    **enc,
                    logits_processor=LogitsProcessorList([processor]),
                    **generate_kwargs(tokenizer, max_new_tokens),
                )
            for row in out[:, enc["input_ids"].shape[1] :]:
                answers.append(tokenizer.decode(row, skip_special_tokens=True))
    finally:
        tokenizer.padding_side = side
    return answers


# ---- (c) the engine ---------------------------------------------------------------------------------
def engine_batch_kwargs(engine: Any, batch_size: int) -> dict[str, Any]:
    """`batch_size` (and a progress bar) only where this version of predict_batch takes them."""
    params = inspect.signature(engine.predict_batch).parameters
    kwargs: dict[str, Any] = {}
    if "batch_size" in params:
        kwargs["batch_size"] = batch_size
    if "progress" in params:
        kwargs["progress"] = True
    return kwargs


def run_engine(engine: Any, texts: list[str], classification_only: bool, batch_size: int) -> list[dict]:
    kwargs = engine_batch_kwargs(engine, batch_size)
    return [r.ticket for r in engine.predict_batch(texts, classification_only=classification_only, **kwargs)]


# ---- timing -----------------------------------------------------------------------------------------
def measure_generate(model: Any, run: Any, texts: list[str]) -> tuple[list[str], list[Any], float, int]:
    """Warm up `run` on one ticket, then time it (parsing included) on `texts`, counting forward passes."""
    run([WARMUP_TEXT])
    with ForwardCounter(model) as counter:
        start = time.perf_counter()
        answers = run(texts)
        tickets = [parse_answer(a) for a in answers]
        seconds = time.perf_counter() - start
    return answers, tickets, seconds, counter.count


def measure_engine(
    engine: Any, texts: list[str], classification_only: bool, batch_size: int, repeats: int = 1
) -> tuple[list[dict], list[float], int, float | None]:
    """The tickets, the seconds of each of `repeats` timed passes over `texts`, and the forward passes
    and useful GFLOP of one pass (None for an engine that does not count)."""
    run_engine(engine, [WARMUP_TEXT], classification_only, batch_size)
    before, flops_before = engine.forward_passes, getattr(engine, "useful_flops", None)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        tickets = run_engine(engine, texts, classification_only, batch_size)
        seconds.append(time.perf_counter() - start)
    passes = (engine.forward_passes - before) // repeats
    gflop = None if flops_before is None else (engine.useful_flops - flops_before) / 1e9 / repeats
    return tickets, seconds, passes, gflop


def matmul_peak_gflops(dtype: Any, device: str, seconds: float = 1.5) -> float:
    """This machine's measured matmul rate in `dtype` (GFLOP/s, the median of repeated runs), on the
    shapes the engine's matmuls have: ~2,000 tokens times SmolLM2's 576x1536 MLP weight."""
    import torch

    a = torch.randn(2048, 576, dtype=dtype, device=device)
    b = torch.randn(576, 1536, dtype=dtype, device=device)
    rates = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(rates) < 5:
        start = time.perf_counter()
        (a @ b).sum().item()  # .item() waits for a GPU
        rates.append(2 * 2048 * 576 * 1536 / (time.perf_counter() - start) / 1e9)
    return round(statistics.median(rates), 1)


def ceiling(gflop: float | None, tickets: int, tickets_per_s: float, peak: float) -> dict[str, Any]:
    """Useful work per ticket, and how far the measured rate is from what the machine's matmul peak
    allows for that work (the ceiling)."""
    if not gflop:
        return {}
    per_ticket = gflop / tickets
    return {
        "useful_gflop_per_ticket": round(per_ticket, 2),
        "ceiling_tickets_per_s": round(peak / per_ticket, 2),
        "fraction_of_ceiling": round(tickets_per_s * per_ticket / peak, 3),
    }


# ---- scoring ----------------------------------------------------------------------------------------
def is_valid(schema: Any, ticket: Any, classification_only: bool = False) -> bool:
    if not isinstance(ticket, dict):
        return False
    if classification_only:  # the text fields are skipped on purpose; every enum field must be there
        return not schema.errors(ticket, partial=True) and all(f.name in ticket for f in schema.enum_fields)
    return not schema.errors(ticket)


def score(
    schema: Any, rows: list[dict], tickets: list[Any], seconds: float, passes: int, classification_only: bool = False
) -> dict[str, Any]:
    """The per-method numbers; an invalid ticket is wrong on every field."""
    n = len(rows)
    valid = [is_valid(schema, t, classification_only) for t in tickets]
    accuracy = {}
    for f in schema.enum_fields:
        pairs = [(r["label"][f.name], t, ok) for r, t, ok in zip(rows, tickets, valid) if f.name in r["label"]]
        if pairs:
            accuracy[f.name] = sum(ok and t.get(f.name) == gold for gold, t, ok in pairs) / len(pairs)
    return {
        "tickets": n,
        "seconds": round(seconds, 3),
        "tickets_per_s": round(n / seconds, 4) if seconds > 0 else None,
        "forward_passes_per_ticket": round(passes / n, 2) if n else None,
        "valid_rate": round(sum(valid) / n, 4) if n else None,
        "parsed_rate": round(sum(isinstance(t, dict) for t in tickets) / n, 4) if n else None,
        "accuracy": {name: round(value, 4) for name, value in accuracy.items()},
        "mean_enum_accuracy": round(sum(accuracy.values()) / len(accuracy), 4) if accuracy else None,
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def delta(a: float | None, b: float | None) -> float | None:
    return round(a - b, 4) if a is not None and b is not None else None


def comparisons(results: dict[str, dict]) -> tuple[dict, dict]:
    """Speed ratios and accuracy deltas between the methods that ran, and the targets they meet."""

    def get(method: str, key: str) -> Any:
        return results.get(method, {}).get(key)

    ratios = {
        "engine_full_vs_naive_speedup": ratio(get("engine_full", "tickets_per_s"), get("naive", "tickets_per_s")),
        "engine_full_vs_library_speedup": ratio(get("engine_full", "tickets_per_s"), get("library", "tickets_per_s")),
        "engine_classification_vs_naive_speedup": ratio(
            get("engine_classification", "tickets_per_s"), get("naive", "tickets_per_s")
        ),
        "engine_full_vs_naive_accuracy_delta": delta(
            get("engine_full", "mean_enum_accuracy"), get("naive", "mean_enum_accuracy")
        ),
        "engine_classification_vs_naive_accuracy_delta": delta(
            get("engine_classification", "mean_enum_accuracy"), get("naive", "mean_enum_accuracy")
        ),
    }

    def at_least(value: float | None, target: float) -> bool | None:
        return None if value is None else value >= target

    engine_valid = [get(m, "valid_rate") for m in ("engine_full", "engine_classification") if m in results]
    targets = {
        "engine_full_vs_naive_speedup>=5": at_least(ratios["engine_full_vs_naive_speedup"], 5),
        "engine_full_vs_library_speedup>=2": at_least(ratios["engine_full_vs_library_speedup"], 2),
        "engine_classification_vs_naive_speedup>=20": at_least(ratios["engine_classification_vs_naive_speedup"], 20),
        "engine_valid_rate==1": all(v == 1.0 for v in engine_valid) if engine_valid else None,
        "engine_full_accuracy>=naive": at_least(ratios["engine_full_vs_naive_accuracy_delta"], 0),
        "engine_full_fraction_of_ceiling>=0.5": at_least(get("engine_full", "fraction_of_ceiling"), 0.5),
    }
    return ratios, targets


def machine_info(model: Any, resolved: Any, device: str) -> dict[str, Any]:
    import torch
    import transformers

    try:
        import llguidance

        llg_version = llguidance.__version__
    except ImportError:
        llg_version = None
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "llguidance": llg_version,
        "device": device,
        "dtype": str(next(model.parameters()).dtype).replace("torch.", ""),
        "model": resolved.name,
        "model_base": resolved.base,
        "model_adapter": resolved.adapter,
    }


# ---- main -------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/benchmark_engine.py", description=__doc__.split("\n\n")[0], epilog="Prints one JSON line."
    )
    parser.add_argument("--model", default=None, help="alias, folder, adapter bundle or hub id (default: shipped)")
    parser.add_argument("--schema", default=None, metavar="FILE", help="taxonomy YAML (default: the shipped one)")
    parser.add_argument("--data", default=None, metavar="FILE", help="labelled JSONL (default: synthetic test split)")
    parser.add_argument("--n-tickets", type=int, default=40, help="first N tickets of the data (default 40)")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {','.join(METHODS)}")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"rows per generate call (library; engine if it can; default {DEFAULT_BATCH_SIZE}, the engine's)",
    )
    parser.add_argument(
        "--max-new-tokens",
        type=int,
        default=NAIVE_MAX_NEW_TOKENS,
        help=f"cap on the naive answer (default {NAIVE_MAX_NEW_TOKENS}, plenty for the ~60-token ticket)",
    )
    parser.add_argument(
        "--library-max-new-tokens",
        type=int,
        default=None,
        help="cap on the library answer (default: fits the longest valid answer at one character per token)",
    )
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: cuda if available)")
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=("auto", "float32", "bfloat16", "float16"),
        help="the one dtype every method runs in (auto: the engine's: bf16 on a CPU with AMX or AVX512-BF16, "
        "else fp32; bf16/fp16 on a GPU)",
    )
    parser.add_argument(
        "--engine-repeats",
        type=int,
        default=1,
        help="timed passes of each engine method over the tickets; their median is reported (default 1)",
    )
    parser.add_argument(
        "--pack-for-rows",
        type=int,
        default=None,
        metavar="N",
        help="on a CPU, the engine's linear weights laid out for oneDNN for N rows (default: as "
        "TriageEngine.load does, packed_linear.ROWS_HINT); 0: left plain (inference/packed_linear.py)",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument(
        "--peak-seconds", type=float, default=1.5, help="time spent measuring the matmul peak per dtype"
    )
    parser.add_argument("--seed", type=int, default=SYNTHETIC_SEED, help="seed of the synthetic data")
    parser.add_argument("--synthetic-n", type=int, default=SYNTHETIC_N, help="tickets generated for all splits")
    parser.add_argument("--out", default=None, metavar="FILE", help="also write the JSON here")
    args = parser.parse_args(argv)
    asked = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in asked if m not in METHODS]
    if unknown or not asked:
        parser.error(f"--methods: unknown {unknown}; choose from {', '.join(METHODS)}")
    args.methods = [m for m in METHODS if m in asked]  # the plain methods before the engine packs the model
    caps = (args.max_new_tokens, args.library_max_new_tokens or 1)
    if min(args.n_tickets, args.batch_size, args.engine_repeats, *caps) < 1:
        parser.error("--n-tickets, --batch-size, --engine-repeats and the token caps must be positive")
    if args.pack_for_rows is not None and args.pack_for_rows < 0:
        parser.error("--pack-for-rows must be 0 (plain weights) or a positive number of rows")
    return args


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from inference.engine import TriageEngine
    from inference.model_loading import check_adapter_schema, load_model
    from inference.packed_linear import ROWS_HINT, pack_linear_weights
    from ticket_triage.models import default_model, resolve_model
    from ticket_triage.schema import load_schema

    schema = load_schema(args.schema)
    rows, source = load_tickets(schema, args.data, args.n_tickets, args.seed, args.synthetic_n)
    texts = [r["text"] for r in rows]
    resolved = resolve_model(args.model or default_model())
    check_adapter_schema(resolved, schema)
    log(f"loading {resolved.name} ...")
    model, tokenizer = load_model(resolved, device=args.device, dtype=args.dtype)
    model.eval()
    device = str(next(model.parameters()).device)
    naive_tokens = args.max_new_tokens
    library_tokens = args.library_max_new_tokens or library_token_budget(schema)
    dtype_name = str(next(model.parameters()).dtype).replace("torch.", "")
    log("measuring the matmul peak ...")
    peak_dtypes = sorted({"float32", "bfloat16", dtype_name} if device == "cpu" else {dtype_name})

    def measure_peaks() -> dict[str, float]:
        return {name: matmul_peak_gflops(getattr(torch, name), device, args.peak_seconds) for name in peak_dtypes}

    peaks_before = measure_peaks()

    results: dict[str, dict] = {}
    work: dict[str, float | None] = {}  # useful GFLOP of each engine method's timed pass
    engine = None
    packed_layers = 0
    pack_for_rows = ROWS_HINT if args.pack_for_rows is None else args.pack_for_rows
    for method in args.methods:
        log(f"{method}: warm-up, then {len(texts)} tickets")
        classification_only = method == "engine_classification"
        if method == "naive":
            run = partial(run_naive, model, tokenizer, schema, max_new_tokens=naive_tokens)
            answers, tickets, seconds, passes = measure_generate(model, run, texts)
        elif method == "library":
            grammar = compile_grammar_matcher(tokenizer, schema)  # once, untimed, as a server would
            run = partial(
                run_library,
                model,
                tokenizer,
                schema,
                grammar=grammar,
                batch_size=args.batch_size,
                max_new_tokens=library_tokens,
            )
            answers, tickets, seconds, passes = measure_generate(model, run, texts)
        else:
            if engine is None:
                if pack_for_rows:  # as TriageEngine.load does by default; naive and library ran
                    packed_layers = pack_linear_weights(model, rows_hint=pack_for_rows)
                engine = TriageEngine(model, tokenizer, schema, name=resolved.name)
            tickets, each, passes, gflop = measure_engine(
                engine, texts, classification_only, args.batch_size, args.engine_repeats
            )
            seconds = statistics.median(each)
            answers = [json.dumps(t, ensure_ascii=False) for t in tickets]
        results[method] = score(schema, rows, tickets, seconds, passes, classification_only)
        if method.startswith("engine"):
            work[method] = gflop
            if args.engine_repeats > 1:
                results[method]["seconds_each"] = [round(x, 3) for x in each]  # `seconds` is their median
        log(f"{method}: {json.dumps(results[method])}")
        invalid = [a for a, t in zip(answers, tickets) if not is_valid(schema, t, classification_only)]
        if invalid:
            log(f"{method}: {len(invalid)} invalid answer(s), e.g. {invalid[0][:300]!r}")

    log("measuring the matmul peak again ...")
    peaks_after = measure_peaks()
    # What the machine can do is the better of the two; a gap between them says it was busy meanwhile.
    peaks = {name: max(peaks_before[name], peaks_after[name]) for name in peak_dtypes}
    for name in peak_dtypes:
        if abs(peaks_before[name] - peaks_after[name]) > 0.15 * peaks[name]:
            log(
                f"warning: the {name} matmul peak moved from {peaks_before[name]} to {peaks_after[name]} GFLOP/s "
                "during the run: the machine was busy; compare ratios from calmer runs"
            )
    for method, gflop in work.items():
        results[method] |= ceiling(gflop, len(texts), results[method]["tickets_per_s"], peaks[dtype_name])
    ratios, targets = comparisons(results)
    return {
        "benchmark": "ticket-triage engine vs naive generate vs llguidance-constrained generate",
        "machine": machine_info(model, resolved, device)
        | {
            "matmul_peak_gflops": peaks,
            "matmul_peak_gflops_before_after": {name: [peaks_before[name], peaks_after[name]] for name in peak_dtypes},
        },
        "data": {"source": source, "tickets": len(rows)},
        "settings": {
            "methods": args.methods,
            "batch_size": args.batch_size,
            "naive_max_new_tokens": naive_tokens,
            "library_max_new_tokens": library_tokens,
            "engine_batch_kwargs": sorted(engine_batch_kwargs(engine, args.batch_size)) if engine else None,
            "engine_packed_linear_layers": packed_layers,
            "engine_pack_for_rows": pack_for_rows,
        },
        "methods": results,
        "ratios": ratios,
        "targets": targets,
    }


def main(argv: list[str] | None = None) -> int:
    import torch

    args = parse_args(argv)
    threads = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the JSON line and nothing else
            report = run_benchmark(args)
    finally:
        torch.set_num_threads(threads)  # main() may run inside a bigger process (the tests)
    line = json.dumps(report, ensure_ascii=False)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(line + "\n", encoding="utf-8")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
