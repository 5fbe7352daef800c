#!/usr/bin/env bash
# Reproduces models/default end to end from a fresh machine of this kind (2 CPU cores, no GPU needed):
# corpus -> tokenizer -> pretraining -> instruction finetune -> classification finetune -> export -> evaluation.
# Seeded and deterministic for the same thread count. The defaults are the exact settings of the shipped model.
# Environment knobs: PYTHON (default /work/venv/bin/python), THREADS (2), PRETRAIN_STEPS (353), SUMMARIZE_STEPS,
# CLASSIFY_PER_LABEL, CLASSIFY_EPOCHS. Scratch goes to training/out/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-/work/venv/bin/python}
THREADS=${THREADS:-2}
FT_THREADS=${FT_THREADS:-1}  # the shipped finetunes ran side by side, one thread each
PRETRAIN_STEPS=${PRETRAIN_STEPS:-353}
SUMMARIZE_STEPS=${SUMMARIZE_STEPS:-400}
CLASSIFY_PER_LABEL=${CLASSIFY_PER_LABEL:-500}
CLASSIFY_EPOCHS=${CLASSIFY_EPOCHS:-6}
mkdir -p training/out models/default
"$PY" -m training.corpus training/out/corpus
"$PY" -m training.tokenizer training/out/corpus/train.jsonl training/out/corpus/heldout.jsonl models/default 8192
"$PY" -m training.pretrain --steps "$PRETRAIN_STEPS" --layers 4 --width 256 --heads 4 --context 512 --batch 8 \
    --lr 1.5e-3 --warmup 20 --budget-minutes 55 --seed 1234 --threads "$THREADS" --out training/out/pretrain
"$PY" -m training.finetune summarize --steps "$SUMMARIZE_STEPS" --batch 8 --lr 5e-4 --max-len 256 --seed 1234 \
    --threads "$FT_THREADS" --out training/out/finetune
"$PY" -m training.finetune classify --per-label "$CLASSIFY_PER_LABEL" --epochs "$CLASSIFY_EPOCHS" --batch 16 \
    --lr 2e-3 --max-tokens 128 --seed 1234 --threads "$FT_THREADS" --out training/out/finetune
"$PY" -m training.export --work training/out --out models/default
"$PY" -m training.eval --work training/out --model models/default --threads "$THREADS"
mkdir -p training/logs
cp training/out/pretrain/loss.csv training/logs/pretrain_loss.csv
cp training/out/pretrain/summary.json training/logs/pretrain_summary.json
cp training/out/finetune/summarize_loss.csv training/logs/summarize_loss.csv
cp training/out/finetune/classify_loss.csv training/logs/classify_loss.csv
"$PY" -m training.corpus_tokens training/out/corpus models/default
"$PY" training/card_assemble.py
