'use strict';
// gptls for VS Code: ghost text from a local model, and summarise / classify on the selection.
// Plain JavaScript, no npm dependencies: lib/jsonrpc.js speaks JSON-RPC to the `gptls serve` child process.
//
// Threading: VS Code's extension host runs everything on one event loop.

const vscode = require('vscode');
const { GptlsServer, SERVER_SETTINGS } = require('./lib/server');
const { InlineCompletionProvider, ACCEPTED_COMMAND } = require('./lib/provider');

const COMMENT_PREFIX = { python: '#', shellscript: '#', ruby: '#', perl: '#', r: '#', yaml: '#', toml: '#',
  makefile: '#', dockerfile: '#', lua: '--', sql: '--', haskell: '--', lisp: ';;', clojure: ';;', scheme: ';;',
  elisp: ';;', latex: '%', tex: '%', erlang: '%', matlab: '%', vim: '"', bat: 'REM' };

function commentPrefix(languageId) {
  return COMMENT_PREFIX[languageId] || '//';
}

/** The summary as comment lines indented like `indent`. */
function asComment(summary, languageId, indent) {
  const prefix = commentPrefix(languageId);
  return summary.trim().split('\n').map((line) => `${indent}${prefix} ${line}`.trimEnd()).join('\n') + '\n';
}

function readSettings() {
  const config = vscode.workspace.getConfiguration('gptls');
  const settings = {};
  for (const key of SERVER_SETTINGS) {
    const value = config.get(key);
    if (value !== undefined && value !== null && value !== '') settings[key] = value;
  }
  return { path: config.get('path') || 'gptls', debounceMs: config.get('debounceMs'), settings,
    shared: config.get('sharedProcess') === true };
}

function formatScores(result) {
  return result.scores.map((s) => `${s.label} ${(100 * s.probability).toFixed(1)}%`).join(', ');
}

