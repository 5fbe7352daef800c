"""Assembles models/default/README.md: card_head.md (hand-written, LOSSROWS filled from the loss log) + the measured
sections rendered by card.py + card_tail.md. Run after eval.py."""
import csv, json, sys
head = open("training/card_head.md").read()
rows = []
log = list(csv.DictReader(open("training/logs/pretrain_loss.csv")))
for i, r in enumerate(log):
    if int(r["step"]) % 250 and i not in (0, len(log) - 1):
        continue  # the card shows every 250th step; the CSV has them all
    rows.append(f"| {r['step']} | {int(r['tokens']):,} | {float(r['train_loss']):.3f} | {float(r['heldout_loss']):.3f} | {float(r['heldout_top1']):.3f} |")
head = head.replace("LOSSROWS", "\n".join(rows))
import subprocess
card = subprocess.run([sys.executable, "training/card.py"], capture_output=True, text=True, check=True).stdout
tail = open("training/card_tail.md").read()
open("models/default/README.md", "w").write(head + card + "\n" + tail)
