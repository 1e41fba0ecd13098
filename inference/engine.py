"""The triage engine: schema-driven decoding that always yields a valid ticket, with confidences.

How a batch of tickets is decoded (the output type drives the decoder):
- The JSON structure is never generated: keys, quotes and commas come from the prompt contract
  (`answer_prefix`), so they cost no decoding steps and cannot be malformed.
- Each enum field is *scored*, not sampled: every allowed option (cross-field rules applied to what
  was already chosen for that ticket) is scored by the model's own log-probability of writing it,
  closing quote included. The softmax over those scores, divided by the field's calibration
  temperature, is the field's confidence and ranks the alternatives.
- All options of all tickets in a batch go through the model in ONE forward pass per field: each
  ticket is one row; its options are packed one after another in that row, and a tree-shaped
  attention mask lets every option see the ticket but not the other options. The winner stays in
  the KV cache (moved to follow the ticket), the losers are overwritten.
- The free-text field (summary) is decoded greedily for the whole batch at once until each row
  writes its closing quote, cut to its maximum length, and JSON-escaped by construction.
- The system prompt (with the schema) is the same for every ticket: it is encoded once per engine,
  its keys and values are kept once, never copied into a row's cache (cascade attention,
  inference/cascade.py); each row's own tokens sit left-aligned in a preallocated cache.

Each forward pass runs the real tokens of all rows flattened (no padding through the matmuls) with
explicit positions; `kv_batch.plan_step` says where each token goes and who sees whom. On a CPU each
row attends with shapes that depend on the row only, so a ticket's answer does not depend on its batch.

    from inference.engine import TriageEngine
    engine = TriageEngine.load()     # the shipped adapter; or an alias, folder, adapter bundle, hub id
    engine.predict("VPN drops every ten minutes").to_dict()
    engine.predict_batch(texts, batch_size=8, classification_only=True)
"""

# Its rooms: kv_batch.py (the batch state and the block layout each forward pass feeds),
# model_loading.py (the adapter's checks, the dtype, the weights) and packed_linear.py (on a CPU, the
# loaded model's linear layers laid out once for oneDNN). This module decodes.
from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from typing import Any

from inference.cascade import ONE_TOKEN_PASS, PrefixStep, RowsCache, SharedPrefix
from inference.cascade import enable as enable_cascade
from inference.kv_batch import Batch, branch_token_logprobs, common_prefix_length, pack_block, plan_step
from inference.model_loading import (
    check_adapter_schema,
    decoder_weight_count,
    feed_output_head_contiguous,
    keep_freed_memory,
    load_model,
    output_rows,
    read_calibration,
    review_thresholds_with,
)
from ticket_triage.models import default_model, resolve_model
from ticket_triage.prompt import (
    DEFAULT_MAX_INPUT_TOKENS,
    answer_prefix,
    build_messages,
    cut_on_word,
    render_ticket,
    special_token_pattern,
)
from ticket_triage.result import TriageResult, decide_field, in_length_order
from ticket_triage.schema import TicketSchema, load_schema

# A pass costs a fixed part plus a part per token: full tickets ran 14% faster in batches of 32 than of
# 16 on the 2-core Zen 4, 48 no faster (docs/inference.md, "32 tickets a batch by default").
DEFAULT_BATCH_SIZE = 32


@dataclass
class _Prompt:
    """One ticket's prompt, split at its last control token so answers can be tokenised alone.

    Control tokens are atomic, so `tokenize(prompt)` == `tokenize(prompt[:anchor]) +
    tokenize(prompt[anchor:])`; re-tokenising only the short tail plus an answer is exact and
    keeps per-field tokenisation cost independent of the ticket's length.
    """

    text: str  # the whole prompt
    ids: list[int]  # its tokens
    anchor_ids: list[int]  # the prompt up to (not including) its last control token
    tail: str  # the prompt text from that control token on
    reasons: list[str]


