import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { ownershipChanged } from './ownership.js';

const base: KObject = { metadata: { name: 'a', uid: 'u', resourceVersion: '1', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'o1' }] }, status: { ready: 1 } };
const with_ = (meta: object, rest: object = {}): KObject => ({ ...base, ...rest, metadata: { ...base.metadata, resourceVersion: '2', ...meta } });

describe('ownershipChanged', () => {
  it('ignores status, spec and resourceVersion changes', () => {
    assert.equal(ownershipChanged(base, with_({}, { status: { ready: 2 }, spec: { replicas: 3 } })), false);
  });
  it('sees owner references, deletion and finalizers change', () => {
    assert.equal(ownershipChanged(base, with_({ ownerReferences: [] })), true);
    assert.equal(ownershipChanged(base, with_({ deletionTimestamp: '2026-01-01T00:00:00Z' })), true);
    assert.equal(ownershipChanged(base, with_({ finalizers: ['foregroundDeletion'] })), true);
  });
});
