"""The one loader: a model spec and the shared model flags in, a `Triager` out, for every command and the service.

A spec is an alias (`smollm2-135m`), a model folder, an adapter bundle, a hub id (`TriageEngine`), a
folder from `triage baseline fit` (a baseline) or `openai:NAME` (a model on an OpenAI-compatible
server). Every command that loads a model takes the same flags (`add_model_arguments`) and calls
`load_triager`; the heavy imports happen only for the kind that is loaded.

    parser = argparse.ArgumentParser(); add_model_arguments(parser)
    triager = load_triager(parser.parse_args(["--model", "outputs/baselines/tfidf"]), "outputs/baselines/tfidf")
"""

from __future__ import annotations

import argparse

from inference.engine import DEFAULT_BATCH_SIZE
from ticket_triage.dataset import DataError
from ticket_triage.models import default_model, resolve_model
from ticket_triage.result import Triager
from ticket_triage.schema import add_schema_argument

OPENAI_PREFIX = "openai:"


def add_model_arguments(
    parser: argparse.ArgumentParser, multiple: bool = False, batch_size: int = DEFAULT_BATCH_SIZE
) -> None:
    """The flags every command that loads a model shares; `multiple` lets --model repeat; `batch_size`
    is --batch-size's default (the service's micro-batch limit differs from the engine's)."""
    parser.add_argument(
        "--model",
        default=None,
        action="append" if multiple else "store",
        help="alias, model folder, adapter bundle or hub id (default: the shipped adapter, "
        "else smollm2-135m)" + ("; repeat for a side-by-side table" if multiple else ""),
    )
    add_schema_argument(parser)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--load-in-4bit", action="store_true", help="load the base model in 4-bit (bitsandbytes)")
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=("auto", "float32", "bfloat16", "float16"),
        help="auto: bf16 on a CPU with AMX or AVX512-BF16 (a ticket gets the same answer in any batch), "
        "fp32 on other CPUs, bf16 on GPUs that have it, else fp16",
    )
    parser.add_argument(
        "--review-threshold",
        type=_threshold,
        action="append",
        default=None,
        metavar="[FIELD=]P",
        help="send a ticket to review when a field's confidence is below P; FIELD=P for one "
        "field, repeatable (default: each field's review_threshold in the schema config)",
    )
    parser.add_argument("--max-input-tokens", type=int, default=None, help="truncate longer tickets (default 512)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=batch_size,
        help=f"tickets decoded together (default {batch_size}); larger is faster per ticket up to a "
        "point, needs more memory and delays every result of a batch to its end",
    )
    remote = parser.add_argument_group("openai:NAME models (an OpenAI-compatible server)")
    remote.add_argument(
        "--base-url",
        default=None,
        help="server URL, e.g. http://localhost:8000/v1 "
        "(default: $OPENAI_BASE_URL, else api.openai.com); the key is read from $OPENAI_API_KEY",
    )
    remote.add_argument("--concurrency", type=int, default=8, help="requests in flight at once (default 8)")
    remote.add_argument("--timeout", type=float, default=60.0, help="seconds per request before a retry")


def _threshold(value: str) -> tuple[str | None, float]:
    name, _, number = value.rpartition("=")
    try:
        p = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not P or FIELD=P") from None
    if not 0 <= p <= 1:
        raise argparse.ArgumentTypeError(f"{value!r}: P must be from 0 to 1")
    return name or None, p


def load_triager(args: argparse.Namespace, model: str | None = None) -> Triager:
    """The model `--model` names, with the shared flags applied: a local model or adapter bundle
    (`TriageEngine`), a baseline folder, or `openai:NAME` (`OpenAIBackend`)."""
    from ticket_triage.schema import load_schema

    kwargs: dict = {}
    if args.review_threshold:
        thresholds: dict[str, float] = {}
        for name, value in args.review_threshold:
            if name is None:
                kwargs["review_threshold"] = value
            else:
                thresholds[name] = value
        if thresholds:
            schema = load_schema(args.schema)
            unknown = sorted(set(thresholds) - {f.name for f in schema.enum_fields})
            if unknown:
                raise DataError(f"--review-threshold: {unknown} are not enum fields of schema {schema.name!r}")
            everywhere = kwargs.get("review_threshold")
            if everywhere is not None:  # `0.6 category=0.8`: 0.6 for every field but category
                thresholds = {f.name: everywhere for f in schema.enum_fields} | thresholds
            kwargs["review_threshold"] = thresholds
    if args.max_input_tokens is not None:
        kwargs["max_input_tokens"] = args.max_input_tokens
    if model and model.startswith(OPENAI_PREFIX):
        from inference.openai_backend import OpenAIBackend

        return OpenAIBackend(
            model[len(OPENAI_PREFIX) :],
            load_schema(args.schema),
            base_url=args.base_url,
            timeout=args.timeout,
            concurrency=args.concurrency,
            review_threshold=kwargs.get("review_threshold"),
        )
    from inference.baselines import is_baseline, load_baseline

    if model and is_baseline(model):  # a folder from `triage baseline fit`
        return load_baseline(model, schema=load_schema(args.schema), review_threshold=kwargs.get("review_threshold"))
    from inference.engine import TriageEngine

    return TriageEngine.load(
        model or default_model(),
        schema=load_schema(args.schema),
        device=args.device,
        load_in_4bit=args.load_in_4bit,
        dtype=args.dtype,
        **kwargs,
    )


def model_folder(model: str) -> str | None:
    """The folder a model spec loads from: an adapter bundle, a model folder or a baseline folder, where
    its version, calibration and drift reference live; None for a remote `openai:NAME` model."""
    if model.startswith(OPENAI_PREFIX):
        return None
    from inference.baselines import is_baseline

    if is_baseline(model):
        return model
    resolved = resolve_model(model)
    return resolved.adapter or resolved.base
