'use strict';
// Replays the shared protocol/transcripts/*.jsonl through this client's framing (lib/jsonrpc.js) against the real
// binary. Steps: {"send": message}, {"sendRaw": body}, {"expect": message with "$any"/"$string"/"$number"/"$array"/
// "$object" placeholders, and "$more": true for objects that may have more members} (the next frame must match;
// notifications are skipped while a response is expected), {"exit": code}, {"comment": ...}.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const childProcess = require('child_process');
const { FrameReader, frame } = require('../lib/jsonrpc');
const { repository, binary, serveArgs } = require('./helpers');

function matches(value, pattern) {
  if (pattern === '$any') return true;
  if (pattern === '$string') return typeof value === 'string';
  if (pattern === '$number') return typeof value === 'number';
  if (pattern === '$array') return Array.isArray(value);
  if (pattern === '$object') return value !== null && typeof value === 'object' && !Array.isArray(value);
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && value.length === pattern.length && pattern.every((p, i) => matches(value[i], p));
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const more = pattern.$more === true;
    const keys = Object.keys(pattern).filter((k) => !(more && k === '$more'));
    return (more || keys.length === Object.keys(value).length) &&
      keys.every((k) => k in value && matches(value[k], pattern[k]));
  }
  return value === pattern;
}

test('placeholders match values of their kind only', () => {
  assert.ok(matches({ a: [1, 'x'] }, { a: ['$number', '$string'] }));
  assert.ok(!matches({ a: 1, b: 2 }, { a: '$any' }));
  assert.ok(!matches([1], '$object'));
  assert.ok(!matches(null, '$object'));
  assert.ok(matches({ a: 1, b: 2 }, { a: 1, $more: true }));
  assert.ok(!matches({ b: 2 }, { a: 1, $more: true }));
});

/** The server as a queue of incoming messages. */
function spawnServer() {
  const child = childProcess.spawn(binary, serveArgs, { stdio: ['pipe', 'pipe', 'inherit'] });
  const queue = [];
  const waiters = [];
  const reader = new FrameReader((body) => {
    const message = JSON.parse(body);
    if (waiters.length) waiters.shift()(message); else queue.push(message);
  });
  child.stdout.on('data', (chunk) => reader.push(chunk));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    next(timeoutMs, place) {
      if (queue.length) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${place}: no message within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((m) => { clearTimeout(timer); resolve(m); });
      });
    },
  };
}

const directory = path.join(repository, 'protocol', 'transcripts');
const files = fs.existsSync(directory) ? fs.readdirSync(directory).filter((f) => f.endsWith('.jsonl')).sort() : [];

test('the shared transcripts exist', () => {
  assert.ok(files.length > 0, `no transcripts in ${directory}`);
});

for (const file of files) {
  test(`transcript ${file}`, async () => {
    const lines = fs.readFileSync(path.join(directory, file), 'utf8').split('\n').filter((l) => l.trim());
    const server = spawnServer();
    try {
      for (const [index, line] of lines.entries()) {
        const step = JSON.parse(line);
        const place = `${file}:${index + 1}`;
        if ('send' in step) server.child.stdin.write(frame(JSON.stringify(step.send)));
        else if ('sendRaw' in step) server.child.stdin.write(frame(step.sendRaw));
        else if ('expect' in step) {
          // Notifications the server sends on its own are skipped while a response is expected.
          const wantsResponse = !('method' in step.expect);
          let received = await server.next(120000, place);
          while (wantsResponse && 'method' in received && !('id' in received)) received = await server.next(120000, place);
          assert.ok(matches(received, step.expect),
            `${place}: expected ${JSON.stringify(step.expect)}\n  received ${JSON.stringify(received)}`);
        } else if ('exit' in step) {
          server.child.stdin.end();
          assert.equal(await server.exited, step.exit, `${place}: exit code`);
        }
      }
    } finally {
      if (server.child.exitCode === null) server.child.kill();
    }
  });
}
