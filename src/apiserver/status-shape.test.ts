// Status objects as kube-apiserver writes them: metav1.Status's field order, no empty group.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conflict, invalid, notFound } from '../api/errors.js';
import { jsonText, wantsPretty } from './pretty.js';
import type { IncomingMessage } from 'node:http';

test('Status fields in order kind, apiVersion, metadata, status, message, reason, details, code', () => {
  const s = notFound({ group: '', resource: 'pods' }, 'x').toStatus();
  assert.deepEqual(Object.keys(s), ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'details', 'code']);
  assert.equal(JSON.stringify(s.details), '{"name":"x","kind":"pods"}');
  const c = conflict({ group: 'apps', resource: 'deployments' }, 'd', 'why').toStatus();
  assert.deepEqual(c.details, { name: 'd', group: 'apps', kind: 'deployments' });
  const i = invalid('Pod', '', 'p', [{ type: 'FieldValueRequired', field: 'spec', detail: '' } as never]).toStatus();
  assert.deepEqual(Object.keys(i), ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'details', 'code']);
  assert.equal('group' in (i.details ?? {}), false);
});

test('JSON ends with a newline; pretty indents by two spaces', () => {
  assert.equal(jsonText({ a: 1 }, false), '{"a":1}\n');
  assert.equal(jsonText({ a: 1 }, true), '{\n  "a": 1\n}\n');
});

test('pretty: strconv.ParseBool spellings, then curl/Wget/browsers by default', () => {
  const req = (ua?: string) => ({ headers: ua ? { 'user-agent': ua } : {} }) as IncomingMessage;
  assert.equal(wantsPretty(req(), new URLSearchParams('pretty=True')), true);
  assert.equal(wantsPretty(req(), new URLSearchParams('pretty=1')), true);
  assert.equal(wantsPretty(req('curl/8'), new URLSearchParams('pretty=False')), false);
  assert.equal(wantsPretty(req(), new URLSearchParams('pretty=yes')), false);
  assert.equal(wantsPretty(req('curl/8.5'), new URLSearchParams('')), true);
  assert.equal(wantsPretty(req('kubectl/v1.32'), new URLSearchParams('')), false);
});
