// What the agent learns from the `kubernetes` Endpoints: a table of well-formed and hostile objects.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serversFromEndpoints } from './kubernetes-endpoints.js';
import { MAX_LEARNED_SERVERS } from './server-pool.js';

const ep = (subsets: unknown) => ({ kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default' }, subsets });
const https = (port: unknown, extra: Record<string, unknown> = {}) => ({ name: 'https', port, protocol: 'TCP', ...extra });

describe('serversFromEndpoints', () => {
  const cases: { name: string; in: unknown; want: string[] }[] = [
    { name: 'every address at the https port', in: ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [https(6443)] }]), want: ['https://10.0.0.1:6443', 'https://10.0.0.2:6443'] },
    { name: 'IPv6 in brackets', in: ep([{ addresses: [{ ip: 'fd00::1' }], ports: [https(6443)] }]), want: ['https://[fd00::1]:6443'] },
    { name: 'a single unnamed port is the one', in: ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 443 }] }]), want: ['https://10.0.0.1:443'] },
    { name: 'several ports, none named https: none', in: ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 1 }, { port: 2 }] }]), want: [] },
    { name: 'a UDP port is not https', in: ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [https(6443, { protocol: 'UDP' })] }]), want: [] },
    {
      name: 'duplicates across subsets once',
      in: ep([
        { addresses: [{ ip: '10.0.0.1' }], ports: [https(6443)] },
        { addresses: [{ ip: '10.0.0.1' }], ports: [https(6443)] },
      ]),
      want: ['https://10.0.0.1:6443'],
    },
    { name: 'not-ready addresses are not used', in: ep([{ addresses: [{ ip: '10.0.0.1' }], notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [https(6443)] }]), want: ['https://10.0.0.1:6443'] },
    { name: 'no object', in: undefined, want: [] },
    { name: 'no subsets', in: ep(undefined), want: [] },
    { name: 'subsets not a list', in: ep('x'), want: [] },
    {
      name: 'hostnames, garbage and undialable addresses are skipped',
      in: ep([{ addresses: [{ ip: 'evil.example' }, { ip: '0.0.0.0' }, { ip: '::' }, { ip: '224.0.0.1' }, { ip: 'ff02::1' }, { ip: '255.255.255.255' }, { ip: 7 }, null, { ip: '10.0.0.3:1' }, { ip: '10.0.0.4' }], ports: [https(6443)] }]),
      want: ['https://10.0.0.4:6443'],
    },
    {
      name: 'ports out of range or not integers',
      in: ep([
        { addresses: [{ ip: '10.0.0.1' }], ports: [https(0)] },
        { addresses: [{ ip: '10.0.0.2' }], ports: [https(70000)] },
        { addresses: [{ ip: '10.0.0.3' }], ports: [https('6443')] },
        { addresses: [{ ip: '10.0.0.4' }], ports: [https(1.5)] },
      ]),
      want: [],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(serversFromEndpoints(c.in), c.want));

  it('bounds a huge list', () => {
    const addresses = Array.from({ length: 100_000 }, (_, i) => ({ ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }));
    assert.equal(serversFromEndpoints(ep([{ addresses, ports: [https(6443)] }])).length, MAX_LEARNED_SERVERS);
  });
});
