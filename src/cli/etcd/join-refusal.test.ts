import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSIENT_JOIN_REFUSAL } from './join-handler.js';

test("etcd's passing refusals of a member add are asked again; real refusals are not", () => {
  for (const m of ['14 UNAVAILABLE: etcdserver: unhealthy cluster', 'etcd could not add the member: Execution prevented because the circuit breaker is open']) assert.ok(TRANSIENT_JOIN_REFUSAL.test(m), m);
  for (const m of ['etcdserver: Peer URLs already exists', 'etcdserver: too many learner members in cluster', 'wrong server token']) assert.ok(!TRANSIENT_JOIN_REFUSAL.test(m), m);
});
