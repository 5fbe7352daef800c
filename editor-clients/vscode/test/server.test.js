'use strict';
// lib/server.js and lib/jsonrpc.js against the real gptls binary.
const test = require('node:test');
const assert = require('node:assert/strict');
const { GptlsServer } = require('../lib/server');
const { binary, serveArgs, testSettings } = require('./helpers');

const text = 'def mean(values):\n    return sum(values) / len(values)\n\n\ndef median(values):\n    ';

function start(settings = testSettings) {
  const server = new GptlsServer({ command: binary, args: serveArgs, initializationOptions: settings });
  return { server, ready: server.start() };
}

test('initialize negotiates UTF-16 positions and lists the gptls commands', async () => {
  const { server, ready } = start();
  const result = await ready;
  try {
    assert.equal(result.capabilities.positionEncoding, 'utf-16');
    assert.equal(result.capabilities.inlineCompletionProvider, true);
    assert.deepEqual(result.capabilities.executeCommandProvider.commands, ['gptls.summarize', 'gptls.classify']);
    assert.equal(server.state, 'ready');
  } finally { await server.stop(); }
  assert.equal(server.state, 'stopped');
});

test('incremental edits leave the server with the same text as a fresh open', async () => {
  // Without workspace context: with it each document's prompt holds the other one, under its own name.
  const { server, ready } = start({ ...testSettings, context: false });
  await ready;
  try {
    // Document a is built by edits; b is opened with the final text. Greedy decoding gives both the same answer.
    server.didOpen('file:///t/a.py', 'python', 1, 'def mean(values):\n    return\n');
    server.didChange('file:///t/a.py', 2, [
      { range: { start: { line: 1, character: 10 }, end: { line: 1, character: 10 } }, text: ' sum(values) / len(values)' },
      { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: '\n\ndef median(values):\n    ' },
    ]);
    server.didOpen('file:///t/b.py', 'python', 1, text);
    const position = { line: 5, character: 4 };
    const ask = (uri) => server.request('textDocument/inlineCompletion',
      { textDocument: { uri }, position, context: { triggerKind: 1 } });
    const a = await ask('file:///t/a.py');
    const b = await ask('file:///t/b.py');
    assert.deepEqual(a.items, b.items);
    assert.equal(a.metrics.promptTokens, b.metrics.promptTokens);
    for (const item of a.items) {
      assert.equal(typeof item.insertText, 'string');
      assert.deepEqual(item.range, { start: position, end: position });
    }
  } finally { await server.stop(); }
});

test('a cancelled inline completion is answered (RequestCancelled or its result), and the server keeps serving', async () => {
  const { server, ready } = start();
  await ready;
  try {
    server.didOpen('file:///t/c.py', 'python', 1, text);
    const params = { textDocument: { uri: 'file:///t/c.py' }, position: { line: 5, character: 4 }, context: { triggerKind: 2 } };
    const pending = server.request('textDocument/inlineCompletion', params);
    server.connection.cancel(pending.id);
    const outcome = await pending.then((r) => ({ result: r }), (e) => ({ error: e }));
    if (outcome.error) assert.equal(outcome.error.code, -32800, outcome.error.message);
    else assert.ok(Array.isArray(outcome.result.items));
    const next = await server.request('textDocument/inlineCompletion', params);
    assert.ok(Array.isArray(next.items));
  } finally { await server.stop(); }
});

test('summarize and classify a range return the documented shapes', async () => {
  const { server, ready } = start();
  await ready;
  try {
    server.didOpen('file:///t/d.py', 'python', 1, text);
    const range = { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } };
    const summary = await server.request('gptls/summarize', { textDocument: { uri: 'file:///t/d.py' }, range });
    assert.equal(typeof summary.summary, 'string');
    assert.ok(summary.summary.trim() !== '', 'the summary has text');
    assert.equal(typeof summary.metrics.totalMs, 'number');
    const classified = await server.request('gptls/classify',
      { textDocument: { uri: 'file:///t/d.py' }, range, labels: ['python', 'swift', 'prose'] });
    assert.deepEqual(classified.scores.map((s) => s.label).sort(), ['prose', 'python', 'swift']);
    assert.equal(classified.label, classified.scores[0].label);
    const total = classified.scores.reduce((sum, s) => sum + s.probability, 0);
    assert.ok(Math.abs(total - 1) < 1e-3, `probabilities sum to ${total}`);
    for (let i = 1; i < classified.scores.length; i++) {
      assert.ok(classified.scores[i - 1].probability >= classified.scores[i].probability, 'sorted by probability');
    }
  } finally { await server.stop(); }
});

test('a missing binary fails with a sentence naming it', async () => {
  const server = new GptlsServer({ command: '/nonexistent/gptls', args: ['serve'] });
  const reasons = [];
  server.on('failed', (why) => reasons.push(why));
  await assert.rejects(server.start(), /"\/nonexistent\/gptls" was not found/);
  assert.equal(reasons.length, 1);
  assert.equal(server.state, 'failed');
});

test('a server that exits at once fails with its exit code and last stderr line', async () => {
  const server = new GptlsServer({ command: binary, args: ['serve', '--no-such-flag'] });
  try {
    await assert.rejects(server.start(), /exited unexpectedly \(exit code \d+\)/);
  } finally { await server.stop(); }
});
