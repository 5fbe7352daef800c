'use strict';
// The extension manifest keeps a repository's workspace settings from choosing what runs or what is read.
const test = require('node:test');
const assert = require('node:assert/strict');
const manifest = require('../package.json');

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
