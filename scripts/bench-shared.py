#!/usr/bin/env python3
"""Memory and keystroke latency of N editors: N `gptls serve` processes against one shared `gptls serve --socket`.

Each editor is a real client process (`gptls serve`, or `gptls connect` on a temporary socket) driven over its
stdin/stdout. In one run it measures:

- memory for N = 1, 2, 4 editors, each with its own open file and one completion done (so the model is loaded):
  the sum over every gptls process (the servers, or the shared server plus the `connect` relays) of RSS, and of PSS
  (proportional set size: pages shared between processes, such as the memory-mapped weights, counted once);
- keystroke first-token latency with 4 editors typing at once: each keystroke appends one character and asks for
  an inline completion of one token; p50/p95 of the wall time from request to reply, per mode.

    scripts/bench-shared.py [--gptls .build/debug/gptls] [--model models/default] [--keystrokes 40]

Python is only the driver here; gptls never needs it.
"""
import argparse
import os
import statistics
import sys
import tempfile
import threading
import time

from lsp_pipe import LSPProcess


class Editor(LSPProcess):
    """One editor: a client process (`gptls serve` or `gptls connect`) speaking LSP over its stdin/stdout."""

    def __init__(self, command, environment):
        super().__init__(command, environment)
        self.text = ""

    def start(self, name, uri, text):
        self.uri = uri
        self.text = text
        self.request("initialize", {"processId": None, "capabilities": {}, "clientInfo": {"name": name},
                                    "initializationOptions": {"maxTokens": 1, "deadlineMs": 60000}})
        self.notify("initialized", {})
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                              "text": text}})

    def position(self):
        lines = self.text.split("\n")
        return {"line": len(lines) - 1, "character": len(lines[-1].encode("utf-16-le")) // 2}

    def keystroke(self, character, version):
        end = self.position()
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": self.uri, "version": version},
            "contentChanges": [{"range": {"start": end, "end": end}, "text": character}]})
        self.text += character
        start = time.perf_counter()
        self.request("textDocument/inlineCompletion", {"textDocument": {"uri": self.uri}, "position": self.position(),
                                                       "context": {"triggerKind": 2}})
        return (time.perf_counter() - start) * 1000


def memory_kib(pid):
    """(RSS, PSS) of a process in KiB."""
    rss = pss = 0
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def shared_server_pids(socket_path):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                arguments = cmdline.read().split(b"\0")
        except OSError:
            continue
        if b"serve" in arguments and socket_path.encode() in arguments:
            pids.append(int(entry))
    return pids


def source(index):
    return (f"import math\n\n\ndef mean_{index}(values):\n    total = sum(values)\n    return total / len(values)\n\n\n"
            f"def variance_{index}(values):\n    m = mean_{index}(values)\n    return ")


def start_editors(mode, count, gptls, model, workdir):
    environment = dict(os.environ, XDG_STATE_HOME=os.path.join(workdir, "state"))
    socket_path = os.path.join(workdir, "run", "gptls.sock")
    editors = []
    for index in range(count):
        if mode == "shared":
            command = [gptls, "connect", "--socket", socket_path, "--model", model, "--idle-exit", "5",
                       "--log-level", "warning"]
        else:
            command = [gptls, "serve", "--model", model, "--log-level", "warning"]
        editor = Editor(command, environment)
        editor.start(f"editor {index}", f"file:///bench/editor{index}.py", source(index))
        editors.append(editor)
    for editor in editors:  # one completion each: the model is loaded and each file's prompt is cached
        editor.keystroke("m", 2)
    return editors, socket_path


def measure_memory(mode, editors, socket_path):
    pids = [editor.process.pid for editor in editors]
    if mode == "shared":
        pids += shared_server_pids(socket_path)
    rss = pss = 0
    for pid in pids:
        r, p = memory_kib(pid)
        rss += r
        pss += p
    return rss / 1024, pss / 1024


def type_concurrently(editors, keystrokes):
    latencies = []
    lock = threading.Lock()

    def typist(editor):
        mine = []
        for i in range(keystrokes):
            mine.append(editor.keystroke("abcdefghij"[i % 10] if i % 7 else " ", 3 + i))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=typist, args=(editor,)) for editor in editors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gptls", default=".build/debug/gptls")
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--keystrokes", type=int, default=40, help="per editor, in the latency run")
    arguments = parser.parse_args()
    gptls = os.path.abspath(arguments.gptls)
    model = os.path.abspath(arguments.model)

    print("| editors | mode | RSS MiB (sum) | PSS MiB (sum) |")
    print("|---|---|---|---|")
    for count in (1, 2, 4):
        for mode in ("separate", "shared"):
            with tempfile.TemporaryDirectory() as workdir:
                editors, socket_path = start_editors(mode, count, gptls, model, workdir)
                rss, pss = measure_memory(mode, editors, socket_path)
                print(f"| {count} | {mode} | {rss:.0f} | {pss:.0f} |", flush=True)
                for editor in editors:
                    editor.stop()
                for pid in shared_server_pids(socket_path):
                    os.kill(pid, 15)
    print()
    print(f"keystroke first-token latency, 4 editors typing at once, {arguments.keystrokes} keystrokes each")
    print("| mode | p50 ms | p95 ms |")
    print("|---|---|---|")
    for mode in ("separate", "shared"):
        with tempfile.TemporaryDirectory() as workdir:
            editors, socket_path = start_editors(mode, 4, gptls, model, workdir)
            p50, p95 = type_concurrently(editors, arguments.keystrokes)
            print(f"| {mode} | {p50:.1f} | {p95:.1f} |", flush=True)
            for editor in editors:
                editor.stop()
            for pid in shared_server_pids(socket_path):
                os.kill(pid, 15)


if __name__ == "__main__":
    sys.exit(main())
