"""The traffic of scripts/check/soak: an editor's keystrokes, requests, cancels, malformed frames and settings, from
one seeded random stream. Python is only the driver here; gptls never needs it."""
from lsp_client import frame

LABEL_SETS = [["bug", "feature"], ["python", "swift", "c"], ["question", "answer", "code", "prose", "😀 emoji"]]
TYPED = list("def total(xs):\n    return sum(xs)\n# note ") + ["😀", "é", "→", "𝔘", "🇫🇷", "\t", "\r\n"]


def utf16_length(text):
    return len(text.encode("utf-16-le")) // 2


class Editor:
    """Generates the traffic; keeps each open document's text so positions are right (UTF-16)."""

    def __init__(self, server, ledger, rng):
        self.server, self.ledger, self.rng = server, ledger, rng
        self.next_id = 0
        self.documents = {}     # uri -> [text, version]
        self.closed = []
        self.recent = []        # ids of recent requests, live or answered
        self.requests = 0
        self.messages = 0
        self.opened = 0

    def send(self, message):
        self.server.send(message)
        self.messages += 1

    def request(self, method, params=None, request_id=None):
        self.next_id += 1
        request_id = request_id if request_id is not None else self.next_id
        self.ledger.expect(request_id, method)
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        self.requests += 1
        self.recent = (self.recent + [request_id])[-32:]
        return request_id

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def open(self):
        self.opened += 1
        uri = "file:///soak/doc%d.py" % self.opened
        text = self.rng.choice(["", "import os\n\n", "# 😀 émoji header\nclass A:\n    pass\n"])
        self.documents[uri] = [text, 1]
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": text}})
        return uri

    def close(self, uri):
        del self.documents[uri]
        self.closed = (self.closed + [uri])[-8:]
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    @staticmethod
    def end_position(text):
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return {"line": len(lines) - 1, "character": utf16_length(lines[-1])}

    def type_into(self, uri):
        """One keystroke at the end of the document: an insert, or a backspace over the last character."""
        document = self.documents[uri]
        text, version = document
        end = self.end_position(text)
        if text and not text.endswith(("\n", "\r")) and self.rng.random() < 0.15:
            last = text[-1]
            start = {"line": end["line"], "character": end["character"] - utf16_length(last)}
            change = {"range": {"start": start, "end": end}, "text": ""}
            text = text[:-1]
        else:
            typed = self.rng.choice(TYPED)
            change = {"range": {"start": end, "end": end}, "text": typed}
            text += typed
        if len(text) > 4000:  # keep the prompt window moving without growing forever: start over
            change, text = {"text": "# restarted\n"}, "# restarted\n"
        document[0], document[1] = text, version + 1
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version + 1},
                                               "contentChanges": [change]})
        return self.end_position(text)

    def keystroke(self):
        if not self.documents or self.rng.random() < 0.01:
            self.open()
        uri = self.rng.choice(sorted(self.documents))
        position = self.type_into(uri)
        if self.rng.random() < 0.8:
            self.request("textDocument/inlineCompletion", {"textDocument": {"uri": uri}, "position": position,
                                                           "context": {"triggerKind": 2}})

    def something_else(self):
        roll = self.rng.random()
        uri = self.rng.choice(sorted(self.documents)) if self.documents else None
        if roll < 0.15 and self.recent:
            self.notify("$/cancelRequest", {"id": self.rng.choice(self.recent)})       # live or answered
        elif roll < 0.20:
            self.notify("$/cancelRequest", {"id": self.rng.choice([10 ** 9 + self.next_id, "never-sent"])})
        elif roll < 0.28 and uri:
            self.request("gptls/summarize", {"textDocument": {"uri": uri}})
        elif roll < 0.36:
            params = {"text": "def f(x):\n    return x * 2  # 😀\n"}
            if self.rng.random() < 0.7:
                params["labels"] = self.rng.choice(LABEL_SETS)
            self.request("gptls/classify", params)
        elif roll < 0.42:
            self.request("gptls/status")
        elif roll < 0.46 and uri:
            self.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                     "position": self.end_position(self.documents[uri][0])})
        elif roll < 0.50:
            self.request("gptls/noSuchMethod", {"x": 1})
        elif roll < 0.53:
            self.notify("gptls/noSuchNotification", {"x": 1})
        elif roll < 0.58 and self.closed:
            self.request("textDocument/inlineCompletion", {"textDocument": {"uri": self.rng.choice(self.closed)},
                                                           "position": {"line": 0, "character": 0},
                                                           "context": {"triggerKind": 1}})
        elif roll < 0.66:
            self.malformed()
        elif roll < 0.74:
            settings = self.rng.choice([{"maxTokens": self.rng.randint(1, 32)}, {"temperature": 0.7},
                                        {"temperature": 0}, {"completionMode": "single-line"},
                                        {"completionMode": "auto"}, {"deadlineMs": self.rng.choice([50, 500, 2000])},
                                        {"summaryMaxTokens": self.rng.randint(1, 24)}, {"maxTokens": "many"}])
            self.notify("workspace/didChangeConfiguration", {"settings": {"gptls": settings}})
        elif roll < 0.80 and len(self.documents) > 1:
            self.close(uri)
        elif roll < 0.84 and uri:
            self.request("textDocument/codeAction", {"textDocument": {"uri": uri},
                                                     "range": {"start": {"line": 0, "character": 0},
                                                               "end": self.end_position(self.documents[uri][0])},
                                                     "context": {"diagnostics": []}})
        else:
            self.request("textDocument/inlineCompletion", {"textDocument": {"uri": "file:///soak/never-open.py"},
                                                           "position": {"line": 0, "character": 0}})

    def malformed(self):
        kind = self.rng.randrange(4)
        if kind == 0:    # a body that is not JSON: one `id: null` ParseError
            self.server.write(frame(b'{"jsonrpc":"2.0","id":'))
            self.ledger.malformed_sent += 1
        elif kind == 1:  # a body that is JSON but not a message: one `id: null` InvalidRequest
            self.server.write(frame(b'[1, 2, 3]'))
            self.ledger.malformed_sent += 1
        elif kind == 2:  # a bad header: skipped, no reply
            self.server.write(b"Content-Length: twelve\r\n\r\n")
        else:            # garbage between frames: skipped, no reply
            self.server.write(b"\x00garbage\xff\r\n")
        self.messages += 1

    def flood(self, count):
        for _ in range(count):
            if self.rng.random() < 0.7:
                self.keystroke()
            else:
                self.something_else()
