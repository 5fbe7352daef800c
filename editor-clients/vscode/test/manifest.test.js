'use strict';
// The extension manifest keeps a repository's workspace settings from choosing what runs or what is read.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const manifest = require('../package.json');
const { SERVER_SETTINGS } = require('../lib/server');

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'protocol', 'schema',
  'configuration.schema.json'), 'utf8'));

const properties = manifest.contributes.configuration.properties;

test('settings that choose a binary or a model are machine-scoped, so a workspace cannot override them', () => {
  for (const name of ['gptls.path', 'gptls.model']) {
    assert.equal(properties[name].scope, 'machine', name);
  }
});

test('the extension declares limited support for untrusted workspaces, restricting those settings', () => {
  const untrusted = manifest.capabilities.untrustedWorkspaces;
  assert.equal(untrusted.supported, 'limited');
  assert.deepEqual([...untrusted.restrictedConfigurations].sort(), ['gptls.model', 'gptls.path']);
  assert.ok(untrusted.description.length > 0);
});

test('every server setting the manifest declares is sent, and the server reads each under that name', () => {
  const clientOnly = ['path', 'sharedProcess', 'debounceMs'];
  const declared = Object.keys(properties).map((name) => name.replace(/^gptls\./, ''))
    .filter((name) => !clientOnly.includes(name));
  assert.deepEqual([...declared].sort(), [...SERVER_SETTINGS].sort());
  for (const name of SERVER_SETTINGS) assert.ok(schema.properties[name], `${name} is in configuration.schema.json`);
});

test('the workspace-context and completion-cache settings start at the server defaults', () => {
  for (const name of ['context', 'contextBudget', 'copyWeight', 'completionCache']) {
    assert.deepEqual(properties[`gptls.${name}`].default, schema.properties[name].default, name);
  }
});
