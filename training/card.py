"""Renders the measured sections of models/default/README.md from eval.json and the training logs."""
import csv
import json
import sys

model_dir = sys.argv[1] if len(sys.argv) > 1 else "models/default"
ev = json.load(open(f"{model_dir}/eval.json"))
h = ev["heldout"]
lines = []
w = lines.append
w("### Held-out language modelling (completion.safetensors)\n")
w(f"{h['windows']} windows of {h['tokens_per_window']} tokens from held-out files (all languages, same mixture as "
  f"training), and {h['windows']} windows from held-out Python/Swift/C files only (\"code\").\n")
w("| weights | held-out loss | perplexity | top-1 next token |")
w("|---|---|---|---|")
w(f"| fp32 training checkpoint | {h['loss_fp32']:.4f} | {2.718281828 ** h['loss_fp32']:.1f} | {h['top1_fp32']:.3f} |")
w(f"| shipped F16 | {h['loss_f16']:.4f} | {h['ppl_f16']:.1f} | {h['top1_f16']:.3f} |")
w(f"| BF16 rounding (not shipped) | {h['loss_bf16']:.4f} | {2.718281828 ** h['loss_bf16']:.1f} | |")
w(f"| shipped F16, code only | {h['code_loss']:.4f} | {h['code_ppl']:.1f} | {h['code_top1']:.3f} |")
w("")
f = ev.get("fim")
if f:
    w("### Fill-in-the-middle (completion.safetensors)\n")
    names = {"prefix_only": "prefix only (FIM off; the last 464 tokens before the cursor)",
             "fim": "FIM, suffix first: suffix (115) + prefix (346)",
             "fim_context": "FIM + context block of other files of the repository (230; prefix 174, suffix 57)"}
    w(f"The rest of a line hidden at {f['prefix_only']['cases']} held-out cursor positions (seeded; a non-blank rest "
      "of at most 48 tokens), each prompted as gptls prompts it; middle loss = mean negative log-likelihood per token "
      "of the hidden text (without the end token), exact match and edit similarity of the greedy first line "
      "(stopped at a newline, an end token or 48 tokens).\n")
    w("| prompt | cases | middle loss | exact match | edit similarity |")
    w("|---|---|---|---|---|")
    for mode, r in f.items():
        w(f"| {names[mode]} | {r['cases']} | {r['middle_loss']:.3f} | {r['exact_match']*100:.1f}% | "
          f"{r['edit_similarity']:.3f} |")
    w("")
try:
    fs = json.load(open("training/logs/fim_summary.json"))
except OSError:
    fs = None
if fs:
    b, a = fs["fim_cases_before"]["prefix_only"], fs["fim_cases_after"]
    w("### The fill-in-the-middle step (training/fim.py)\n")
    w(f"Before and after the FIM step (`training/logs/fim_summary.json`, fp32; held-out loss on the card's 16 "
      f"pretraining windows). The rest of a line is hidden at {b['cases']} seeded held-out cursor positions (a "
      "non-blank rest of at most 48 tokens), each prompted as gptls would prompt it: prefix only (the last 464 tokens "
      "before the cursor), FIM in the order of the run (suffix 115 + prefix 346 tokens), FIM with a context block of other held-out files of "
      "the repository (230; prefix 174, suffix 57). Middle loss: mean negative log-likelihood per token of the hidden "
      "text; exact match and edit similarity: of the greedy first line (stopped at a newline, an end token or 48 "
      "tokens).\n")
    w("| model | held-out loss | top-1 | prompt | middle loss | exact match | edit similarity |")
    w("|---|---|---|---|---|---|---|")
    w(f"| before (shipped) | {fs['heldout_before']['loss']:.4f} | {fs['heldout_before']['top1']:.3f} | prefix only | "
      f"{b['middle_loss']:.3f} | {b['exact_match']*100:.1f}% | {b['edit_similarity']:.3f} |")
    for mode in ("prefix_only", "fim", "fim_context"):
        r = a[mode]
        w(f"| after FIM step | {fs['heldout_after']['loss']:.4f} | {fs['heldout_after']['top1']:.3f} | {mode} | "
          f"{r['middle_loss']:.3f} | {r['exact_match']*100:.1f}% | {r['edit_similarity']:.3f} |")
    w("")
c = ev["classify"]
w("### Classification (classify.safetensors)\n")
w(f"Accuracy on {c['snippets']} held-out snippets (100 per label, cut from held-out files only): "
  f"**{c['accuracy']*100:.1f}%** (target was 95%).\n")
labels = list(c["confusion"].keys())
w("| true \\ predicted | " + " | ".join(labels) + " | recall |")
w("|---|" + "---|" * (len(labels) + 1))
for a in labels:
    w(f"| {a} | " + " | ".join(str(c["confusion"][a][b]) for b in labels) + f" | {c['per_label'][a]*100:.0f}% |")
w("")
s = ev["summarize"]
w("### Summaries (summarize.safetensors)\n")
w(f"Mean ROUGE-L F1 against the real first docstring/doc-comment sentence on {s['samples']} held-out functions and "
  f"declarations (greedy, at most 32 tokens, stop at <|endoftext|>): **{s['rouge_l_f1']:.3f}**.\n")
w("The first ten samples, unedited (code shown to the model, real first sentence, model output):\n")
for i, x in enumerate(ev["summarize_samples"][:10]):
    w(f"{i+1}. ({x['lang']}, ROUGE-L {x['rouge_l']:.2f})")
    w("   ```" + ("python" if x["lang"] == "python" else "swift"))
    for l in x["code"].splitlines():
        w("   " + l)
    w("   ```")
    w(f"   - real: {x['reference']}")
    w(f"   - model: {x['generated']!r}")
w("")
w("### Example completions (greedy, at most 32 tokens, completion.safetensors)\n")
for x in ev["example_completions"]:
    w("```")
    w(x["prompt"] + x["completion"])
    w("```")
w("")
print("\n".join(lines))
