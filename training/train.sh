#!/usr/bin/env bash
# Reproduces models/default end to end from a fresh machine of this kind (2 CPU cores; a CUDA GPU is used when present,
# which only makes it faster): corpus -> tokenizer -> pretraining -> instruction finetune -> classification finetune
# [-> fill-in-the-middle training of the completion model] -> export -> evaluation. Seeded and deterministic for the
# same device and thread count. The defaults are the exact settings of the shipped model.
# Environment knobs: PYTHON (default python3), SWIFT_PACKAGES (the corpus step's folder of bare git repositories
# OWNER/NAME.git; required unless SKIP_CORPUS=1), THREADS (2), LAYERS/WIDTH/HEADS (4/256/4),
# PRETRAIN_STEPS (2540), SUMMARIZE_STEPS (1200), CLASSIFY_PER_LABEL (2000), CLASSIFY_EPOCHS (6),
# FIM_STEPS (800: adds StarCoder's FIM tokens to the tokenizer and trains the completion model for them, suffix
# first, see the model card; 0 skips the step and ships a left-to-right model without FIM tokens), SKIP_CORPUS=1 (reuse training/out/corpus), SKIP_TOKENIZER=1 (reuse the vocabulary in
# models/default), SKIP_PRETRAIN=1 (reuse training/out/pretrain/model.pt). Scratch goes to training/out/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
THREADS=${THREADS:-2}
LAYERS=${LAYERS:-4}
WIDTH=${WIDTH:-256}
HEADS=${HEADS:-4}
PRETRAIN_STEPS=${PRETRAIN_STEPS:-2540}
SUMMARIZE_STEPS=${SUMMARIZE_STEPS:-1200}
CLASSIFY_PER_LABEL=${CLASSIFY_PER_LABEL:-2000}
CLASSIFY_EPOCHS=${CLASSIFY_EPOCHS:-6}
FIM_STEPS=${FIM_STEPS:-800}
mkdir -p training/out models/default
[[ "${SKIP_CORPUS:-}" == 1 ]] || "$PY" -m training.corpus training/out/corpus
[[ "${SKIP_TOKENIZER:-}" == 1 ]] ||
    "$PY" -m training.tokenizer training/out/corpus/train.jsonl training/out/corpus/heldout.jsonl models/default 8192
[[ "${SKIP_PRETRAIN:-}" == 1 ]] ||
    "$PY" -m training.pretrain --steps "$PRETRAIN_STEPS" --layers "$LAYERS" --width "$WIDTH" --heads "$HEADS" \
        --context 512 --batch 8 --lr 1.5e-3 --warmup 100 --seed 1234 --threads "$THREADS" --out training/out/pretrain
"$PY" -m training.finetune summarize --steps "$SUMMARIZE_STEPS" --batch 8 --lr 5e-4 --max-len 256 --seed 1234 \
    --threads "$THREADS" --out training/out/finetune
"$PY" -m training.finetune classify --per-label "$CLASSIFY_PER_LABEL" --epochs "$CLASSIFY_EPOCHS" --batch 16 \
    --lr 2e-3 --max-tokens 128 --seed 1234 --threads "$THREADS" --out training/out/finetune
if [[ "$FIM_STEPS" -gt 0 ]]; then
    "$PY" -m training.fim --init training/out/pretrain/model.pt --order spm --steps "$FIM_STEPS" --batch 8 --lr 3e-4 \
        --warmup 50 --fim-rate 0.5 --context-rate 0.7 --eval-every 200 --eval-cases 100 --seed 1234 --threads "$THREADS" \
        --out training/out/fim
fi
"$PY" -m training.export --work training/out --out models/default
"$PY" -m training.eval --work training/out --model models/default --threads "$THREADS"
mkdir -p training/logs
cp training/out/pretrain/loss.csv training/logs/pretrain_loss.csv
cp training/out/pretrain/summary.json training/logs/pretrain_summary.json
cp training/out/finetune/summarize_loss.csv training/logs/summarize_loss.csv
cp training/out/finetune/classify_loss.csv training/logs/classify_loss.csv
if [[ "$FIM_STEPS" -gt 0 ]]; then
    cp training/out/fim/loss.csv training/logs/fim_loss.csv
    cp training/out/fim/summary.json training/logs/fim_summary.json
fi
"$PY" -m training.corpus_tokens training/out/corpus models/default
"$PY" training/card_assemble.py
