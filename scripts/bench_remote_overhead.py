#!/usr/bin/env python3
"""gptls's overhead per request in front of a serving engine, on loopback.

Types a document one character at a time. After each keystroke it first warms the engine's prompt cache with the new
text, then asks the engine directly for a one-token streamed completion of it (time to the end of the reply) and
`gptls serve --endpoint` for an inline completion of the same text with maxTokens 1 (time to the LSP reply), in
alternating order, so both see the same engine state. Prints p50/p95 of both and of their difference per keystroke.
Standard library only.

usage: bench_remote_overhead.py GPTLS_BINARY ENGINE_URL MODEL [KEYSTROKES]
"""
import http.client, json, statistics, subprocess, sys, time, urllib.parse

gptls, url, model = sys.argv[1], sys.argv[2], sys.argv[3]
keystrokes = int(sys.argv[4]) if len(sys.argv) > 4 else 60
parsed = urllib.parse.urlparse(url)
connection = http.client.HTTPConnection(parsed.hostname, parsed.port)


def direct(prompt):
    started = time.perf_counter()
    connection.request("POST", parsed.path + "/completions", json.dumps({
        "model": model, "prompt": prompt, "max_tokens": 1, "temperature": 0, "stream": True,
        "repeat_penalty": 1.0}), {"Content-Type": "application/json"})
    response = connection.getresponse()
    while True:
        line = response.readline()
        if not line or line.strip() == b"data: [DONE]":
            break
    response.read()
    return (time.perf_counter() - started) * 1000


server = subprocess.Popen([gptls, "serve", "--endpoint", url, "--endpoint-model", model, "--log-level", "error"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
next_id = 0


def send(method, params, request=True):
    global next_id
    message = {"jsonrpc": "2.0", "method": method, "params": params}
    if request:
        next_id += 1
        message["id"] = next_id
    body = json.dumps(message).encode()
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    server.stdin.flush()
    while request:
        length = 0
        while True:
            line = server.stdout.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        reply = json.loads(server.stdout.read(length))
        if reply.get("id") == next_id:
            return reply


send("initialize", {"processId": None, "capabilities": {}, "initializationOptions": {"maxTokens": 1}})
send("initialized", {}, request=False)
text = "def mean(values):\n    total = 0\n    for value in values:\n        total += value\n    return total / len(values)\n\n"
send("textDocument/didOpen", {"textDocument": {"uri": "file:///b.py", "languageId": "python", "version": 1,
                                               "text": text}}, request=False)
typed = "def median(values):\n    ordered = sorted(values)\n    middle = len(ordered) // 2\n    return ordered[middle]\n"
through, straight, version, line, column = [], [], 1, text.count("\n"), 0
for index, char in enumerate((typed * 4)[:keystrokes]):
    version += 1
    send("textDocument/didChange", {"textDocument": {"uri": "file:///b.py", "version": version}, "contentChanges": [
        {"range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column}},
         "text": char}]}, request=False)
    text += char
    line, column = (line + 1, 0) if char == "\n" else (line, column + 1)
    direct(text)

    def inline():
        started = time.perf_counter()
        reply = send("textDocument/inlineCompletion", {"textDocument": {"uri": "file:///b.py"},
                                                       "position": {"line": line, "character": column},
                                                       "context": {"triggerKind": 2}})
        assert "result" in reply, reply
        return (time.perf_counter() - started) * 1000

    if index % 2:
        through.append(inline())
        straight.append(direct(text))
    else:
        straight.append(direct(text))
        through.append(inline())
server.stdin.close()
server.wait()


def quantiles(values):
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


for name, values in [("engine directly", straight), ("through gptls", through),
                     ("gptls overhead", [a - b for a, b in zip(through, straight)])]:
    p50, p95 = quantiles(values)
    print(f"{name:16s} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ({len(values)} keystrokes)")
