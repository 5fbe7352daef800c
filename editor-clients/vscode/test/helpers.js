'use strict';
// Where the tests find the server: GPTLS_BIN (default .build/debug/gptls) and GPTLS_MODEL (default: the bundled
// model, i.e. no --model argument).

const path = require('path');

const repository = path.resolve(__dirname, '..', '..', '..');
const binary = process.env.GPTLS_BIN ? path.resolve(process.env.GPTLS_BIN) : path.join(repository, '.build/debug/gptls');
const modelArgs = process.env.GPTLS_MODEL ? ['--model', path.resolve(process.env.GPTLS_MODEL)] : [];
const serveArgs = ['serve', ...modelArgs, '--log-level', 'warning'];

/** Settings that make completions deterministic and short. */
const testSettings = { temperature: 0, maxTokens: 12, summaryMaxTokens: 24, deadlineMs: 20000, context: true,
  contextBudget: 512, completionCache: true };

module.exports = { repository, binary, modelArgs, serveArgs, testSettings };
