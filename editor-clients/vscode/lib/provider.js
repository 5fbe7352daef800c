'use strict';
// The InlineCompletionItemProvider: asks gptls for ghost text at the cursor after a short pause in typing.
// `vscode` is passed in (the real module in the editor, a fake in the tests), so this file never requires it.
//
// Threading: Node's event loop only.

const { ErrorCodes } = require('./jsonrpc');

// VS Code's InlineCompletionTriggerKind: Invoke = 0, Automatic = 1. LSP's: Invoked = 1, Automatic = 2.
function lspTriggerKind(vscode, kind) {
  return kind === vscode.InlineCompletionTriggerKind.Invoke ? 1 : 2;
}

// Accept telemetry (gptls/completionFeedback; the server only counts, for gptls/status, and nothing leaves the
// machine). VS Code's stable API shows what was accepted: the item's command runs on a full accept, and
// handleDidPartiallyAcceptCompletionItem on a word or line accept. It does not say when a suggestion is dismissed,
// so this client sends no "dismissed", and "shown" means offered: a non-empty list returned to VS Code.
const ACCEPTED_COMMAND = 'gptls.completionAccepted';

class InlineCompletionProvider {
  /** getServer: () => GptlsServer or null; options: {debounceMs, ensureOpen(document)}. */
  constructor(vscode, getServer, options = {}) {
    this.vscode = vscode;
    this.getServer = getServer;
    this.debounceMs = options.debounceMs === undefined ? 150 : options.debounceMs;
    this.ensureOpen = options.ensureOpen || (() => {});
    this.inFlight = new Map(); // uri -> cancel function of the newest request
    this.lastResult = null;
    this.onResult = options.onResult || (() => {});
  }

  async provideInlineCompletionItems(document, position, context, token) {
    const server = this.getServer();
    if (!server || server.state !== 'ready') return { items: [] };
    const uri = document.uri.toString();
    // A newer keystroke makes the older request stale: cancel it ourselves (VS Code also cancels its token).
    const previous = this.inFlight.get(uri);
    if (previous) previous();
    let cancelled = false;
    let requestId = null;
    const cancel = () => {
      cancelled = true;
      if (requestId !== null) server.connection.cancel(requestId);
    };
    this.inFlight.set(uri, cancel);
    const subscription = token && token.onCancellationRequested(cancel);
    try {
      if (this.debounceMs > 0) await new Promise((resolve) => setTimeout(resolve, this.debounceMs));
      if (cancelled) return { items: [] };
      this.ensureOpen(document);
      const pending = server.request('textDocument/inlineCompletion', {
        textDocument: { uri },
        position: { line: position.line, character: position.character },
        context: { triggerKind: lspTriggerKind(this.vscode, context.triggerKind) },
      });
      requestId = pending.id;
      if (cancelled) server.connection.cancel(requestId);
      const result = await pending;
      this.lastResult = result;
      this.onResult(result);
      const items = (result.items || []).map((item) => {
        const shown = new this.vscode.InlineCompletionItem(item.insertText,
          new this.vscode.Range(item.range.start.line, item.range.start.character,
            item.range.end.line, item.range.end.character));
        // VS Code runs an item's command when the user accepts all of it.
        shown.command = { command: ACCEPTED_COMMAND, title: 'gptls: suggestion accepted',
          arguments: [item.insertText.length] };
        return shown;
      });
      if (items.some((item) => item.insertText !== '')) this.feedback('shown');
      return new this.vscode.InlineCompletionList(items);
    } catch (error) {
      if (error.code === ErrorCodes.RequestCancelled || error.code === ErrorCodes.ServerCancelled ||
          error.code === ErrorCodes.ContentModified) {
        return { items: [] };
      }
      throw error;
    } finally {
      if (this.inFlight.get(uri) === cancel) this.inFlight.delete(uri);
      if (subscription && subscription.dispose) subscription.dispose();
    }
  }

  /** The run of an item's command: the user accepted all of its `characters`. */
  accepted(characters) {
    this.feedback('accepted', characters);
  }

  /** VS Code: the user accepted a part of `item` (info: the accepted length, or {acceptedLength}); one report per item. */
  handleDidPartiallyAcceptCompletionItem(item, info) {
    if (item.gptlsPartiallyAccepted) return;
    item.gptlsPartiallyAccepted = true;
    const characters = typeof info === 'number' ? info : info && info.acceptedLength;
    this.feedback('partiallyAccepted', Number.isInteger(characters) && characters >= 0 ? characters : undefined);
  }

  feedback(event, characters) {
    const server = this.getServer();
    if (!server || server.state !== 'ready') return;
    const params = { event };
    if (characters !== undefined) params.acceptedCharacters = characters;
    server.connection.notify('gptls/completionFeedback', params);
  }
}

module.exports = { InlineCompletionProvider, lspTriggerKind, ACCEPTED_COMMAND };
