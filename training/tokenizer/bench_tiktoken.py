#!/usr/bin/env python3
"""Writes the tokenizer test corpus to one file and measures tiktoken's single-threaded encode_ordinary on it.

Usage: bench_tiktoken.py OUTPUT_FILE [RUNS]. Used by scripts/bench/tokenizer, which then runs gptls on the same file.
"""
import hashlib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from make_reference import FIXTURES, gpt2_encoding  # noqa: E402


def corpus_bytes():
    manifest = json.load(open(os.path.join(FIXTURES, "corpus-manifest.json")))
    parts = []
    for entry in manifest["files"]:
        try:
            if entry["kind"] == "fixture":
                data = open(os.path.join(FIXTURES, entry["path"]), "rb").read()
            elif entry["kind"] == "file":
                data = open(entry["path"], "rb").read()
            else:
                data = subprocess.run(["git", "-C", entry["repository"], "show", f"{entry['commit']}:{entry['path']}"],
                                      check=True, capture_output=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        if hashlib.sha256(data).hexdigest() == entry["sha256"]:
            parts.append(data)
    return b"".join(parts)


def main():
    output, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    data = corpus_bytes()
    with open(output, "wb") as f:
        f.write(data)
    text = data.decode("utf-8")
    enc = gpt2_encoding()
    megabytes = len(data) / 1e6
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        tokens = len(enc.encode_ordinary(text))
        timings.append(time.perf_counter() - start)
    print(f"tiktoken: {megabytes:.2f} MB, {tokens} tokens; first run {megabytes / timings[0]:.1f} MB/s, "
          f"best of {runs} {megabytes / min(timings):.1f} MB/s")


if __name__ == "__main__":
    main()
