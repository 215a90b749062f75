// A controller manager whose lease renewals stop getting answers (a dead connection, an overloaded
// server) steps down cleanly once renewDeadline passes: its controllers stop. It then campaigns
// again on its own, so it (once its requests get through again) or a standby leads within the lease
// duration, and a Deployment created afterwards gets its ReplicaSet.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';
import { clientConfigFromKubeconfig } from '../../src/client/kubeconfig.js';
import { startControllerManager } from '../../src/controllers/manager.js';
import { RestClient, type ClientConfig } from '../../src/client/rest.js';
import type { Logger } from '../../src/util/log.js';

const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };

/** A client whose requests, while stalled, are never answered, even after it recovers (as on a dead connection). */
class StallingClient extends RestClient {
  stalled = false;
  override request<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    if (this.stalled) return new Promise<T>(() => {});
    return super.request<T>(method, path, body, headers);
  }
}

function captureLogger(lines: string[], base: Record<string, unknown> = {}): Logger {
  const emit = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push(JSON.stringify({ level, msg, ...base, ...fields }));
  return { debug: () => {}, info: emit('info'), warn: emit('warn'), error: emit('error'), child: (f) => captureLogger(lines, { ...base, ...f }) };
}

describe('leader step-down and recovery', () => {
  let cluster: Cluster;
  let config: ClientConfig;
  const stops: (() => Promise<void>)[] = [];
  before(async () => {
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    config = await clientConfigFromKubeconfig(cluster.kubeconfig);
  });
  after(async () => {
    for (const s of stops) await s().catch(() => undefined);
    await cluster?.stop();
  });

  const holder = async () => (await cluster.kubectl(['get', 'lease', '-n', 'kube-system', 'gifee-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout;
  const count = (lines: string[], msg: string) => lines.filter((l) => JSON.parse(l).msg === msg).length;
  async function manager(identity: string, lines: string[], client?: RestClient) {
    const cm = await startControllerManager({ server: config.server, ca: config.ca, cert: config.cert!, key: config.key!, log: captureLogger(lines), leaderElection: { identity, ...timing, client } });
    let stopped = false;
    const stop = async () => {
      if (!stopped) await cm.stop();
      stopped = true;
    };
    stops.push(stop);
    return stop;
  }
  async function deploymentGetsReplicaSet(name: string) {
    await cluster.kubectl(['create', 'deployment', name, '--image=gifee.local/web:1']);
    await until(`a ReplicaSet for ${name}`, async () => (await cluster.kubectl(['get', 'rs', '-l', `app=${name}`, '-o', 'name'])).stdout.trim() !== '', {
      context: async () => `lease holder: ${await holder()}`,
    });
  }

  it('a leader that cannot renew steps down and, once it can, leads again on its own', async () => {
    const client = new StallingClient(config);
    stops.push(async () => client.close());
    const lines: string[] = [];
    await manager('solo', lines, client);
    await until('solo leads', async () => (await holder()) === 'solo');
    await deploymentGetsReplicaSet('before-stall');

    // On a loaded machine a renewal may already have missed its deadline before the stall (and solo
    // led again): count from here.
    const stopsBefore = count(lines, 'controllers stopped');
    const startsBefore = count(lines, 'controllers started');
    const becameBefore = count(lines, 'became leader');
    client.stalled = true;
    await until('solo steps down', async () => count(lines, 'controllers stopped') > stopsBefore, { context: () => lines.join('\n') });
    assert.ok(lines.some((l) => l.includes('could not renew the lease within renewDeadline; stepping down')));
    // Its lease is still in the store with its name: nobody else took it.
    assert.equal(await holder(), 'solo');

    client.stalled = false;
    await until('solo leads again', async () => count(lines, 'controllers started') > startsBefore, { context: () => lines.join('\n') });
    assert.ok(count(lines, 'became leader') > becameBefore);
    await deploymentGetsReplicaSet('after-stall');
    await stops[stops.length - 1]();
  });

  it('while the leader cannot renew, a standby takes over; the old leader rejoins as a candidate', async () => {
    const client = new StallingClient(config);
    stops.push(async () => client.close());
    const aLines: string[] = [];
    const bLines: string[] = [];
    await manager('cm-a', aLines, client);
    await until('cm-a leads', async () => (await holder()) === 'cm-a');
    const stopB = await manager('cm-b', bLines);

    client.stalled = true;
    await until('cm-b takes over', async () => (await holder()) === 'cm-b', { context: () => [...aLines, ...bLines].join('\n') });
    await until('cm-a stopped its controllers', async () => count(aLines, 'controllers stopped') === 1);
    await deploymentGetsReplicaSet('standby-leads');
    assert.equal(count(aLines, 'controllers started'), 1, 'cm-a has not led again');

    // cm-a's requests get through again: it stays a standby while cm-b renews, and takes over when cm-b goes.
    client.stalled = false;
    await stopB();
    await until('cm-a leads again', async () => (await holder()) === 'cm-a', { context: () => aLines.join('\n') });
    await until('cm-a started its controllers', async () => count(aLines, 'controllers started') === 2);
    await deploymentGetsReplicaSet('old-leader-back');
  });
});
