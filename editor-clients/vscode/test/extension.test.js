'use strict';
// extension.js and lib/provider.js against the real gptls binary, with the `vscode` module replaced by the
// FAKE in test/fake-vscode.js (this is not VS Code: it checks the extension's logic and wire traffic).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { createFakeVscode, installFakeVscode } = require('./fake-vscode');
const { binary, testSettings } = require('./helpers');

function loadExtension(config) {
  const fake = createFakeVscode(config);
  const uninstall = installFakeVscode(fake);
  const file = path.join(__dirname, '..', 'extension.js');
  delete require.cache[require.resolve(file)];
  const extension = require(file);
  uninstall();
  return { fake, extension };
}

function configFor(command) {
  const config = { 'gptls.path': command, 'gptls.debounceMs': 20 };
  for (const [key, value] of Object.entries(testSettings)) config[`gptls.${key}`] = value;
  if (process.env.GPTLS_MODEL) config['gptls.model'] = path.resolve(process.env.GPTLS_MODEL);
  return config;
}

const opening = 'def mean(values):\n    return sum(values) / len(values)\n\n\n';

test('ghost text: typing, asking, accepting; stale requests; summarize and classify commands', async (t) => {
  // Without workspace context, so that the copy opened below gets the same prompt as the typed document (with it,
  // each would hold the other under its own name).
  const { fake, extension } = loadExtension({ ...configFor(binary), 'gptls.context': false });
  const context = { subscriptions: [] };
  const ext = await extension.activate(context);
  t.after(() => extension.deactivate());
  assert.equal(ext.state, 'ready');
  assert.equal(fake.recorded.statusItems[0].text, '$(sparkle) gptls');
  const { provider } = fake.recorded.providers[0];
  const sent = [];
  ext.server.connection.on('send', (message) => sent.push(message));

  const document = fake.workspace.openTextDocument('file:///t/stats.py', 'python', opening);
  fake.window.showTextDocument(document);
  assert.ok(ext.server.documents.has('file:///t/stats.py'), 'didOpen sent for the opened document');

  // Type, then ask as VS Code does after a keystroke; keep typing until the model offers something.
  let position = document.type(document.positionAt(document.text.length), 'def median(values):\n    ');
  let list;
  for (const more of ['', 'r', 'e', 't', 'u', 'r', 'n', ' ']) {
    if (more) position = document.type(position, more);
    list = await provider.provideInlineCompletionItems(document, position,
      { triggerKind: fake.InlineCompletionTriggerKind.Automatic }, new fake.CancellationTokenSource().token);
    if (list.items.length > 0) break;
  }
  assert.ok(list.items.length > 0, 'the server offered ghost text for one of the prompts');
  const served = provider.lastResult.items[0];
  assert.equal(list.items[0].insertText, served.insertText);
  assert.deepEqual([list.items[0].range.start.line, list.items[0].range.start.character], [position.line, position.character]);
  const request = sent.filter((m) => m.method === 'textDocument/inlineCompletion').pop();
  assert.deepEqual(request.params.position, { line: position.line, character: position.character });
  assert.equal(request.params.context.triggerKind, 2);
  assert.ok(fake.recorded.statusItems[0].tooltip.includes('prompt tokens'));

  // Accepting inserts exactly the served text at the cursor.
  const before = document.getText();
  const offset = document.offsetAt(position);
  document.replace(list.items[0].range, list.items[0].insertText);
  assert.equal(document.getText(), before.slice(0, offset) + served.insertText + before.slice(offset));

  // What VS Code does on that accept (the item's command) and on a word accept reaches the server's counts.
  const { command } = list.items[0];
  await fake.commands.executeCommand(command.command, ...command.arguments);
  provider.handleDidPartiallyAcceptCompletionItem(list.items[0], { acceptedLength: 2 });
  provider.handleDidPartiallyAcceptCompletionItem(list.items[0], { acceptedLength: 4 });
  const counts = Object.values((await ext.server.request('gptls/status')).completionFeedback);
  assert.equal(counts.length, 1, 'one model counted');
  assert.ok(counts[0].shown >= 1, `shown counted: ${JSON.stringify(counts[0])}`);
  assert.equal(counts[0].accepted, 1);
  assert.equal(counts[0].partiallyAccepted, 1, 'one partial accept per item');
  assert.equal(counts[0].acceptedCharacters, served.insertText.length + 2);

  // The server's copy followed every keystroke: the same completion as a fresh document with the final text.
  const copy = fake.workspace.openTextDocument('file:///t/copy.py', 'python', document.getText());
  const end = document.positionAt(document.text.length);
  const invoke = { triggerKind: fake.InlineCompletionTriggerKind.Invoke };
  const fromEdits = await provider.provideInlineCompletionItems(document, end, invoke, new fake.CancellationTokenSource().token);
  const fromOpen = await provider.provideInlineCompletionItems(copy, end, invoke, new fake.CancellationTokenSource().token);
  assert.deepEqual(fromEdits.items.map((i) => i.insertText), fromOpen.items.map((i) => i.insertText));

  // A newer request while the older one still waits out the debounce: the older asks nothing and returns nothing.
  const countBefore = sent.filter((m) => m.method === 'textDocument/inlineCompletion').length;
  const stale = provider.provideInlineCompletionItems(document, end, invoke, new fake.CancellationTokenSource().token);
  const fresh = provider.provideInlineCompletionItems(document, end, invoke, new fake.CancellationTokenSource().token);
  assert.deepEqual((await stale).items, []);
  await fresh;
  assert.equal(sent.filter((m) => m.method === 'textDocument/inlineCompletion').length - countBefore, 1);

  // A request cancelled by VS Code's token after it was sent gets $/cancelRequest with its id. The token fires as
  // soon as the request is written (a microtask later, before Node reads any reply): waiting a fixed time instead
  // raced the server, which often answers within the wait.
  const source = new fake.CancellationTokenSource();
  const written = new Promise((resolve) => {
    const onSend = (message) => {
      if (message.method !== 'textDocument/inlineCompletion') return;
      ext.server.connection.off('send', onSend);
      resolve();
    };
    ext.server.connection.on('send', onSend);
  });
  const cancelled = provider.provideInlineCompletionItems(document, end, invoke, source.token);
  await written;
  source.cancel();
  await cancelled;
  const last = sent.filter((m) => m.method === 'textDocument/inlineCompletion').pop();
  assert.ok(sent.some((m) => m.method === '$/cancelRequest' && m.params.id === last.id), '$/cancelRequest sent');

  // Summarize lines 1-2 and insert the summary as a comment above them.
  const editor = fake.window.activeTextEditor;
  editor.selection = new fake.Selection(0, 0, 2, 0);
  const beforeSummary = document.getText();
  fake.nextInformationChoice = 'Insert as Comment';
  const summary = await fake.commands.executeCommand('gptls.summarizeSelection');
  const summaryRequest = sent.filter((m) => m.method === 'gptls/summarize').pop();
  assert.deepEqual(summaryRequest.params.range, { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } });
  assert.equal(typeof summary.summary, 'string');
  assert.ok(summary.summary.trim() !== '', 'the summary has text');
  assert.equal(fake.recorded.infos.pop().message, summary.summary);
  assert.equal(document.getText(), extension.asComment(summary.summary, 'python', '') + beforeSummary);

  // Classify with zero-shot labels; the message names the winner and every probability.
  const classified = await fake.commands.executeCommand('gptls.classifySelection', ['python', 'prose']);
  assert.equal(classified.label, classified.scores[0].label);
  assert.equal(fake.recorded.infos.pop().message, `gptls: ${classified.label} (${extension.formatScores(classified)})`);

  const status = await fake.commands.executeCommand('gptls.showStatus');
  assert.equal(typeof status.documents, 'number');
  assert.deepEqual(fake.recorded.errors, []);
});

test('a missing binary is reported once, and the status bar shows the failure', async (t) => {
  const { fake, extension } = loadExtension(configFor('/nonexistent/gptls'));
  const ext = await extension.activate({ subscriptions: [] });
  t.after(() => extension.deactivate());
  assert.equal(fake.recorded.errors.length, 1);
  assert.match(fake.recorded.errors[0], /"\/nonexistent\/gptls" was not found/);
  assert.equal(fake.recorded.statusItems[0].text, '$(error) gptls');
  const document = fake.workspace.openTextDocument('file:///t/x.py', 'python', 'x = ');
  const list = await fake.recorded.providers[0].provider.provideInlineCompletionItems(document,
    new fake.Position(0, 4), { triggerKind: 1 }, new fake.CancellationTokenSource().token);
  assert.deepEqual(list.items, []);
  assert.equal(ext.state, 'failed');
  assert.equal(fake.recorded.errors.length, 1, 'no second report');
});
