"""The triage engine: schema-driven decoding that always yields a valid ticket, with confidences.

How one ticket is decoded (the output type drives the decoder):
- The JSON structure is never generated: keys, quotes and commas come from the prompt contract
  (`answer_prefix`), so they cost no decoding steps and cannot be malformed.
- Each enum field is *scored*, not sampled: every allowed option (cross-field rules applied to what
  was already chosen) is scored by the model's own log-probability of writing it, closing quote
  included, in one batched forward pass from the cached prefix. The softmax over those sequence
  scores is the field's confidence and ranks the alternatives.
- The free-text field (summary) is decoded greedily until the closing quote, cut to its maximum
  length, and JSON-escaped by construction.
- The KV cache is reused across fields and across tickets: the longest common token prefix with
  what is already cached (the system prompt with the schema, shared by every ticket) is kept and
  only the rest is computed.

    from inference.engine import TriageEngine
    engine = TriageEngine.load()     # the shipped adapter; or an alias, folder, adapter bundle, hub id
    engine.predict("VPN drops every ten minutes").to_dict()
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ticket_triage.models import ResolvedModel, default_model, hub_error_hint, resolve_model
from ticket_triage.prompt import DEFAULT_MAX_INPUT_TOKENS, answer_prefix, build_messages, truncate_text
from ticket_triage.schema import SchemaError, TicketSchema, load_schema

DEFAULT_REVIEW_THRESHOLD = 0.5
TOP_K = 3
PREFILL_TOKENS = 8  # new tokens beyond this are prefilled once instead of in every option's row


@dataclass
class TriageResult:
    ticket: dict[str, str]
    confidence: dict[str, float]  # per enum field: probability of the chosen value among allowed ones
    alternatives: dict[str, list[dict[str, Any]]]  # per enum field: top-k {"value", "probability"}
    status: str  # "auto" or "review"
    reasons: list[str] = field(default_factory=list)
    timing_ms: float = 0.0
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _common_prefix_length(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


class TriageEngine:
    """A loaded model plus its KV cache; `predict()` one ticket at a time, `predict_batch()` many."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        schema: TicketSchema,
        name: str = "",
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
        max_input_tokens: int = DEFAULT_MAX_INPUT_TOKENS,
    ):
        import torch

        self.torch = torch
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.schema = schema
        self.name = name
        self.review_threshold = review_threshold
        self.max_input_tokens = max_input_tokens
        self.device = next(model.parameters()).device
        self._cache: Any = None
        self._cached_ids: list[int] = []
        self.forward_passes = 0  # counted for benchmarks: model calls, batched or not

    # ---- loading ------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        model: str | None = None,
        schema: TicketSchema | None = None,
        device: str | None = None,
        load_in_4bit: bool = False,
        **kwargs: Any,
    ) -> TriageEngine:
        """Load an alias, local folder, adapter bundle or hub id once; reuse the engine after."""
        resolved = resolve_model(model or default_model())
        schema = schema or load_schema()
        check_adapter_schema(resolved, schema)
        lm, tokenizer = load_model(resolved, device=device, load_in_4bit=load_in_4bit)
        return cls(lm, tokenizer, schema, name=resolved.name, **kwargs)

    # ---- the KV cache -------------------------------------------------------------------
    def _extend(self, ids: list[int]) -> Any:
        """Make the cache hold `ids[:-1]`+ and return the logits that follow `ids[-1]`."""
        torch = self.torch
        keep = min(_common_prefix_length(self._cached_ids, ids), len(ids) - 1)
        if self._cache is None:
            from transformers import DynamicCache

            self._cache = DynamicCache(config=self.model.config)
            keep = 0
        elif keep < len(self._cached_ids):
            self._cache.crop(keep - len(self._cached_ids))
        new = torch.tensor([ids[keep:]], device=self.device)
        out = self.model(input_ids=new, past_key_values=self._cache, use_cache=True)
        self.forward_passes += 1
        self._cached_ids = list(ids)
        return out.logits[0, -1].float()

    def _tokenize(self, text: str, offsets: bool = False) -> Any:
        return self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=offsets)

    # ---- scoring an enum field ----------------------------------------------------------
    def _score_options(self, head: str, options: list[str], tails: list[str]) -> list[float]:
        """Log-probability of each `head + option + tail`, up to the token that closes the value.

        `tail` starts with the closing quote; scoring through the token that holds it makes
        "Access" and a longer option that starts with "Access" distinguishable.

        On a CPU a forward pass costs about the time to stream the weights once, whatever the
        few tokens it carries, so all options are scored in one batched pass on a copy of the
        cache, and the winner's row of that copy becomes the cache: one pass per field.
        """
        torch = self.torch
        candidates = []
        for option, tail in zip(options, tails):
            text = head + option + tail
            enc = self._tokenize(text, offsets=True)
            close_at = len(head) + len(option)  # index of the closing quote character
            end = next(i for i, (s, e) in enumerate(enc["offset_mapping"]) if e > close_at) + 1
            candidates.append(enc["input_ids"][:end])
        shared = candidates[0]
        for ids in candidates[1:]:
            shared = shared[: _common_prefix_length(shared, ids)]
        shared = shared[: min(len(c) for c in candidates) - 1]  # every option keeps >= 1 own token
        if len(options) == 1:
            return [0.0]
        keep = min(_common_prefix_length(self._cached_ids, shared), len(shared))
        if self._cache is None or len(shared) - keep > PREFILL_TOKENS:
            # A long new stretch (the ticket text) is computed once, not once per option.
            self._extend(shared)
            keep = len(shared)
        # Re-feed the last cached token so its output predicts each option's first token.
        start = keep - 1
        self._cache.crop(start - len(self._cached_ids))
        rows = [c[start:-1] for c in candidates]
        targets = [c[start + 1 :] for c in candidates]
        longest = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id or 0
        inputs = torch.tensor([r + [pad] * (longest - len(r)) for r in rows], device=self.device)
        mask = torch.tensor([[1] * (start + len(r)) + [0] * (longest - len(r)) for r in rows], device=self.device)
        cache = copy.deepcopy(self._cache)
        cache.batch_repeat_interleave(len(rows))
        out = self.model(input_ids=inputs, attention_mask=mask, past_key_values=cache, use_cache=True)
        self.forward_passes += 1
        logp = torch.log_softmax(out.logits.float(), dim=-1)
        first_own = len(shared) - start - 1  # targets before this index are the shared prefix
        scores = [
            sum(logp[k, j, t[j]].item() for j in range(first_own, len(t))) for k, t in enumerate(targets)
        ]
        # The best option's row of the batched cache is the cache from here on (right padding cropped).
        best = max(range(len(scores)), key=scores.__getitem__)
        cache.batch_select_indices(torch.tensor([best], device=self.device))
        if longest > len(rows[best]):
            cache.crop(len(rows[best]) - longest)
        self._cache = cache
        self._cached_ids = candidates[best][:-1]
        return scores

    # ---- decoding the free-text field ---------------------------------------------------
    def _generate_text(self, head: str, max_chars: int) -> str:
        torch = self.torch
        ids = self._tokenize(head)["input_ids"]
        logits = self._extend(ids)
        stop_ids = {self.tokenizer.eos_token_id, self.tokenizer.pad_token_id}
        pieces: list[int] = []
        text = ""
        for _ in range(max_chars):  # a token is at least one character, so this bounds the loop
            next_id = int(torch.argmax(logits))
            if next_id in stop_ids:
                break
            pieces.append(next_id)
            text = self.tokenizer.decode(pieces)
            if '"' in text.replace('\\"', "") or "\n" in text or len(text) > max_chars:
                break
            ids = ids + [next_id]
            logits = self._extend(ids)
        return _clean_text(text, max_chars)

    # ---- public API ---------------------------------------------------------------------
    def _prompt(self, text: str) -> tuple[str, list[str]]:
        reasons = []
        text, length = truncate_text(self.tokenizer, text, self.max_input_tokens)
        if length > self.max_input_tokens:
            reasons.append(f"input truncated to {self.max_input_tokens} tokens (was {length})")
        if not text.strip():
            reasons.append("empty ticket text")
        messages = build_messages(self.schema, text)
        prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return prompt, reasons

    def predict(self, text: str, classification_only: bool = False) -> TriageResult:
        """Triage one ticket. `classification_only` skips free-text fields (much faster)."""
        start = time.perf_counter()
        schema = self.schema
        prompt, reasons = self._prompt(text)
        chosen: dict[str, str] = {}
        confidence: dict[str, float] = {}
        alternatives: dict[str, list[dict[str, Any]]] = {}
        names = schema.field_names
        with self.torch.inference_mode():
            for i, f in enumerate(schema.fields):
                head = prompt + answer_prefix(schema, chosen, f.name)
                if f.type == "text":
                    if classification_only:
                        continue
                    value = self._generate_text(head, f.max_length)
                    if not value:
                        value = _clean_text(" ".join(text.split()), f.max_length) or "(empty ticket)"
                        reasons.append(f"{f.name}: model wrote nothing, ticket text used")
                    chosen[f.name] = value
                    continue
                options = schema.allowed_values(f.name, chosen)
                # What follows the value in the answer: `", "` before the next key, `"}` at the end.
                tail = '", "' if i + 1 < len(names) else '"}'
                scores = self._score_options(head, options, [tail] * len(options))
                probs = self.torch.softmax(self.torch.tensor(scores), dim=0).tolist()
                ranked = sorted(zip(options, probs), key=lambda p: -p[1])
                chosen[f.name] = ranked[0][0]
                confidence[f.name] = round(ranked[0][1], 4)
                alternatives[f.name] = [{"value": v, "probability": round(p, 4)} for v, p in ranked[:TOP_K]]
                if ranked[0][1] < self.review_threshold:
                    reasons.append(f"{f.name}: low confidence {ranked[0][1]:.2f}")
        ticket = {n: chosen[n] for n in names if n in chosen}
        if not classification_only:
            schema.validate(ticket)  # by construction this holds; a failure is a bug worth raising
        return TriageResult(
            ticket=ticket,
            confidence=confidence,
            alternatives=alternatives,
            status="review" if reasons else "auto",
            reasons=reasons,
            timing_ms=round((time.perf_counter() - start) * 1000, 1),
            model=self.name,
        )

    def predict_batch(
        self, texts: list[str], classification_only: bool = False, progress: bool = False
    ) -> list[TriageResult]:
        from tqdm.auto import tqdm

        iterator = tqdm(texts, desc="triage", unit="ticket", disable=not progress)
        return [self.predict(t, classification_only=classification_only) for t in iterator]


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
    value = " ".join(raw.split())
    if len(value) > max_chars:
        value = value[:max_chars].rsplit(" ", 1)[0] if " " in value[:max_chars] else value[:max_chars]
    return value.strip()


