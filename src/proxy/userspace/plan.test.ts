// The userspace proxy's plan: addresses per service port and each one's endpoints under the
// traffic policies (cluster IP, node port, external addresses this host has).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServicePorts } from '../model.js';
import { endpointSlice, service } from '../testing.js';
import { planListeners } from './plan.js';

const eps = [
  { ip: '10.42.1.5', nodeName: 'n1' },
  { ip: '10.42.2.5', nodeName: 'n2' },
];
const lbStatus = (...ips: string[]) => ({ loadBalancer: { ingress: ips.map((ip) => ({ ip })) } });

function plan(spec: Record<string, unknown>, o: { status?: object; node?: string; local?: string[]; endpoints?: typeof eps } = {}) {
  const svc = { ...service('web', '10.43.0.10', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, nodePort: 30080 }], ...spec }), ...(o.status ? { status: o.status } : {}) };
  const p = planListeners(buildServicePorts([svc], [endpointSlice('web', o.endpoints ?? eps)], o.node ?? 'n1'), new Set(o.local ?? []));
  // address → the endpoints' IPs
  return Object.fromEntries([...p].map(([addr, l]) => [addr, l.endpoints.map((e) => e.ip)]));
}

test('plan: addresses and endpoints under the traffic policies', () => {
  const both = ['10.42.1.5', '10.42.2.5'];
  const local = ['10.42.1.5'];
  const cases: { name: string; spec: Record<string, unknown>; o?: Parameters<typeof plan>[1]; want: Record<string, string[]> }[] = [
    { name: 'Cluster policies: every endpoint everywhere', spec: {}, want: { '127.43.0.10:80': both, '127.0.0.1:30080': both } },
    { name: 'externalTrafficPolicy Local: node port to local endpoints, cluster IP to all', spec: { externalTrafficPolicy: 'Local' }, want: { '127.43.0.10:80': both, '127.0.0.1:30080': local } },
    { name: 'internalTrafficPolicy Local: cluster IP to local endpoints, node port to all', spec: { internalTrafficPolicy: 'Local' }, want: { '127.43.0.10:80': local, '127.0.0.1:30080': both } },
    { name: 'Local on a node without endpoints: refused (no endpoints)', spec: { externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' }, o: { node: 'n3' }, want: { '127.43.0.10:80': [], '127.0.0.1:30080': [] } },
    {
      name: 'LoadBalancer ingress IP and externalIP this host has: listened on with the external policy; others not',
      spec: { externalIPs: ['192.0.2.7', '192.0.2.9'], externalTrafficPolicy: 'Local' },
      o: { status: lbStatus('198.51.100.4', '198.51.100.5'), local: ['192.0.2.7', '198.51.100.4', '10.0.0.1'] },
      want: { '127.43.0.10:80': both, '127.0.0.1:30080': local, '192.0.2.7:80': local, '198.51.100.4:80': local },
    },
    { name: 'a ClusterIP Service with an externalIP: no node port', spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80 }], externalIPs: ['192.0.2.7'] }, o: { local: ['192.0.2.7'] }, want: { '127.43.0.10:80': both, '192.0.2.7:80': both } },
    { name: 'UDP is not relayed', spec: { type: 'ClusterIP', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }, want: {} },
  ];
  for (const c of cases) assert.deepEqual(plan(c.spec, c.o), c.want, c.name);
});
