'use strict';
// Starts `gptls serve` as a child process and drives the LSP lifecycle and document sync over lib/jsonrpc.js.
// Knows nothing of the `vscode` module, so the tests can run it under plain Node.
//
// Threading: Node's event loop only.

const childProcess = require('child_process');
const { EventEmitter } = require('events');
const { Connection } = require('./jsonrpc');

/** The `gptls.*` settings sent to the server (initializationOptions, didChangeConfiguration) under their own name;
 * the others (`path`, `sharedProcess`, `debounceMs`) are the client's. */
const SERVER_SETTINGS = ['model', 'maxTokens', 'summaryMaxTokens', 'temperature', 'completionMode', 'deadlineMs',
  'cacheBudgetMB', 'weights', 'threads', 'context', 'contextBudget', 'copyWeight', 'completionCache'];

/**
 * One server process. Events: 'state' (one of 'starting', 'ready', 'stopped', 'failed'), 'failed' (a
 * sentence saying why the server could not start or died), 'showMessage' ({type, message}), 'log' (a line of the
 * server's stderr or a note of the client's).
 *
 * options: {command, args, initializationOptions, env, cwd, clientName}
 */
class GptlsServer extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.state = 'stopped';
    this.capabilities = null;
    this.documents = new Map(); // uri -> version
    this.stderrTail = [];
  }

  /** Spawns the process and sends initialize/initialized. Resolves with the initialize result; rejects with an
   *  Error whose message says why the server could not start (missing binary, crash, refusal). */
  start() {
    if (this.starting) return this.starting;
    this._setState('starting');
    const { command, args = ['serve'], env, cwd } = this.options;
    this.starting = new Promise((resolve, reject) => {
      let settled = false;
      const fail = (why) => {
        if (settled && this.state === 'failed') return;
        this._setState('failed');
        this.emit('failed', why);
        if (!settled) { settled = true; reject(new Error(why)); }
      };
      let child;
      try {
        child = childProcess.spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env || process.env, cwd });
      } catch (error) {
        fail(`could not start the gptls server "${command}": ${error.message}`);
        return;
      }
      this.process = child;
      child.on('error', (error) => {
        this.process = null;
        const why = error.code === 'ENOENT'
          ? `could not start the gptls server: "${command}" was not found (set gptls.path to the gptls binary)`
          : `could not start the gptls server "${command}": ${error.message}`;
        fail(why);
      });
      child.stderr.setEncoding('utf8');
      let partial = '';
      child.stderr.on('data', (text) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop();
        for (const line of lines) {
          this.stderrTail.push(line);
          if (this.stderrTail.length > 20) this.stderrTail.shift();
          this.emit('log', line);
        }
      });
      child.on('exit', (code, signal) => {
        const expected = this.stopping;
        this.process = null;
        if (expected) { this._setState('stopped'); return; }
        const last = this.stderrTail.filter((l) => l.trim()).slice(-3).join(' | ');
        fail(`the gptls server exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})` +
          (last ? `: ${last}` : ''));
      });
      this.connection = new Connection(child.stdout, child.stdin);
      this.connection.on('notification', (method, params) => {
        if (method === 'window/showMessage') this.emit('showMessage', params);
        else if (method === 'window/logMessage') this.emit('log', params.message);
        else this.emit('notification', method, params);
      });
      this.connection.onRequest('window/workDoneProgress/create', () => null);
      this.connection.onRequest('workspace/configuration', (params) =>
        (params.items || []).map(() => this.options.initializationOptions || {}));
      this.connection.request('initialize', {
        processId: process.pid,
        clientInfo: { name: this.options.clientName || 'gptls-vscode' },
        rootUri: null,
        capabilities: { general: { positionEncodings: ['utf-16'] },
          window: { workDoneProgress: true, showMessage: {} } },
        initializationOptions: this.options.initializationOptions || {},
      }).then((result) => {
        this.capabilities = result.capabilities;
        this.connection.notify('initialized', {});
        this._setState('ready');
        settled = true;
        resolve(result);
      }, (error) => {
        // A server that dies while starting closes the connection first: its exit (with the code) says more.
        setTimeout(() => fail(`the gptls server did not initialize: ${error.message}`), this.process ? 1000 : 0);
      });
    });
    return this.starting;
  }

  /** shutdown + exit; resolves when the process has ended. */
  async stop() {
    if (!this.process) return;
    this.stopping = true;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    try {
      await withTimeout(this.connection.request('shutdown'), 5000);
      this.connection.notify('exit');
    } catch (_) {
      this.process && this.process.kill();
    }
    await withTimeout(exited, 5000).catch(() => this.process && this.process.kill('SIGKILL'));
  }

  request(method, params, options) {
    return this.connection.request(method, params, options);
  }

  didOpen(uri, languageId, version, text) {
    this.documents.set(uri, version);
    this.connection.notify('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  /** changes: [{range: {start, end}, text}] in UTF-16 positions, applied in order (VS Code's contentChanges). */
  didChange(uri, version, changes) {
    this.documents.set(uri, version);
    this.connection.notify('textDocument/didChange', { textDocument: { uri, version },
      contentChanges: changes.map((c) => (c.range ? { range: plainRange(c.range), text: c.text } : { text: c.text })) });
  }

  didClose(uri) {
    this.documents.delete(uri);
    this.connection.notify('textDocument/didClose', { textDocument: { uri } });
  }

  didChangeConfiguration(settings) {
    this.connection.notify('workspace/didChangeConfiguration', { settings: { gptls: settings } });
  }

  _setState(state) {
    this.state = state;
    this.emit('state', state);
  }
}

function plainRange(range) {
  return { start: { line: range.start.line, character: range.start.character },
    end: { line: range.end.line, character: range.end.character } };
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

module.exports = { GptlsServer, plainRange, SERVER_SETTINGS };