def check_adapter_schema(resolved: ResolvedModel, schema: TicketSchema) -> None:
    """Refuse an adapter trained on another taxonomy: its labels would silently mean other things."""
    meta = resolved.triage_meta
    trained = meta.get("schema_fingerprint")
    if trained and trained != schema.fingerprint():
        raise SchemaError(
            f"model {resolved.adapter or resolved.base} was trained on schema {meta.get('schema_name')!r} "
            f"(fingerprint {trained}), but schema {schema.name!r} from {schema.source} "
            f"(fingerprint {schema.fingerprint()}) was asked for; pass the adapter's schema with --schema "
            f"(a copy is in {resolved.adapter or resolved.base}/schema.yaml)"
        )


def load_model(resolved: ResolvedModel, device: str | None = None, load_in_4bit: bool = False) -> tuple[Any, Any]:
    """Load base model (+ merged adapter) and tokenizer for inference."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    kwargs: dict[str, Any] = {"dtype": torch.float32 if device == "cpu" else torch.bfloat16}
    if load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=kwargs["dtype"]
        )
    try:
        # A bundle may leave the tokenizer out (the shipped one does): it is the base model's.
        has_tokenizer = resolved.adapter and (Path(resolved.adapter) / "tokenizer_config.json").is_file()
        tokenizer = AutoTokenizer.from_pretrained(resolved.adapter if has_tokenizer else resolved.base)
        lm = AutoModelForCausalLM.from_pretrained(resolved.base, **kwargs)
    except OSError as e:
        raise hub_error_hint(resolved.base, e) from e
    if not load_in_4bit:
        lm = lm.to(device)
    if resolved.adapter:
        from peft import PeftModel

        lm = PeftModel.from_pretrained(lm, resolved.adapter)
        if not load_in_4bit:
            lm = lm.merge_and_unload()  # LoRA folded into the weights: no adapter cost per token
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return lm, tokenizer
