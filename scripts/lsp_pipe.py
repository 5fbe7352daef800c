"""The client end of LSP over a child process's stdin/stdout, for the benchmark scripts (Python drives; gptls never
needs it): frames a message, reads one, sends a request and waits for the reply with its id."""
import json
import subprocess


def frame(message):
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class LSPProcess:
    """One server or client process speaking LSP over its stdin/stdout; replies are matched by id."""

    def __init__(self, command, environment=None):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=environment)
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
        """Sends a request and returns its result (raises on an error reply); other messages are skipped."""
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
        """shutdown + exit, or kill when the process does not answer."""
        try:
            self.request("shutdown")
            self.notify("exit", {})
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
            self.process.wait()
