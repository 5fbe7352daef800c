"""The client end of LSP over a child process's stdin and stdout, for every script that talks to gptls (Python drives
here; gptls never needs it). Frames messages, reads them, matches replies to requests by id.

Replies are read in one of two ways:
- by the calling thread (the default): `request` writes its frame, then reads until its reply comes. No thread
  hand-off, so a latency benchmark times only the server. One thread at a time.
- by a reader thread (`reader=True`): it files every message as it arrives, so any number of threads may send
  requests at once (`send_request`, then `wait`), and the server never blocks on a full pipe while a script is busy
  writing.

Either way, a reply to a request sent with `send_request` or `request` is kept for `wait`. Every other message goes
to `on_message`: notifications, requests from the server, `id: null` errors, and replies to requests the caller framed
itself with `send`. By default the first two go into `notifications`, `id: null` errors into `null_replies`, and the
rest is dropped.
"""
import json
import subprocess
import threading
import time


def frame(body):
    """One LSP frame around `body` (bytes): the Content-Length header, a blank line, the body."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def encode(message):
    """A message as a frame. Non-ASCII text goes as UTF-8, as editors send it, not as \\u escapes."""
    return frame(json.dumps(message, ensure_ascii=False).encode())


def read_message(stream):
    """The next message on `stream`, or None at the end of the stream (also when it ends inside a frame)."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length is None:
        raise ValueError("a frame without Content-Length")
    body = stream.read(length)
    if len(body) < length:
        return None
    return json.loads(body)


class LSPError(RuntimeError):
    """A request was answered with an error, or not at all."""


class LSPProcess:
    """One process speaking LSP over its stdin/stdout: a gptls server, or a client such as `gptls connect`.

    Threading: writes are whole frames under one lock, so any thread may send. Without a reader thread only one
    thread may wait for replies; with one, any number may.
    """

    def __init__(self, command, environment=None, reader=False, on_message=None, log_lines=0):
        """Starts `command`. `log_lines` > 0 keeps that many last lines of its stderr in `log_tail` (else stderr is
        discarded); `on_message` gets every message that is not a reply `wait` is waiting for."""
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE if log_lines else subprocess.DEVNULL,
                                        env=environment)
        self.on_message = on_message or self.keep
        self.notifications = []
        self.null_replies = []
        self.replies = {}
        self.awaited = set()
        self.next_id = 0
        self.write_lock = threading.Lock()
        self.condition = threading.Condition()
        self.log_tail = []
        self.reader = None
        if log_lines:
            threading.Thread(target=self.drain_log, args=(log_lines,), daemon=True).start()
        if reader:
            self.reader = threading.Thread(target=self.read_loop, daemon=True)
            self.reader.start()

    # Writing

    def write(self, data):
        """Writes raw bytes: a frame, or deliberately malformed input."""
        with self.write_lock:
            self.process.stdin.write(data)
            self.process.stdin.flush()

    def send(self, message):
        self.write(encode(message))

    def notify(self, method, params=None):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def send_request(self, method, params=None):
        """Sends a request without waiting; returns its id for `wait`."""
        with self.condition:
            self.next_id += 1
            request_id = self.next_id
            self.awaited.add(request_id)
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return request_id

    # Reading

    def file(self, message):
        """Puts a message where it belongs: the replies `wait` is after, or `on_message`."""
        request_id = message.get("id")
        with self.condition:
            if "method" not in message and request_id in self.awaited:
                self.awaited.discard(request_id)
                self.replies[request_id] = message
                self.condition.notify_all()
                return
        self.on_message(message)

    def keep(self, message):
        """The default `on_message`: notifications and requests from the server, and `id: null` errors, in lists."""
        with self.condition:
            if "method" in message:
                self.notifications.append(message)
            elif message.get("id") is None:
                self.null_replies.append(message)

    def read_loop(self):
        while True:
            message = read_message(self.process.stdout)
            if message is None:
                with self.condition:
                    self.condition.notify_all()
                return
            self.file(message)

    def drain_log(self, lines):
        for line in self.process.stderr:
            self.log_tail = (self.log_tail + [line.decode("utf-8", "replace").rstrip()])[-lines:]

    def wait(self, ids, timeout=None):
        """The replies to `ids`, in order; None for each that did not come within `timeout` seconds (with a reader
        thread) or before the stream ended. Without a reader thread this reads until they are all in."""
        if self.reader is None:
            while any(i not in self.replies for i in ids):
                message = read_message(self.process.stdout)
                if message is None:
                    break
                self.file(message)
        else:
            deadline = None if timeout is None else time.monotonic() + timeout
            with self.condition:
                while any(i not in self.replies for i in ids):
                    left = None if deadline is None else deadline - time.monotonic()
                    if (left is not None and left <= 0) or self.process.poll() is not None:
                        break
                    self.condition.wait(1 if left is None else min(left, 1))
        with self.condition:
            return [self.replies.pop(i, None) for i in ids]

    def request(self, method, params=None, timeout=None):
        """Sends a request and returns its result; raises LSPError on an error reply or none."""
        reply = self.wait([self.send_request(method, params)], timeout)[0]
        if reply is None:
            raise LSPError(f"{method}: no reply")
        if "error" in reply:
            raise LSPError(f"{method}: {reply['error']}")
        return reply.get("result")

    # The process

    def rss_bytes(self):
        """The process's resident memory (VmRSS), or None once it has exited."""
        try:
            with open("/proc/%d/status" % self.process.pid) as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def stop(self, timeout=10):
        """`shutdown` + `exit`, then waits for the process; kills it when it does not answer in time."""
        try:
            self.request("shutdown", timeout=timeout)
            self.notify("exit")
            return self.process.wait(timeout=timeout)
        except (LSPError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            return self.process.wait()
