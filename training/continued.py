"""Continuing an adapter (`triage train --init_adapter`), e.g. on the corrections people made
(`triage review rows`), with replay of the original data so it does not forget what it knew.

    triage train --config configs/train/cpu_smollm2.yaml --init_adapter models/smollm2-135m-itsm \
        --train_file data/corrections.jsonl --replay_file data/synthetic/train.jsonl --replay_ratio 1 \
        --output_dir outputs/corrected

The continued adapter is a candidate: `triage review promote` compares it with the current one on a
held-out split and replaces the current one only when it is not worse (docs/review.md).
"""

from __future__ import annotations

import random
from typing import Any

from ticket_triage.dataset import DataError
from ticket_triage.models import ResolvedModel, resolve_model
from ticket_triage.schema import TicketSchema


def continued_adapter(path: str, schema: TicketSchema) -> ResolvedModel:
    """The adapter bundle `init_adapter` names (a ResolvedModel), refused unless it is an adapter
    trained on `schema`: its labels would mean other things."""
    continued = resolve_model(path)
    if not continued.adapter:
        raise DataError(f"init_adapter {path}: not an adapter bundle (no adapter_config.json)")
    trained = continued.triage_meta.get("schema_fingerprint")
    if trained and trained != schema.fingerprint():
        raise DataError(
            f"init_adapter {path} was trained on schema {continued.triage_meta.get('schema_name')!r} "
            f"(fingerprint {trained}), not on {schema.name!r} (fingerprint {schema.fingerprint()})"
        )
    return continued


def sample_replay(replay: list[dict[str, Any]], n_rows: int, ratio: float, seed: int) -> list[dict[str, Any]]:
    """`ratio` replay rows per training row, drawn without replacement (seeded); all when fewer."""
    if ratio < 0:
        raise DataError(f"replay_ratio must not be negative, got {ratio}")
    k = min(len(replay), round(ratio * n_rows))
    return random.Random(seed).sample(replay, k)