/** Everything the extension holds while active; returned by activate() so tests (and other extensions) can reach it. */
class Extension {
  constructor(context) {
    this.context = context;
    this.server = null;
    this.failureShown = false;
    this.output = vscode.window.createOutputChannel('gptls');
    this.status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
    this.status.command = 'gptls.showStatus';
    this.status.show();
    this.setStatus('stopped');
    const { debounceMs } = readSettings();
    this.provider = new InlineCompletionProvider(vscode, () => this.server, {
      debounceMs, ensureOpen: (document) => this.ensureOpen(document),
      onResult: (result) => { this.status.tooltip = metricsTooltip(result.metrics); },
    });
    context.subscriptions.push(this.output, this.status,
      vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, this.provider),
      vscode.workspace.onDidOpenTextDocument((d) => this.ensureOpen(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.didChange(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.didClose(d)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('gptls') && this.server && this.server.state === 'ready') {
          this.server.didChangeConfiguration(readSettings().settings);
        }
      }),
      vscode.commands.registerCommand('gptls.summarizeSelection', () => this.summarizeSelection()),
      vscode.commands.registerCommand('gptls.classifySelection', (labels) => this.classifySelection(labels)),
      vscode.commands.registerCommand('gptls.showStatus', () => this.showStatus()),
      vscode.commands.registerCommand(ACCEPTED_COMMAND, (characters) => this.provider.accepted(characters)),
      vscode.commands.registerCommand('gptls.restart', () => this.restart()),
      vscode.commands.registerCommand('gptls.showLog', () => this.output.show()));
  }

  setStatus(state) {
    const text = { starting: '$(sync~spin) gptls', ready: '$(sparkle) gptls', stopped: '$(circle-slash) gptls',
      failed: '$(error) gptls' }[state];
    this.status.text = text;
    this.status.tooltip = `gptls: ${state}`;
    this.state = state;
  }

  async start() {
    const { path, settings, shared } = readSettings();
    // `connect` shares one gptls process (one model, one cache) with the user's other editors.
    this.server = new GptlsServer({ command: path, args: [shared ? 'connect' : 'serve'], initializationOptions: settings,
      clientName: 'gptls-vscode' });
    this.server.on('state', (state) => this.setStatus(state));
    this.server.on('log', (line) => this.output.appendLine(line));
    this.server.on('showMessage', ({ type, message }) => {
      if (type === 1) vscode.window.showErrorMessage(`gptls: ${message}`);
      else if (type === 2) vscode.window.showWarningMessage(`gptls: ${message}`);
      else this.output.appendLine(message);
    });
    this.server.on('failed', (why) => {
      this.output.appendLine(why);
      // Tell the user once; the status bar keeps showing the failure.
      if (!this.failureShown) {
        this.failureShown = true;
        vscode.window.showErrorMessage(`gptls: ${why}`, 'Show Log').then((choice) => {
          if (choice === 'Show Log') this.output.show();
        });
      }
    });
    try {
      await this.server.start();
    } catch (_) {
      return false; // already reported through 'failed'
    }
    for (const document of vscode.workspace.textDocuments) this.ensureOpen(document);
    return true;
  }

  async restart() {
    if (this.server) await this.server.stop();
    this.failureShown = false;
    return this.start();
  }

  ensureOpen(document) {
    if (!this.server || this.server.state !== 'ready' || document.uri.scheme === 'output') return;
    const uri = document.uri.toString();
    if (this.server.documents.has(uri)) return;
    this.server.didOpen(uri, document.languageId, document.version, document.getText());
  }

  didChange(event) {
    if (!this.server || this.server.state !== 'ready' || event.contentChanges.length === 0) return;
    const uri = event.document.uri.toString();
    if (!this.server.documents.has(uri)) { this.ensureOpen(event.document); return; }
    this.server.didChange(uri, event.document.version, event.contentChanges);
  }

  didClose(document) {
    const uri = document.uri.toString();
    if (this.server && this.server.state === 'ready' && this.server.documents.has(uri)) this.server.didClose(uri);
  }

  /** The selection (or the whole document when nothing is selected) as request params. */
  selectionParams(editor) {
    this.ensureOpen(editor.document);
    const params = { textDocument: { uri: editor.document.uri.toString() } };
    const s = editor.selection;
    if (!s.isEmpty) {
      params.range = { start: { line: s.start.line, character: s.start.character },
        end: { line: s.end.line, character: s.end.character } };
    }
    return params;
  }

  async readyOrSay() {
    if (this.server && this.server.state === 'ready') return true;
    vscode.window.showErrorMessage('gptls: the server is not running (see the gptls output, or run "gptls: Restart")');
    return false;
  }

  /** Summarises the selection; offers to insert the summary as a comment above it. Returns the result. */
  async summarizeSelection() {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !(await this.readyOrSay())) return null;
    const params = this.selectionParams(editor);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'gptls: summarising', cancellable: true },
      (_progress, token) => this.server.request('gptls/summarize', params, { token }));
    this.output.appendLine(`summary: ${result.summary}`);
    const choice = await vscode.window.showInformationMessage(result.summary, 'Insert as Comment', 'Copy');
    if (choice === 'Insert as Comment') {
      const line = editor.selection.start.line;
      const indent = /^\s*/.exec(editor.document.lineAt(line).text)[0];
      await editor.edit((edit) => edit.insert(new vscode.Position(line, 0),
        asComment(result.summary, editor.document.languageId, indent)));
    } else if (choice === 'Copy') {
      await vscode.env.clipboard.writeText(result.summary);
    }
    return result;
  }

  /** Classifies the selection; `labels` (optional array) asks for zero-shot labels. Returns the result. */
  async classifySelection(labels) {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !(await this.readyOrSay())) return null;
    const params = this.selectionParams(editor);
    if (Array.isArray(labels) && labels.length > 0) params.labels = labels;
    const result = await this.server.request('gptls/classify', params);
    const line = `${result.label} (${formatScores(result)})`;
    this.output.appendLine(`classify: ${line}`);
    vscode.window.showInformationMessage(`gptls: ${line}`);
    return result;
  }

  async showStatus() {
    if (!(await this.readyOrSay())) { this.output.show(); return null; }
    const status = await this.server.request('gptls/status');
    this.output.appendLine(JSON.stringify(status, null, 2));
    this.output.show();
    return status;
  }
}

function metricsTooltip(m) {
  if (!m) return 'gptls: ready';
  return `gptls: ${m.promptTokens} prompt tokens (${m.reusedTokens} cached), ${m.generatedTokens} generated, ` +
    `first token ${Math.round(m.firstTokenMs)} ms, total ${Math.round(m.totalMs)} ms`;
}

let current = null;

async function activate(context) {
  current = new Extension(context);
  await current.start();
  return current;
}

async function deactivate() {
  if (current && current.server) await current.server.stop();
  current = null;
}

module.exports = { activate, deactivate, asComment, commentPrefix, formatScores };
