import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/kind.js';
import { byControllerUid, byNodeName, INDEX_CONTROLLER_UID, INDEX_NAMESPACE, INDEX_NODE_NAME, Indexer, keyOf } from './indexer.js';

const pod = (ns: string, name: string, node?: string, owner?: string): KObject => ({
  metadata: { namespace: ns, name, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: owner, controller: true }] } : {}) },
  spec: node ? { nodeName: node } : {},
});

describe('Indexer', () => {
  it('files objects by namespace and by registered indexes, and moves them when they change', () => {
    const ix = new Indexer();
    ix.addIndexers({ [INDEX_NODE_NAME]: byNodeName });
    for (const p of [pod('a', 'p1', 'n1'), pod('a', 'p2', 'n2'), pod('b', 'p3', 'n1')]) ix.set(keyOf(p), p);
    assert.deepEqual(ix.byIndex(INDEX_NAMESPACE, 'a').map(keyOf).sort(), ['a/p1', 'a/p2']);
    assert.deepEqual(ix.byIndex(INDEX_NODE_NAME, 'n1').map(keyOf).sort(), ['a/p1', 'b/p3']);
    ix.set('a/p1', pod('a', 'p1', 'n2'));
    assert.deepEqual(ix.byIndex(INDEX_NODE_NAME, 'n1').map(keyOf), ['b/p3']);
    assert.deepEqual(ix.byIndex(INDEX_NODE_NAME, 'n2').map(keyOf).sort(), ['a/p1', 'a/p2']);
    ix.delete('b/p3');
    assert.deepEqual(ix.byIndex(INDEX_NODE_NAME, 'n1'), []);
    assert.deepEqual(ix.indexValues(INDEX_NODE_NAME), ['n2']);
  });

  it('builds an index registered late over the objects already there', () => {
    const ix = new Indexer();
    ix.set('a/p1', pod('a', 'p1', undefined, 'u1'));
    ix.set('a/p2', pod('a', 'p2'));
    ix.addIndexers({ [INDEX_CONTROLLER_UID]: byControllerUid });
    assert.deepEqual(ix.byIndex(INDEX_CONTROLLER_UID, 'u1').map(keyOf), ['a/p1']);
  });

  it('refuses to answer for an index nobody registered', () => {
    assert.throws(() => new Indexer().byIndex('nope', 'x'), /no index nope/);
  });
});
