#!/usr/bin/env bash
# Size sweep at equal cost on this machine kind's 2 CPU cores: each candidate gets the number of steps that 100
# minutes of CPU pretraining buys at its measured speed (training/probe.py on 2 cores: 4x256 1733 tok/s,
# 6x256 1428, 8x256 1325, 4x320 1709; batch 8 x 512 tokens = 4096 tokens per step). The runs go side by side (meant
# for a GPU, where each takes a minute or two); the best held-out loss picks the shipped size. Writes
# training/out/sweep/NAME/ and prints one line per candidate.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
candidates=("4 256 4 2540" "6 256 4 2100" "8 256 4 1950" "4 320 5 2500")
for c in "${candidates[@]}"; do
    read -r L C H S <<<"$c"
    name="L${L}C${C}"
    mkdir -p "training/out/sweep/$name"
    "$PY" -m training.pretrain --steps "$S" --layers "$L" --width "$C" --heads "$H" --context 512 --batch 8 \
        --lr 1.5e-3 --warmup 100 --seed 1234 --threads 2 --out "training/out/sweep/$name" \
        >"training/out/sweep/$name/log.txt" 2>&1 &
done
wait
echo "name,steps,tokens,heldout_loss,heldout_top1,seconds"
for c in "${candidates[@]}"; do
    read -r L C H S <<<"$c"
    name="L${L}C${C}"
    last=$(tail -1 "training/out/sweep/$name/loss.csv")
    IFS=, read -r step tokens lr train held top1 secs <<<"$last"
    echo "$name,$step,$tokens,$held,$top1,$secs"
done