class TriageEngine:
    """A loaded model plus the cached system prompt; `predict()` one ticket, `predict_batch()` many."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        schema: TicketSchema,
        name: str = "",
        review_threshold: float | dict[str, float] | None = None,
        max_input_tokens: int = DEFAULT_MAX_INPUT_TOKENS,
        temperatures: dict[str, float] | None = None,
    ):
        import torch

        self.torch = torch
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.schema = schema
        self.name = name
        self.review_thresholds = schema.review_thresholds(review_threshold)
        self.temperatures = {f.name: 1.0 for f in schema.enum_fields} | (temperatures or {})
        self.promise: dict[str, Any] | None = None  # calibration.json's risk control, when it made one
        self.max_input_tokens = max_input_tokens
        self.device = next(model.parameters()).device
        feed_output_head_contiguous(model)
        if self.device.type == "cpu":
            keep_freed_memory()
        self.forward_passes = 0  # counted for benchmarks: model calls, batched or not
        self.useful_flops = 0  # counted for benchmarks: what the passes had to compute (see _forward)
        # Useful work, x2 per multiply-add: the decoder's weights on each real token (no padding, no
        # copies), attention to each key a token sees, the output head where logits come back.
        config = model.config
        heads = config.num_attention_heads
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
        self._flops_per_token = 2 * decoder_weight_count(model)
        self._flops_per_key_seen = 4 * heads * head_dim * config.num_hidden_layers
        self._flops_per_logit = 2 * config.hidden_size * output_rows(model)
        self._llg_tokenizer: Any = None
        self._text_matchers: dict[tuple[int, str], Any] = {}
        # Rows with the same answer so far share their options' tokens (in classification, whole batches).
        self._option_tokens = functools.lru_cache(maxsize=4096)(self._tokenize_options)
        self._prefix_ids: list[int] | None = None
        self._prefix: SharedPrefix | None = None
        enable_cascade(model)
        self._special_re = special_token_pattern(tokenizer)

    # ---- loading ------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        model: str | None = None,
        schema: TicketSchema | None = None,
        device: str | None = None,
        load_in_4bit: bool = False,
        dtype: str = "auto",
        **kwargs: Any,
    ) -> TriageEngine:
        """Load an alias, local folder, adapter bundle or hub id once; reuse the engine after.

        An adapter bundle's `calibration.json` (from `triage calibrate`) sets the temperatures and any
        review thresholds chosen for a promised error rate (`promise`), and its `triage.json` the length
        tickets are cut to (the one it was trained with), unless given here.
        """
        resolved = resolve_model(model or default_model())
        schema = schema or load_schema()
        check_adapter_schema(resolved, schema)
        calibration = read_calibration(resolved, schema)
        kwargs.setdefault("temperatures", calibration.temperatures)
        kwargs["review_threshold"] = review_thresholds_with(
            calibration.review_thresholds, kwargs.get("review_threshold")
        )
        trained_cut = (resolved.triage_meta.get("triage_args") or {}).get("max_input_tokens")
        if kwargs.get("max_input_tokens") is None and trained_cut:
            kwargs["max_input_tokens"] = int(trained_cut)  # cut tickets as the adapter saw them in training
        lm, tokenizer = load_model(resolved, device=device, load_in_4bit=load_in_4bit, dtype=dtype)
        from inference.packed_linear import pack_linear_weights

        pack_linear_weights(lm)  # on a CPU: the engine's model is used for nothing else (no-op elsewhere)
        engine = cls(lm, tokenizer, schema, name=resolved.name, **kwargs)
        engine.promise = calibration.promise
        return engine

    # ---- the batched forward pass -------------------------------------------------------
    def _forward(self, input_ids: Any, positions: Any, step: Any, logits_to_keep: Any) -> Any:
        """One model call over the flat real tokens of a cascade step (inference/cascade.py); returns the
        logits at the flat indices `logits_to_keep`, in the model's dtype (`branch_token_logprobs` reads
        them in fp32 a slice at a time)."""
        seen = int(step.prefix_mask.sum()) + int(step.own_mask[step.token_row, step.token_col].sum())
        self.useful_flops += (
            self._flops_per_token * input_ids.numel()
            + self._flops_per_key_seen * seen
            + self._flops_per_logit * len(logits_to_keep)
        )
        if input_ids.numel() == 1:
            input_ids, positions = input_ids.repeat(ONE_TOKEN_PASS), positions.repeat(ONE_TOKEN_PASS)
        kept = len(logits_to_keep)  # one row's logits are kept twice: the head's one-row kernel rounds apart
        out = self.model(
            input_ids=input_ids[None],
            position_ids=positions[None],
            use_cache=False,
            logits_to_keep=logits_to_keep.repeat(ONE_TOKEN_PASS) if kept == 1 else logits_to_keep,
            cascade=step,
        )
        self.forward_passes += 1
        return out.logits[0][:kept]

    def _advance(
        self, batch: Batch, targets: list[list[int]], branches: list[list[list[int]]] | None = None
    ) -> list[list[float]]:
        """Make each row's visible tokens equal `targets[r]`, then score `branches[r]` after it.

        Whatever a row has cached beyond its common prefix with the target is dropped (the
        tokenisation of "value + next key" can differ from what was scored or generated), the
        rest of the target is fed. Each branch is an option's tokens; all branches of a row sit
        in the same row, each attending to the target but not to the other branches. The best
        branch of each row is kept but its last token, which the next target feeds (moved to follow
        the target; `last_logits` becomes what follows it); returns the per-row branch scores (sum
        of token log-probabilities; empty for a row without branches).
        """
        rows = len(targets)
        branches = branches or [[] for _ in range(rows)]
        news = []
        for r, target in enumerate(targets):
            have = batch.ids[r]
            keep = common_prefix_length(have, target)
            if keep == len(target) and keep < len(have):
                keep -= 1  # re-feed the target's last token: its logits are needed
            if keep < len(have):
                del batch.ids[r][keep:]
                batch.shared[r] = min(batch.shared[r], keep)
            news.append(target[keep:])
        # A branch's last token is not fed: nothing reads its logits, and only the winner's key and value
        # are ever needed (the next target feeds it). One token in nine and a third of the logits fewer
        # in classification (the closing quote of every option).
        fed = [[b[:-1] for b in bs] for bs in branches]
        contents = [new + [t for b in bs for t in b] for new, bs in zip(news, fed)]
        width = max(len(c) for c in contents)
        if width == 0 and not any(branches):
            return [[] for _ in range(rows)]
        own = batch.own_lengths()
        packed = pack_block(news, fed, [len(ids) for ids in batch.ids], self.tokenizer.pad_token_id or 0)
        logits = logits_index = None
        if width:  # else every branch is one token, scored from the logits the rows already have
            step, input_ids, keep, logits_index = plan_step(batch, packed, self._prefix, self.device)
            logits = self._forward(input_ids, step.query_positions, step, keep)
        starts = [width - len(c) for c in contents]  # where each row's content starts in the block
        for r, new in enumerate(news):
            batch.ids[r].extend(new)
            if new:
                batch.last_logits[r] = logits[logits_index[r, starts[r] + len(new) - 1]]
        if not any(branches):
            return [[] for _ in range(rows)]
        spans = packed.branch_spans
        token_logp = branch_token_logprobs(logits, logits_index, batch.last_logits, branches, spans)
        all_scores: list[list[float]] = []
        moves = []  # (row, from slot, to slot, tokens): each winner goes right after its row's target
        at = 0
        for r in range(rows):
            scores = []
            for b in branches[r]:
                scores.append(sum(token_logp[at : at + len(b)]))
                at += len(b)
            all_scores.append(scores)
            if not scores:
                continue
            best = max(range(len(scores)), key=scores.__getitem__)
            s, e = spans[r][best]
            moves.append((r, own[r] + s - starts[r], own[r] + len(news[r]), e - s))
            batch.ids[r].extend(fed[r][best])
            if e > s:  # what follows the winner's last fed token (its last token is next)
                batch.last_logits[r] = logits[logits_index[r, e - 1]]
        batch.cache.move(moves)
        return all_scores

    # ---- batch set-up: the shared system prompt -----------------------------------------
    def _start_batch(self, prompts: list[list[int]]) -> Batch:
        """A batch whose rows all see the cached system prompt (or as much of it as they share)."""
        torch = self.torch
        if self._prefix is None:
            # The token prefix every ticket's prompt shares: the prompt of two different tickets
            # agree exactly up to the ticket text. Encoded once per engine, its keys and values kept once.
            a = self._encode_prompt("a").ids
            b = self._encode_prompt("zz 9").ids
            self._prefix_ids = a[: common_prefix_length(a, b)]
            self._prefix = SharedPrefix()
            if self._prefix_ids:
                ids = torch.tensor([self._prefix_ids], device=self.device)
                self.model(input_ids=ids, use_cache=False, logits_to_keep=1, cascade=PrefixStep(self._prefix))
                self.forward_passes += 1
        prefix = self._prefix_ids or []
        # A ticket whose first characters merge with the template's last token sees less of it.
        shared = [min(common_prefix_length(prefix, prompt), len(prompt) - 1) for prompt in prompts]
        last_logits = torch.zeros((len(prompts), output_rows(self.model)), device=self.device)
        return Batch(RowsCache(len(prompts)), shared, [prefix[:n] for n in shared], last_logits)

    # ---- prompts ------------------------------------------------------------------------
    def _encode_prompt(self, text: str) -> _Prompt:
        """The prompt of one ticket, and the reasons to review it found so far."""
        reasons = []
        if not text.strip():
            reasons.append("empty ticket text")
        text, length = render_ticket(self.tokenizer, text, self.max_input_tokens)
        if length > self.max_input_tokens:
            reasons.append(f"input truncated to {self.max_input_tokens} tokens (was {length})")
        messages = build_messages(self.schema, text)
        prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        anchor = 0
        if self._special_re is not None:
            for match in self._special_re.finditer(prompt):
                anchor = match.start()
        anchor_ids = self._tokenize(prompt[:anchor]) if anchor else []
        tail = prompt[anchor:]
        return _Prompt(prompt, anchor_ids + self._tokenize(tail), anchor_ids, tail, reasons)

    def _tokenize(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def _option_candidates(
        self, prompt: _Prompt, head: str, options: list[str], tail: str
    ) -> tuple[list[int], list[list[int]]]:
        """Tokens of prompt + `head` and, per option, of the option through the token that closes it.

        `head` is the prompt's tail plus the answer so far.

        Scoring through the token that holds the closing quote makes "Access" and a longer
        option that starts with "Access" distinguishable. The head is cut where the options'
        tokens start to differ (and each option keeps at least one token of its own), since the
        boundary "...: \\"" + "Option" may tokenise differently from "...: \\"" alone.
        """
        shared, branches = self._option_tokens(head, tuple(options), tail)
        return prompt.anchor_ids + list(shared), [list(b) for b in branches]

    def _tokenize_options(
        self, head: str, options: tuple[str, ...], tail: str
    ) -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]:
        """`_option_candidates` after the prompt's anchor: it depends on the head, options and tail only
        (the prompt's tail is the same for every ticket), so it is cached; tuples, so no caller can
        change a cached answer."""
        texts = [head + option + tail for option in options]
        enc = self.tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
        candidates = []
        for option, ids, offsets in zip(options, enc["input_ids"], enc["offset_mapping"]):
            close_at = len(head) + len(option)  # index of the closing quote character
            end = next(i for i, (s, e) in enumerate(offsets) if e > close_at) + 1
            candidates.append(ids[:end])
        shared = candidates[0]
        for ids in candidates[1:]:
            shared = shared[: common_prefix_length(shared, ids)]
        shared = shared[: min(len(c) for c in candidates) - 1]
        return tuple(shared), tuple(tuple(c[len(shared) :]) for c in candidates)

    # ---- public API ---------------------------------------------------------------------
    def predict(self, text: str, classification_only: bool = False) -> TriageResult:
        """Triage one ticket. `classification_only` skips free-text fields (several times faster)."""
        return self.predict_batch([text], classification_only=classification_only)[0]

    def predict_batch(
        self,
        texts: list[str],
        classification_only: bool = False,
        progress: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> list[TriageResult]:
        """Triage many tickets, `batch_size` at a time; results come back in input order.

        Tickets of similar length are batched together, which cuts the padding the model computes.
        Each result is the same as `predict()` gives for that ticket alone (bit for bit on a CPU in
        bf16; in fp32 and on GPUs up to float rounding of near-ties).
        """
        return in_length_order(
            texts,
            batch_size,
            lambda chunk: self._triage([self._encode_prompt(t) for t in chunk], chunk, classification_only),
            progress,
        )

    def _triage(self, encoded: list[_Prompt], texts: list[str], classification_only: bool) -> list[TriageResult]:
        torch = self.torch
        start = time.perf_counter()
        schema = self.schema
        rows = len(encoded)
        chosen: list[dict[str, str]] = [{} for _ in range(rows)]
        confidence: list[dict[str, float]] = [{} for _ in range(rows)]
        alternatives: list[dict[str, list[dict[str, Any]]]] = [{} for _ in range(rows)]
        option_scores: list[dict[str, dict[str, float]]] = [{} for _ in range(rows)]
        reasons = [list(p.reasons) for p in encoded]
        names = schema.field_names
        done_at: list[float | None] = [None] * rows
        with torch.inference_mode():
            batch = self._start_batch([p.ids for p in encoded])
            for i, f in enumerate(schema.fields):
                heads = [p.tail + answer_prefix(schema, chosen[r], f.name) for r, p in enumerate(encoded)]
                # What follows the value in the answer: `", "` before the next key, `"}` at the end.
                tail = '", "' if i + 1 < len(names) else '"}'
                if f.type == "text":
                    if classification_only:
                        continue
                    values, finished_at = self._generate_text(batch, encoded, heads, f.max_length, tail)
                    if i + 1 == len(names):  # nothing is decoded after this field: these rows are done
                        done_at = finished_at
                    for r, value in enumerate(values):
                        if not value:
                            value = _clean_text(" ".join(texts[r].split()), f.max_length) or "(empty ticket)"
                            reasons[r].append(f"{f.name}: model wrote nothing, ticket text used")
                        chosen[r][f.name] = value
                    continue
                options = [schema.allowed_values(f.name, chosen[r]) for r in range(rows)]
                targets, branches = [], []
                for r in range(rows):
                    shared, own = self._option_candidates(encoded[r], heads[r], options[r], tail)
                    targets.append(shared)
                    branches.append(own if len(own) > 1 else [])  # a single option needs no scoring
                scores = self._advance(batch, targets, branches)
                temperature = self.temperatures.get(f.name, 1.0)
                for r in range(rows):
                    raw = scores[r] or [0.0]
                    probs = torch.softmax(torch.tensor(raw) / temperature, dim=0).tolist()
                    decision = decide_field(
                        f.name, dict(zip(options[r], probs)), self.review_thresholds.get(f.name, 0.0)
                    )
                    chosen[r][f.name] = decision.value
                    confidence[r][f.name] = decision.confidence
                    alternatives[r][f.name] = decision.alternatives
                    option_scores[r][f.name] = dict(zip(options[r], raw))
                    if decision.review_reason:
                        reasons[r].append(decision.review_reason)
        end = time.perf_counter()
        results = []
        for r in range(rows):
            ticket = {n: chosen[r][n] for n in names if n in chosen[r]}
            if not classification_only:
                schema.validate(ticket)  # by construction this holds; a failure is a bug worth raising
            results.append(
                TriageResult(
                    ticket=ticket,
                    confidence=confidence[r],
                    alternatives=alternatives[r],
                    status="review" if reasons[r] else "auto",
                    reasons=reasons[r],
                    timing_ms=round(((done_at[r] or end) - start) * 1000, 1),
                    model=self.name,
                    option_scores=option_scores[r],
                )
            )
        return results

    # ---- decoding the free-text field ---------------------------------------------------
    def _text_matcher(self, max_chars: int, tail: str) -> Any:
        """An llguidance matcher for the rest of a JSON string value: at most `max_chars` characters
        (no raw control characters, only valid escapes), the closing quote and what follows it.

        Compiled once per (length, tail) and copied per row; llguidance compiles this in about a
        millisecond and refuses a grammar it cannot honour instead of silently loosening it.
        """
        key = (max_chars, tail)
        if key not in self._text_matchers:
            import llguidance
            import llguidance.hf

            if self._llg_tokenizer is None:
                self._llg_tokenizer = llguidance.hf.from_tokenizer(self.tokenizer)
            char = r'(?:[^"\\\x00-\x1f]|\\["\\\/bfnrt]|\\u[0-9a-fA-F]{4})'
            grammar = llguidance.LLMatcher.grammar_from_lark(f"start: /{char}{{0,{max_chars}}}/ {json.dumps(tail)}\n")
            matcher = llguidance.LLMatcher(self._llg_tokenizer, grammar)
            if matcher.is_error():
                raise RuntimeError(f"llguidance rejected the text-field grammar: {matcher.get_error()}")
            self._text_matchers[key] = matcher
        return self._text_matchers[key].deep_copy()

    def _generate_text(
        self, batch: Batch, prompts: list[_Prompt], heads: list[str], max_chars: int, tail: str
    ) -> tuple[list[str], list[float | None]]:
        """Greedy decoding of every row at once, under the string grammar, until its closing quote.

        Also returns when each row finished (`time.perf_counter()`), its own latency's end.
        """
        import llguidance.numpy as llg_numpy

        torch = self.torch
        self._advance(batch, [p.anchor_ids + self._tokenize(h) for p, h in zip(prompts, heads)])
        rows = len(heads)
        matchers = [self._text_matcher(max_chars, tail) for _ in range(rows)]
        bitmask = llg_numpy.allocate_token_bitmask(rows, self._llg_tokenizer.vocab_size)
        bit_shifts = torch.arange(32, dtype=torch.int32)
        pieces: list[list[int]] = [[] for _ in range(rows)]
        texts = [""] * rows
        finished = [False] * rows
        finished_at: list[float | None] = [None] * rows
        for _ in range(max_chars + len(tail)):  # a token is at least one character
            for r, matcher in enumerate(matchers):
                if not finished[r]:
                    llg_numpy.fill_next_token_bitmask(matcher, bitmask, r)
            bits = torch.from_numpy(bitmask)
            allowed = ((bits.unsqueeze(-1) >> bit_shifts) & 1).bool().reshape(rows, -1).to(self.device)
            vocab = batch.last_logits.shape[1]
            if allowed.shape[1] < vocab:  # a model may have more logits than the tokenizer has tokens
                allowed = torch.nn.functional.pad(allowed, (0, vocab - allowed.shape[1]), value=False)
            next_ids = torch.argmax(batch.last_logits.masked_fill(~allowed[:, :vocab], -torch.inf), dim=-1).tolist()
            targets = []
            for r, matcher in enumerate(matchers):
                if not finished[r]:
                    matcher.consume_token(next_ids[r])
                    pieces[r].append(next_ids[r])
                    texts[r] = self.tokenizer.decode(pieces[r])
                    # The closing quote ends the value; what the grammar forces after it is known.
                    closed = '"' in texts[r].replace("\\\\", "").replace('\\"', "")
                    finished[r] = closed or matcher.is_stopped() or matcher.is_error()
                    if finished[r]:
                        finished_at[r] = time.perf_counter()
                # A finished row feeds nothing: its target is what it already has.
                targets.append(batch.ids[r] if finished[r] else batch.ids[r] + [next_ids[r]])
            if all(finished):
                break
            self._advance(batch, targets)
        return [_clean_text(t, max_chars) for t in texts], finished_at


def _clean_text(text: str, max_chars: int) -> str:
    """Cut at the closing quote, undo JSON escapes, squash whitespace, cut to `max_chars` on a word."""
    end = 0
    while end < len(text):
        if text[end] == "\\":
            end += 2
            continue
        if text[end] == '"':
            break
        end += 1
    raw = text[:end]
    try:
        raw = json.loads(f'"{raw}"')
    except json.JSONDecodeError:
        pass  # keep the raw characters; json.dumps escapes them when the ticket is written
    return cut_on_word(raw, max_chars)
