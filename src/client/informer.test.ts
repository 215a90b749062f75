// Informers against a real API server: a stopped informer opens no watch afterwards, even when
// stop() comes while its list is in flight (a controller manager that lost its lease used to keep
// watching), and a running one keeps its cache and indexes current.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../../test/helpers/cluster.js';
import { openWatches } from '../../test/helpers/watch-count.js';
import { until } from '../../test/helpers/wait.js';
import { clientConfigFromKubeconfig } from './kubeconfig.js';
import { logger } from '../util/log.js';
import { Informer } from './informer.js';
import { INDEX_NAMESPACE } from './indexer.js';
import { R } from './resources.js';
import { RestClient } from './rest.js';

describe('Informer', () => {
  let cluster: Cluster;
  let client: RestClient;
  const log = logger('test');
  before(async () => {
    // No controllers and no agent: nothing else in the server watches configmaps.
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    client = new RestClient(await clientConfigFromKubeconfig(cluster.kubeconfig));
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('opens no watch when stopped while its list is in flight', async () => {
    const informers = Array.from({ length: 5 }, () => new Informer(client, R.configmaps, log));
    for (const i of informers) {
      i.start();
      i.stop(); // the list request is already on its way
    }
    // A marker informer started after them: once its watch is open, any watch the stopped ones
    // would have opened after their lists would be open too (same client, same server, earlier lists).
    const marker = new Informer(client, R.configmaps, log);
    marker.start();
    await marker.waitForSync();
    await until('the marker watch to open', async () => (await openWatches(cluster, 'configmaps')) >= 1);
    await new Promise((r) => setTimeout(r, 300)); // time for a late watch to show up, were there one
    assert.equal(await openWatches(cluster, 'configmaps'), 1);
    for (const i of informers) assert.equal(i.hasSynced(), false);
    marker.stop();
    await until('the marker watch to close', async () => (await openWatches(cluster, 'configmaps')) === 0);
  });

  it('closes its watch on stop and keeps a frozen, indexed cache while running', async () => {
    const i = new Informer(client, R.configmaps, log);
    const seen: string[] = [];
    i.addHandlers({ onAdd: (o) => seen.push(o.metadata!.name!) });
    i.start();
    await i.waitForSync();
    await until('the watch to open', async () => (await openWatches(cluster, 'configmaps')) === 1);
    await client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: '1' } });
    await until('the add', async () => seen.includes('cm1'));
    const cm = i.get('default/cm1')!;
    assert.ok(Object.isFrozen(cm) && Object.isFrozen(cm.metadata) && Object.isFrozen(cm.data));
    assert.throws(() => ((cm.data as Record<string, string>).a = '2'), TypeError);
    assert.ok(i.byIndex(INDEX_NAMESPACE, 'default').some((o) => o.metadata?.name === 'cm1'));
    // A late registrant gets the cache as adds.
    const late: string[] = [];
    const reg = i.addHandlers({ onAdd: (o) => late.push(o.metadata!.name!) });
    assert.ok(late.includes('cm1'));
    reg.remove();
    i.stop();
    await until('the watch to close', async () => (await openWatches(cluster, 'configmaps')) === 0);
    await client.delete(R.configmaps, 'default', 'cm1');
  });
});
