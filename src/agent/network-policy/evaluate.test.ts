// Table tests of the explanation of a flow: which side denies it, which rule allows it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { describe, explain, type Flow } from './evaluate.js';
import { namespaceView, podView, policyView, type PodView } from './model.js';

const pod = (ns: string, name: string, ip: string, labels: Record<string, string>, ports: { name: string; containerPort: number }[] = []): KObject => ({
  metadata: { namespace: ns, name, uid: name, labels },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports }] },
  status: { phase: 'Running', podIP: ip },
});
const np = (namespace: string, name: string, spec: Record<string, unknown>): KObject => ({ metadata: { namespace, name }, spec });
const input = (policies: KObject[]) => ({
  pods: [pod('srv', 'db', '10.1.0.2', { app: 'db' }, [{ name: 'pg', containerPort: 5432 }]), pod('blue', 'client', '10.1.0.3', { role: 'client' }), pod('red', 'client', '10.2.0.4', { role: 'client' })].map(podView).filter((p): p is PodView => !!p),
  namespaces: [{ metadata: { name: 'srv' } }, { metadata: { name: 'blue', labels: { team: 'blue' } } }, { metadata: { name: 'red' } }].map((n) => namespaceView(n as KObject)),
  policies: policies.map(policyView),
});
const flow = (src: string, dst: string, port: number, protocol: Flow['protocol'] = 'TCP'): Flow => ({ src, dst, port, protocol });

test('explain: verdicts per side and the allowing rule', () => {
  const allowBlue = np('srv', 'allow-blue', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } }, podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'pg' }] }] });
  const denyEgress = np('blue', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
  const cases: [string, KObject[], Flow, boolean, string, string][] = [
    ['no policies', [], flow('10.1.0.3', '10.1.0.2', 5432), true, 'not-isolated', 'not-isolated'],
    ['named port allows blue', [allowBlue], flow('10.1.0.3', '10.1.0.2', 5432), true, 'not-isolated', 'allowed'],
    ['another port is denied', [allowBlue], flow('10.1.0.3', '10.1.0.2', 80), false, 'not-isolated', 'denied'],
    ['UDP on the named TCP port is denied', [allowBlue], flow('10.1.0.3', '10.1.0.2', 5432, 'UDP'), false, 'not-isolated', 'denied'],
    ['red is not selected', [allowBlue], flow('10.2.0.4', '10.1.0.2', 5432), false, 'not-isolated', 'denied'],
    ['egress denied at the source', [allowBlue, denyEgress], flow('10.1.0.3', '10.1.0.2', 5432), false, 'denied', 'allowed'],
    ['a host source is no pod', [allowBlue], flow('192.0.2.1', '10.1.0.2', 5432), false, 'not-a-pod', 'denied'],
    ["the pod's own node is always allowed", [allowBlue, denyEgress], flow('192.0.2.10', '10.1.0.2', 80), true, 'not-a-pod', 'own-node'],
    ["and so is a pod's egress to it", [allowBlue, denyEgress], flow('10.1.0.3', '192.0.2.10', 22), true, 'own-node', 'not-a-pod'],
  ];
  const nodeIPs = new Map([['n1', ['192.0.2.10']]]);
  for (const [what, policies, f, allowed, eg, ing] of cases) {
    const e = explain(f, { ...input(policies), nodeIPs });
    assert.deepEqual([e.allowed, e.egress.verdict, e.ingress.verdict], [allowed, eg, ing], what);
  }
  const e = explain(flow('10.1.0.3', '10.1.0.2', 5432), input([allowBlue]));
  assert.equal(e.ingress.allowedBy, 'srv/allow-blue ingress[0]');
  const denied = describe(flow('10.2.0.4', '10.1.0.2', 5432), explain(flow('10.2.0.4', '10.1.0.2', 5432), input([allowBlue])));
  assert.equal(denied[0], '10.2.0.4 -> 10.1.0.2 TCP/5432: dropped');
  assert.match(denied[2], /pod srv\/db \(10\.1\.0\.2\) DENIED: isolated by srv\/allow-blue/);
});
