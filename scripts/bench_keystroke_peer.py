#!/usr/bin/env python3
"""One keystroke, first token: gptls and llama.cpp's server side by side, driven by the same client.

Each of N clients holds one real source file (Python stdlib modules, as `gptls-tools bench-server` uses) cut to its
first `--prompt-chars` characters (about 256 GPT-2 tokens). It asks once for a completion of that opening (the prompt
is then cached), then types the next `--keys` characters one at a time, `--char-ms` apart, and after each one asks for a
single token and waits for the answer. The figure is the client's round trip per keystroke (request written to
answer read), p50 and p95 over all clients. Both servers get the same texts in the same order:

- gptls: `gptls serve` over stdio (LSP: didChange, then inlineCompletion with maxTokens 1);
- llama.cpp: a running `llama-server` (give it `-np` >= N slots), POST /completion with n_predict 1,
  cache_prompt and one slot per client, so each client's prompt stays cached in its own slot.

Benchmark tooling only: never part of the product or CI. Prints one JSON object per server and client count.
"""
import argparse
import http.client
import json
import statistics
import subprocess
import sysconfig
import threading
import time
from pathlib import Path


def sources(count, chars):
    """The first `chars` characters of `count` stdlib modules long enough to type on from there."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.glob("*.py") if p.stat().st_size > 4 * chars)
    return [p.read_text(encoding="utf-8", errors="replace")[:chars] for p in files[:count]]


class LSPServer:
    """`gptls serve` on stdio; one reader thread hands each answer to the thread waiting for its id."""

    def __init__(self, binary, model, weights):
        self.proc = subprocess.Popen([binary, "serve", "--model", model, "--weights", weights],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lock = threading.Lock()
        self.waiting = {}
        self.next_id = 0
        threading.Thread(target=self.read, daemon=True).start()
        self.request("initialize", {"capabilities": {}, "initializationOptions": {"maxTokens": 1, "deadlineMs": 60000}})
        self.notify("initialized", {})

    def write(self, message):
        body = json.dumps(message).encode()
        with self.lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def read(self):
        while True:
            length = 0
            while True:
                line = self.proc.stdout.readline()
                if not line:
                    return
                if not line.strip():
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(self.proc.stdout.read(length))
            slot = self.waiting.pop(message.get("id"), None) if "id" in message else None
            if slot:
                slot[1].append(message)
                slot[0].set()

    def request(self, method, params):
        with self.lock:
            self.next_id += 1
            ident = self.next_id
        done, box = threading.Event(), []
        self.waiting[ident] = (done, box)
        self.write({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        done.wait(120)
        if not box or "error" in box[0]:
            raise RuntimeError(f"{method}: {box}")
        return box[0]["result"]

    def notify(self, method, params):
        self.write({"jsonrpc": "2.0", "method": method, "params": params})

    def client(self, index):
        uri = f"file:///bench/{index}.py"
        version = [0]

        def complete(text):
            version[0] += 1
            if version[0] == 1:
                self.notify("textDocument/didOpen", {"textDocument": {
                    "uri": uri, "languageId": "python", "version": 1, "text": text}})
            else:
                self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version[0]},
                                                       "contentChanges": [{"text": text}]})
            lines = text.split("\n")
            self.request("textDocument/inlineCompletion", {
                "textDocument": {"uri": uri}, "position": {"line": len(lines) - 1, "character": len(lines[-1])},
                "context": {"triggerKind": 1}})
        return complete

    def close(self):
        self.proc.kill()


class LlamaServer:
    def __init__(self, url):
        self.host = url.split("//")[-1].rstrip("/")

    def client(self, index):
        connection = http.client.HTTPConnection(self.host, timeout=120)

        def complete(text):
            body = json.dumps({"prompt": text, "n_predict": 1, "cache_prompt": True, "id_slot": index,
                               "temperature": 0})
            connection.request("POST", "/completion", body, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            payload = answer.read()
            if answer.status != 200:
                raise RuntimeError(f"llama-server answered {answer.status}: {payload[:200]}")
        return complete

    def close(self):
        pass


def run(server, texts, clients, keys, prompt_chars, char_ms):
    latencies, errors = [], []
    start = threading.Barrier(clients)

    def typist(index):
        complete = server.client(index)
        text = texts[index]
        try:
            complete(text[:prompt_chars])  # the opening: cached from now on
            start.wait()
            for typed in range(1, keys + 1):
                began = time.perf_counter()
                complete(text[: prompt_chars + typed])
                latencies.append((time.perf_counter() - began) * 1000)
                time.sleep(char_ms / 1000)
        except Exception as error:  # reported, not raised: the other typists go on
            errors.append(str(error))

    threads = [threading.Thread(target=typist, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    return {"clients": clients, "keystrokes": len(ordered), "errors": errors[:3],
            "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gptls", help="gptls binary (with --model)")
    ap.add_argument("--model", help="model directory for gptls")
    ap.add_argument("--weights", default="f32", help="gptls --weights: f32 or bf16")
    ap.add_argument("--llama-server", help="URL of a running llama-server, e.g. http://127.0.0.1:8080")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--keys", type=int, default=40, help="keystrokes per client")
    ap.add_argument("--prompt-chars", type=int, default=790, help="opening length in characters (~256 tokens)")
    ap.add_argument("--char-ms", type=float, default=80)
    args = ap.parse_args()
    texts = sources(max(args.clients), args.prompt_chars + args.keys)
    servers = []
    if args.gptls:
        servers.append((f"gptls {args.weights}", lambda: LSPServer(args.gptls, args.model, args.weights)))
    if args.llama_server:
        servers.append(("llama-server", lambda: LlamaServer(args.llama_server)))
    for name, make in servers:
        for clients in args.clients:
            server = make()
            try:
                result = run(server, texts, clients, args.keys, args.prompt_chars, args.char_ms)
            finally:
                server.close()
            print(json.dumps({"server": name, **result}), flush=True)


if __name__ == "__main__":
    main()
