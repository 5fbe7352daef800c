"""Assembles models/default/README.md: card_head.md (hand-written, LOSSROWS filled from the loss log) + the measured
sections rendered by card.py + card_tail.md. Run after eval.py."""
import csv, json
head = open("training/card_head.md").read()
rows = []
for r in csv.DictReader(open("training/logs/pretrain_loss.csv")):
    rows.append(f"| {r['step']} | {int(r['tokens']):,} | {float(r['train_loss']):.3f} | {float(r['heldout_loss']):.3f} | {float(r['heldout_top1']):.3f} |")
head = head.replace("LOSSROWS", "\n".join(rows))
import subprocess
card = subprocess.run(["/work/venv/bin/python", "training/card.py"], capture_output=True, text=True, check=True).stdout
tail = open("training/card_tail.md").read()
open("models/default/README.md", "w").write(head + card + "\n" + tail)
