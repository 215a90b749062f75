import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNamespaceTerminating, StatusError } from './rest.js';
import { namespaceTerminating } from '../api/errors.js';

describe('isNamespaceTerminating', () => {
  const status = namespaceTerminating({ group: '', resource: 'configmaps' }, 'x', 'held').toStatus();

  it('recognises the 403 the API server answers a create in a terminating namespace with', () => {
    assert.equal(isNamespaceTerminating(new StatusError(403, 'Forbidden', status.message!, status)), true);
  });

  it('goes by the cause, not the message', () => {
    // A Forbidden that merely mentions termination (e.g. an RBAC denial naming a resource) is not it.
    const plain = { kind: 'Status', code: 403, reason: 'Forbidden', message: 'pods "terminator" is forbidden: user cannot create' };
    assert.equal(isNamespaceTerminating(new StatusError(403, 'Forbidden', status.message!, plain)), false);
    assert.equal(isNamespaceTerminating(new StatusError(403, 'Forbidden', status.message!)), false);
    assert.equal(isNamespaceTerminating(new StatusError(500, 'InternalError', 'x', status)), false);
    assert.equal(isNamespaceTerminating(new Error(status.message)), false);
    assert.equal(isNamespaceTerminating(undefined), false);
  });

  it('exposes the Status causes', () => {
    const e = new StatusError(403, 'Forbidden', status.message!, status);
    assert.deepEqual(e.causes, [{ reason: 'NamespaceTerminating', message: 'namespace held is being terminated', field: 'metadata.namespace' }]);
    assert.deepEqual(new StatusError(403, 'Forbidden', 'x', 'not json').causes, []);
  });
});
