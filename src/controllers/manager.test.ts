// The controller manager against a real API server: all its controllers share one watch per
// resource, and once stopped (as when it loses its lease) it keeps no watch open, even when stopped
// while its informers' first lists are still in flight.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../../test/helpers/cluster.js';
import { openWatches } from '../../test/helpers/watch-count.js';
import { until } from '../../test/helpers/wait.js';
import { clientConfigFromKubeconfig } from '../client/kubeconfig.js';
import { logger } from '../util/log.js';
import { startControllerManager } from './manager.js';

const RESOURCES: [string, string?][] = [['pods'], ['nodes'], ['services'], ['namespaces'], ['replicasets', 'apps'], ['deployments', 'apps'], ['endpointslices', 'discovery.k8s.io']];
const total = async (c: Cluster) => (await Promise.all(RESOURCES.map(([r, g]) => openWatches(c, r, g)))).reduce((a, b) => a + b, 0);

describe('controller manager', () => {
  let cluster: Cluster;
  let creds: { server: string; ca: string; cert: string; key: string };
  before(async () => {
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    const cfg = await clientConfigFromKubeconfig(cluster.kubeconfig);
    creds = { server: cfg.server, ca: String(cfg.ca), cert: String(cfg.cert), key: String(cfg.key) };
  });
  after(async () => cluster?.stop());

  it('keeps one pods watch for all its controllers and none once stopped', async () => {
    const cm = await startControllerManager({ ...creds, leaderElection: false, log: logger('test') });
    await until('the controllers to watch pods', async () => (await openWatches(cluster, 'pods')) >= 1, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 500)); // any second pods watch would be open by now
    assert.equal(await openWatches(cluster, 'pods'), 1);
    assert.equal(await openWatches(cluster, 'replicasets', 'apps'), 1);
    await cm.stop();
    await until('every watch to close', async () => (await total(cluster)) === 0, { timeoutMs: 10_000 });
  });

  it('opens no watch after a stop that came during the first lists', async () => {
    const cm = await startControllerManager({ ...creds, leaderElection: false, log: logger('test') });
    await cm.stop();
    await new Promise((r) => setTimeout(r, 1000)); // the lists in flight come back meanwhile
    assert.equal(await total(cluster), 0);
  });
});
