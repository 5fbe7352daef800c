'use strict';
// What Helix (or any LSP client without inline completion and without a gptls plugin) does with gptls, replayed
// against the real binary: initialize offering UTF-8 positions as Helix does, textDocument/completion with its
// textEdit, code actions on a selection, and workspace/executeCommand whose result also comes as
// window/showMessage. This is not Helix itself: Helix is not packaged in Debian bookworm.
const test = require('node:test');
const assert = require('node:assert/strict');
const childProcess = require('child_process');
const { Connection } = require('../../vscode/lib/jsonrpc');
const { binary, serveArgs, testSettings } = require('../../vscode/test/helpers');

async function startLikeHelix() {
  const child = childProcess.spawn(binary, serveArgs, { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = new Connection(child.stdout, child.stdin);
  const messages = [];
  connection.on('notification', (method, params) => messages.push({ method, params }));
  const result = await connection.request('initialize', {
    processId: process.pid,
    clientInfo: { name: 'helix', version: '23.05' },
    rootUri: null,
    capabilities: { general: { positionEncodings: ['utf-8', 'utf-32', 'utf-16'] },
      textDocument: { completion: { completionItem: { snippetSupport: true } }, codeAction: {} } },
    initializationOptions: testSettings,
  });
  connection.notify('initialized', {});
  const stop = async () => {
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await connection.request('shutdown');
    connection.notify('exit');
    return exited;
  };
  return { connection, result, messages, stop };
}

// Applies an LSP text edit to `text` with UTF-8 byte positions.
function applyEdit(text, edit) {
  const bytes = Buffer.from(text, 'utf8');
  const offset = (p) => {
    const lines = text.split('\n');
    let o = 0;
    for (let i = 0; i < p.line; i++) o += Buffer.byteLength(lines[i], 'utf8') + 1;
    return o + p.character;
  };
  return Buffer.concat([bytes.subarray(0, offset(edit.range.start)), Buffer.from(edit.newText, 'utf8'),
    bytes.subarray(offset(edit.range.end))]).toString('utf8');
}

const text = 'def mean(values):\n    return sum(values) / len(values)\n\n\n# é\ndef median(values):\n    ';

test('Helix flow: completion with a textEdit, code actions, executeCommand with showMessage', async () => {
  const { connection, result, messages, stop } = await startLikeHelix();
  assert.equal(result.capabilities.positionEncoding, 'utf-8');
  assert.ok(result.capabilities.completionProvider);
  assert.ok(result.capabilities.codeActionProvider);
  const uri = 'file:///t/helix.py';
  connection.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
  const position = { line: 6, character: 4 };

  const completion = await connection.request('textDocument/completion', { textDocument: { uri }, position });
  const inline = await connection.request('textDocument/inlineCompletion',
    { textDocument: { uri }, position, context: { triggerKind: 1 } });
  const items = completion.items || completion;
  if (inline.items.length === 0) {
    assert.equal(items.length, 0, 'no completion item when there is no inline completion');
  } else {
    assert.equal(items.length, 1);
    const item = items[0];
    const served = inline.items[0].insertText;
    assert.equal(item.textEdit.newText, served, 'completion carries the same text as inline completion');
    assert.deepEqual(item.textEdit.range, { start: position, end: position });
    assert.equal(item.label, served.split('\n')[0].trim() || served.trim().split('\n')[0]);
    const lines = text.split('\n');
    lines[6] += served;
    assert.equal(applyEdit(text, item.textEdit), lines.join('\n'));
  }

  const range = { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } };
  const actions = await connection.request('textDocument/codeAction',
    { textDocument: { uri }, range, context: { diagnostics: [] } });
  const titles = actions.map((a) => a.title);
  assert.deepEqual(titles, ['Summarize selection', 'Classify selection']);
  const summarize = actions[0].command;
  assert.equal(summarize.command, 'gptls.summarize');
  assert.deepEqual(summarize.arguments, [{ textDocument: { uri }, range }]);

  const summary = await connection.request('workspace/executeCommand',
    { command: summarize.command, arguments: summarize.arguments });
  const direct = await connection.request('gptls/summarize', { textDocument: { uri }, range });
  assert.equal(summary.summary, direct.summary);
  const shown = messages.filter((m) => m.method === 'window/showMessage');
  assert.equal(shown.length, 1, 'one window/showMessage for the command');
  assert.equal(shown[0].params.type, 3);
  assert.ok(shown[0].params.message.includes(summary.summary), shown[0].params.message);

  const classify = actions[1].command;
  const classified = await connection.request('workspace/executeCommand',
    { command: classify.command, arguments: classify.arguments });
  assert.equal(classified.label, classified.scores[0].label);
  const shownAgain = messages.filter((m) => m.method === 'window/showMessage');
  assert.equal(shownAgain.length, 2);
  assert.ok(shownAgain[1].params.message.includes(classified.label), shownAgain[1].params.message);

  const empty = await connection.request('textDocument/codeAction',
    { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } });
  assert.deepEqual(empty || [], [], 'no actions on an empty range');
  assert.equal(await stop(), 0);
});
