'use strict';
// A small JSON-RPC 2.0 client with LSP framing (Content-Length headers) over a pair of streams,
// usually a child process' stdout (readable) and stdin (writable). No dependencies: Node's core only.
//
// Threading: Node is single-threaded; every callback runs on the event loop.

const { EventEmitter } = require('events');

/** Splits a byte stream into LSP frames. Feed it chunks; it calls onBody(string) for each whole body. */
class FrameReader {
  constructor(onBody, onError) {
    this.onBody = onBody;
    this.onError = onError || (() => {});
    this.buffer = Buffer.alloc(0);
  }

  push(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const header = this.buffer.subarray(0, end).toString('ascii');
      const match = /(?:^|\r\n)content-length:\s*(\d+)\s*(?:\r\n|$)/i.exec(header);
      if (!match) {
        this.onError(new Error(`frame header without Content-Length: ${JSON.stringify(header)}`));
        this.buffer = this.buffer.subarray(end + 4);
        continue;
      }
      const length = Number(match[1]);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.onBody(body);
    }
  }
}

/** Encodes one message body (a string of JSON) as a frame. */
function frame(body) {
  return Buffer.concat([Buffer.from(`Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n`, 'ascii'),
    Buffer.from(body, 'utf8')]);
}

/** An error reply from the server, with its JSON-RPC code. */
class ResponseError extends Error {
  constructor(code, message, data) {
    super(message);
    this.name = 'ResponseError';
    this.code = code;
    this.data = data;
  }
}

const ErrorCodes = Object.freeze({
  ParseError: -32700, InvalidRequest: -32600, MethodNotFound: -32601, InvalidParams: -32602,
  InternalError: -32603, ServerNotInitialized: -32002, RequestCancelled: -32800, ContentModified: -32801,
  ServerCancelled: -32802, RequestFailed: -32803,
});

/**
 * The connection. Events: 'notification' (method, params), 'message' (every parsed message, for logs and
 * transcripts), 'error' (a framing or JSON error), 'close'.
 * Requests from the server (e.g. window/workDoneProgress/create) are answered by handlers registered with
 * onRequest; without one the reply is MethodNotFound.
 */
class Connection extends EventEmitter {
  constructor(readable, writable) {
    super();
    this.writable = writable;
    this.nextId = 1;
    this.pending = new Map();
    this.requestHandlers = new Map();
    this.closed = false;
    const reader = new FrameReader((body) => this._receive(body), (error) => this.emit('error', error));
    readable.on('data', (chunk) => reader.push(chunk));
    readable.on('close', () => this._close());
    readable.on('end', () => this._close());
    writable.on('error', (error) => this.emit('error', error));
  }

  /** Sends a request; resolves with its result or rejects with a ResponseError. `options.token` is an
   *  object with onCancellationRequested(listener) (VS Code's CancellationToken shape): cancelling sends
   *  $/cancelRequest, and the server answers the request with RequestCancelled. */
  request(method, params, options = {}) {
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error(`cannot send ${method}: the connection to the server is closed`));
        return;
      }
      this.pending.set(id, { resolve, reject, method });
      this._write({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    });
    promise.id = id;
    if (options.token) {
      if (options.token.isCancellationRequested) this.cancel(id);
      else options.token.onCancellationRequested(() => this.cancel(id));
    }
    return promise;
  }

  /** Sends $/cancelRequest for a pending request; does nothing if it was already answered. */
  cancel(id) {
    if (this.pending.has(id) && !this.closed) this.notify('$/cancelRequest', { id });
  }

  notify(method, params) {
    if (this.closed) return;
    this._write({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
  }

  onRequest(method, handler) {
    this.requestHandlers.set(method, handler);
  }

  /** Writes a message as given (used by the transcript replay, which sends exact messages). */
  sendRaw(body) {
    if (!this.closed) this.writable.write(frame(body));
  }

  _write(message) {
    this.emit('send', message);
    this.writable.write(frame(JSON.stringify(message)));
  }

  _receive(body) {
    let message;
    try {
      message = JSON.parse(body);
    } catch (error) {
      this.emit('error', new Error(`server sent a body that is not JSON: ${error.message}`));
      return;
    }
    this.emit('message', message);
    if (message.method !== undefined && message.id !== undefined) {
      this._answer(message);
    } else if (message.method !== undefined) {
      this.emit('notification', message.method, message.params);
    } else if (this.pending.has(message.id)) {
      const { resolve, reject } = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) reject(new ResponseError(message.error.code, message.error.message, message.error.data));
      else resolve(message.result);
    }
  }

  async _answer(message) {
    const handler = this.requestHandlers.get(message.method);
    if (!handler) {
      this._write({ jsonrpc: '2.0', id: message.id,
        error: { code: ErrorCodes.MethodNotFound, message: `client does not handle ${message.method}` } });
      return;
    }
    try {
      const result = await handler(message.params);
      this._write({ jsonrpc: '2.0', id: message.id, result: result === undefined ? null : result });
    } catch (error) {
      this._write({ jsonrpc: '2.0', id: message.id,
        error: { code: ErrorCodes.InternalError, message: String(error && error.message || error) } });
    }
  }

  _close() {
    if (this.closed) return;
    this.closed = true;
    for (const { reject, method } of this.pending.values()) {
      reject(new Error(`the server closed the connection before answering ${method}`));
    }
    this.pending.clear();
    this.emit('close');
  }
}

module.exports = { Connection, FrameReader, ResponseError, ErrorCodes, frame };
