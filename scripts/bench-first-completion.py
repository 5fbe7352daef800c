#!/usr/bin/env python3
"""First completion after start: how long the editor's first inline completion takes when it comes a while after
`initialized` (the models should have loaded meanwhile, not at that request).

For each binary and run: start `gptls serve --model MODEL`, initialize, wait --wait seconds, open a document of
about --prompt-tokens tokens (the start of this script's repository's Sources, cut at a line end) and time one
inline completion at its end (maxTokens 1, so the figure is the time to the first token of ghost text). Prints per
run the round trip and the server's own figures, then the median per binary.

    scripts/bench-first-completion.py --model DIR [--gptls BIN ...] [--runs 3] [--wait 2] [--prompt-tokens 256]

Python is only the driver here; gptls never needs it.
"""
import argparse
import os
import statistics
import sys
import time

from lsp_pipe import LSPProcess


class Server(LSPProcess):
    def __init__(self, binary, model):
        super().__init__([binary, "serve", "--model", model])


def document(characters):
    """The first source files of the repository, joined, cut at the last line end within `characters`."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "Engine")
    text = "".join(open(os.path.join(root, name)).read() for name in sorted(os.listdir(root)))
    return text[:text.rindex("\n", 0, characters) + 1]


def run(binary, model, wait, text):
    server = Server(binary, model)
    try:
        start = time.perf_counter()
        server.request("initialize", {"processId": None, "capabilities": {},
                                      "initializationOptions": {"maxTokens": 1, "deadlineMs": 60000}})
        initialize_ms = (time.perf_counter() - start) * 1000
        server.notify("initialized", {})
        time.sleep(wait)
        uri = "file:///bench/first.swift"
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "swift", "version": 1,
                                                                "text": text}})
        lines = text.split("\n")
        start = time.perf_counter()
        result = server.request("textDocument/inlineCompletion", {
            "textDocument": {"uri": uri}, "position": {"line": len(lines) - 1, "character": 0},
            "context": {"triggerKind": 1}})
        round_trip = (time.perf_counter() - start) * 1000
        return initialize_ms, round_trip, result.get("metrics", {})
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gptls", action="append", help="gptls binaries to compare (default .build/release/gptls)")
    parser.add_argument("--model", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait", type=float, default=2.0, help="seconds between initialized and the request")
    parser.add_argument("--characters", type=int, default=1120, help="document length in characters (1120: about 256 tokens of Sources/Engine)")
    arguments = parser.parse_args()
    binaries = arguments.gptls or [".build/release/gptls"]
    text = document(arguments.characters)
    results = {binary: [] for binary in binaries}
    for index in range(arguments.runs):
        for binary in binaries:
            initialize_ms, round_trip, metrics = run(binary, arguments.model, arguments.wait, text)
            results[binary].append(round_trip)
            print(f"run {index + 1} {binary}: initialize {initialize_ms:.1f} ms, first completion {round_trip:.1f} ms"
                  f" (prompt {metrics.get('promptTokens')} tokens, server first token "
                  f"{metrics.get('firstTokenMs', 0):.1f} ms, total {metrics.get('totalMs', 0):.1f} ms)", flush=True)
    for binary, times in results.items():
        print(f"median {binary}: first completion {statistics.median(times):.1f} ms over {len(times)} runs")


if __name__ == "__main__":
    sys.exit(main())
