'use strict';
// The JSON-RPC client's framing and bookkeeping, over in-memory streams (no server).
const test = require('node:test');
const assert = require('node:assert/strict');
const { PassThrough } = require('stream');
const { Connection, FrameReader, ResponseError, frame } = require('../lib/jsonrpc');

function pair() {
  const fromServer = new PassThrough();
  const toServer = new PassThrough();
  const written = [];
  const reader = new FrameReader((body) => written.push(JSON.parse(body)));
  toServer.on('data', (chunk) => reader.push(chunk));
  return { connection: new Connection(fromServer, toServer), fromServer, written };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('frames split across chunks and glued together are read whole', () => {
  const bodies = [];
  const reader = new FrameReader((body) => bodies.push(body));
  const bytes = Buffer.concat([frame('{"a":"é"}'), frame('{"b":2}')]);
  for (let i = 0; i < bytes.length; i += 3) reader.push(bytes.subarray(i, i + 3));
  assert.deepEqual(bodies, ['{"a":"é"}', '{"b":2}']);
});

test('Content-Length counts UTF-8 bytes, not characters', () => {
  assert.equal(frame('"é"').toString('utf8'), 'Content-Length: 4\r\n\r\n"é"');
});

test('a response resolves its request and an error reply rejects with the code', async () => {
  const { connection, fromServer, written } = pair();
  const ok = connection.request('a', { x: 1 });
  const bad = connection.request('b');
  await tick();
  assert.deepEqual(written.map((m) => [m.id, m.method]), [[1, 'a'], [2, 'b']]);
  fromServer.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'no' } })));
  fromServer.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { y: 2 } })));
  assert.deepEqual(await ok, { y: 2 });
  await assert.rejects(bad, (e) => e instanceof ResponseError && e.code === -32602 && e.message === 'no');
});

test('cancelling a token sends $/cancelRequest with the request id once', async () => {
  const { connection, written } = pair();
  let listener;
  const token = { isCancellationRequested: false, onCancellationRequested: (l) => { listener = l; } };
  connection.request('slow', {}, { token });
  listener();
  await tick();
  assert.deepEqual(written[1], { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } });
});

test('a request from the server gets the handler result, or MethodNotFound without a handler', async () => {
  const { connection, fromServer, written } = pair();
  connection.onRequest('window/workDoneProgress/create', () => null);
  fromServer.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 'p', method: 'window/workDoneProgress/create', params: {} })));
  fromServer.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'unknown/thing' })));
  await tick(); await tick();
  assert.deepEqual(written.find((m) => m.id === 'p'), { jsonrpc: '2.0', id: 'p', result: null });
  assert.equal(written.find((m) => m.id === 9).error.code, -32601);
  assert.equal(written.length, 2);
});

test('pending requests are rejected with a reason when the server goes away', async () => {
  const { connection, fromServer } = pair();
  const pending = connection.request('initialize', {});
  fromServer.end();
  await assert.rejects(pending, /closed the connection before answering initialize/);
});
