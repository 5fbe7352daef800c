'use strict';
// A small FAKE of the `vscode` API: only the surface extension.js and lib/provider.js use. It is not VS Code;
// it lets the extension's logic run under `node --test` against the real gptls binary. Documents are plain
// strings with UTF-16 line/character positions, like VS Code's.

const { EventEmitter } = require('events');

class Position {
  constructor(line, character) { this.line = line; this.character = character; }
}

class Range {
  constructor(a, b, c, d) {
    if (a instanceof Position) { this.start = a; this.end = b; } else {
      this.start = new Position(a, b); this.end = new Position(c, d);
    }
  }
  get isEmpty() { return this.start.line === this.end.line && this.start.character === this.end.character; }
}

class Selection extends Range {}

class InlineCompletionItem {
  constructor(insertText, range) { this.insertText = insertText; this.range = range; }
}

class InlineCompletionList {
  constructor(items) { this.items = items; }
}

class Event {
  constructor() { this.emitter = new EventEmitter(); this.event = (listener) => this.subscribe(listener); }
  subscribe(listener) {
    this.emitter.on('fire', listener);
    return { dispose: () => this.emitter.off('fire', listener) };
  }
  fire(value) { this.emitter.emit('fire', value); }
}

class CancellationTokenSource {
  constructor() {
    const event = new Event();
    this.token = { isCancellationRequested: false, onCancellationRequested: event.event };
    this._event = event;
  }
  cancel() {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    this._event.fire();
  }
}

class Uri {
  constructor(value) { this.value = value; this.scheme = value.split(':')[0]; }
  toString() { return this.value; }
  static parse(value) { return new Uri(value); }
}

/** A text document whose edits fire workspace.onDidChangeTextDocument with VS Code's contentChanges shape. */
class TextDocument {
  constructor(workspace, uri, languageId, text) {
    this.workspace = workspace; this.uri = Uri.parse(uri); this.languageId = languageId; this.text = text;
    this.version = 1;
  }
  getText(range) {
    if (!range) return this.text;
    return this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }
  get lineCount() { return this.text.split('\n').length; }
  lineAt(line) { return { text: this.text.split('\n')[line] }; }
  offsetAt(position) {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < position.line && i < lines.length; i++) offset += lines[i].length + 1;
    return offset + Math.min(position.character, (lines[position.line] || '').length);
  }
  positionAt(offset) {
    const before = this.text.slice(0, offset).split('\n');
    return new Position(before.length - 1, before[before.length - 1].length);
  }
  /** Replaces `range` by `text` (as typing, pasting or accepting a completion does). */
  replace(range, text) {
    const start = this.offsetAt(range.start);
    const end = this.offsetAt(range.end);
    this.text = this.text.slice(0, start) + text + this.text.slice(end);
    this.version += 1;
    this.workspace._changed.fire({ document: this, contentChanges: [{ range, text, rangeOffset: start,
      rangeLength: end - start }] });
  }
  /** Types `text` one character at a time at `position`; returns the position after it. */
  type(position, text) {
    let at = position;
    for (const ch of text) {
      this.replace(new Range(at, at), ch);
      at = this.positionAt(this.offsetAt(at) + ch.length);
    }
    return at;
  }
}

class TextEditor {
  constructor(document, selection) { this.document = document; this.selection = selection; }
  async edit(callback) {
    const edits = [];
    callback({ insert: (position, text) => edits.push({ range: new Range(position, position), text }),
      replace: (range, text) => edits.push({ range, text }) });
    for (const e of edits) this.document.replace(e.range, e.text);
    return true;
  }
}

/** A fresh fake `vscode` module with recorders: messages shown, commands, providers, status bar items. */
function createFakeVscode(config = {}) {
  const opened = new Event();
  const changed = new Event();
  const closed = new Event();
  const configChanged = new Event();
  const recorded = { errors: [], warnings: [], infos: [], statusItems: [], outputs: [], providers: [], commands: new Map(),
    clipboard: null };
  const fake = {
    recorded,
    // The answer the next showInformationMessage resolves with (a button label, or undefined).
    nextInformationChoice: undefined,
    Position, Range, Selection, InlineCompletionItem, InlineCompletionList, CancellationTokenSource, Uri,
    InlineCompletionTriggerKind: { Invoke: 0, Automatic: 1 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    env: { clipboard: { writeText: async (text) => { recorded.clipboard = text; } } },
    workspace: {
      textDocuments: [],
      _changed: changed,
      onDidOpenTextDocument: opened.event,
      onDidChangeTextDocument: changed.event,
      onDidCloseTextDocument: closed.event,
      onDidChangeConfiguration: configChanged.event,
      getConfiguration: (section) => ({ get: (key) => config[`${section}.${key}`] }),
      /** Test helper: opens a document as the editor would. */
      openTextDocument(uri, languageId, text) {
        const document = new TextDocument(fake.workspace, uri, languageId, text);
        fake.workspace.textDocuments.push(document);
        opened.fire(document);
        return document;
      },
    },
    window: {
      activeTextEditor: undefined,
      createOutputChannel: (name) => {
        const channel = { name, lines: [], appendLine(l) { this.lines.push(l); }, show() {}, dispose() {} };
        recorded.outputs.push(channel);
        return channel;
      },
      createStatusBarItem: () => {
        const item = { text: '', tooltip: '', command: undefined, show() {}, dispose() {} };
        recorded.statusItems.push(item);
        return item;
      },
      showErrorMessage: async (message) => { recorded.errors.push(message); return undefined; },
      showWarningMessage: async (message) => { recorded.warnings.push(message); return undefined; },
      showInformationMessage: async (message, ...items) => {
        recorded.infos.push({ message, items });
        const choice = fake.nextInformationChoice;
        fake.nextInformationChoice = undefined;
        return choice;
      },
      withProgress: async (_options, task) => task({ report() {} }, new CancellationTokenSource().token),
      showTextDocument: (document, selection) => {
        fake.window.activeTextEditor = new TextEditor(document, selection || new Selection(0, 0, 0, 0));
        return fake.window.activeTextEditor;
      },
    },
    languages: {
      registerInlineCompletionItemProvider: (selector, provider) => {
        recorded.providers.push({ selector, provider });
        return { dispose() {} };
      },
    },
    commands: {
      registerCommand: (name, callback) => {
        recorded.commands.set(name, callback);
        return { dispose() {} };
      },
      executeCommand: async (name, ...args) => recorded.commands.get(name)(...args),
    },
  };
  return fake;
}

/** Makes `require('vscode')` return `fake` (Node has no `vscode` module outside the editor). */
function installFakeVscode(fake) {
  const Module = require('module');
  const original = Module._load;
  Module._load = function load(request, parent, isMain) {
    if (request === 'vscode') return fake;
    return original.call(this, request, parent, isMain);
  };
  return () => { Module._load = original; };
}

module.exports = { createFakeVscode, installFakeVscode, Position, Range, Selection, TextDocument };
