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
import json
import os
import statistics
import subprocess
import sys
import time


def frame(message):
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Server:
    def __init__(self, binary, model):
        self.process = subprocess.Popen([binary, "serve", "--model", model], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0

    def read(self):
        length = None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the server closed the connection")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return json.loads(self.process.stdout.read(length))

    def request(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.process.stdin.write(frame(message))
        self.process.stdin.flush()
        while True:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def notify(self, method, params):
        self.process.stdin.write(frame({"jsonrpc": "2.0", "method": method, "params": params}))
        self.process.stdin.flush()

    def stop(self):
        try:
            self.request("shutdown")
            self.notify("exit", {})
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
            self.process.wait()


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
