// The repair pass: Services stored without allocation records get them, records of deleted
// Services (older than the grace period) are released, young records are left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../store/index.js';
import { Objects } from '../storage/objects.js';
import { service } from '../../api/kinds/cluster/service.js';
import { logger } from '../../util/log.js';
import { StoreAllocator } from './allocator.js';
import { nodePortRange, serviceIPRange } from './ranges.js';
import { repairAllocations } from './repair.js';

test('repair records what Services hold and releases what nobody holds', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-repair-'));
  const store = await openStore({ backend: 'sqlite', dataDir: dir });
  try {
    const alloc = { ips: new StoreAllocator(store, serviceIPRange('10.43.0.0/16')), nodePorts: new StoreAllocator(store, nodePortRange('30000-32767')) };
    // Plain storage: Services written as by a server without allocation (an older gifee).
    const services = new Objects(store, service);
    const svc = (name: string, spec: Record<string, unknown>) => services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { ports: [{ port: 80 }], ...spec } });
    await svc('a', { clusterIP: '10.43.0.10', type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] });
    await svc('headless', { clusterIP: 'None' });
    // A record left by a create that never reached the store, and a young one still in flight.
    await alloc.ips.allocate('10.43.0.20', { namespace: 'default', name: 'crashed', uid: 'uid-crashed' });
    const log = logger('test');
    let r = await repairAllocations(services, alloc, log, 60_000);
    assert.deepEqual(r, { recorded: 2, released: 0 }, 'young leftovers are kept');
    assert.equal((await alloc.ips.get('10.43.0.10'))?.owner.uid, 'uid-a');
    assert.equal((await alloc.nodePorts.get('30100'))?.owner.uid, 'uid-a');
    r = await repairAllocations(services, alloc, log, 0);
    assert.deepEqual(r, { recorded: 0, released: 1 });
    assert.equal(await alloc.ips.get('10.43.0.20'), null);
    assert.deepEqual(
      (await alloc.ips.list()).map((a) => a.value),
      ['10.43.0.10'],
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
