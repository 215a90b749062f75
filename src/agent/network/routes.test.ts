// Routes between nodes: the plan (pure), and the controller against a real API server programming
// the real kernel routing table of a network namespace this test creates (a veth pair stands in
// for the node's network), including a next hop the kernel refuses (event) and a node that leaves.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KObject } from '../../api/kind.js';
import { startCluster, type Cluster } from '../../../test/helpers/cluster.js';
import { clientConfigFromKubeconfig } from '../../client/kubeconfig.js';
import { R } from '../../client/resources.js';
import { RestClient } from '../../client/rest.js';
import { logger } from '../../util/log.js';
import { SIMULATED_NODE_LABEL } from '../../api/simulated-nodes.js';
import { clusterPodCIDRs, diffRoutes, planRoutes, removeRoutes, routesStateFile, startRouteController, type RouteController } from './routes.js';
import { listPodRoutes, replacePodRoute, RouteError } from './route-table.js';
import { podSourceTableName } from './pod-source-ips.js';

const run = promisify(execFile);
const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'routes need Linux and root (network namespaces)' : false;

const node = (name: string, podCIDR?: string, ip?: string): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status: ip
      ? {
          addresses: [
            { type: 'InternalIP', address: ip },
            { type: 'Hostname', address: name },
          ],
        }
      : {},
  }) as KObject;

describe('planRoutes and diffRoutes', () => {
  it('routes every other node with a pod CIDR and an InternalIP, and skips nodes on this host', () => {
    const nodes = [node('me', '10.42.0.0/24', '192.168.1.10'), node('b', '10.42.1.0/24', '192.168.1.11'), node('no-cidr', undefined, '192.168.1.12'), node('no-ip', '10.42.3.0/24'), node('same-host', '10.42.4.0/24', '127.0.0.1'), node('bridged-here', '10.42.5.0/24', '192.168.1.15')];
    const { wanted, skipped } = planRoutes(nodes, 'me', new Set(['127.0.0.1', '192.168.1.10']), new Set(['10.42.5.0/24']));
    assert.deepEqual(wanted, [{ node: 'b', dst: '10.42.1.0/24', via: '192.168.1.11' }]);
    assert.deepEqual(
      skipped.map((s) => s.node),
      ['same-host', 'bridged-here'],
    );
  });

  it('never routes to simulated nodes: marked ones, pod CIDRs in their range, loopback InternalIPs', () => {
    const marked = node('sim-0', '10.42.6.0/24', '192.168.1.16');
    marked.metadata!.labels = { [SIMULATED_NODE_LABEL]: 'true' };
    const nodes = [node('me', '10.42.0.0/24', '192.168.1.10'), marked, node('sim-range', '198.18.4.0/24', '192.168.1.17'), node('wide', '198.0.0.0/8', '192.168.1.18'), node('loop', '10.42.9.0/24', '127.0.0.5'), node('b', '10.42.1.0/24', '192.168.1.11')];
    const { wanted, skipped } = planRoutes(nodes, 'me', new Set(['192.168.1.10']), new Set());
    assert.deepEqual(wanted, [{ node: 'b', dst: '10.42.1.0/24', via: '192.168.1.11' }]);
    assert.deepEqual(
      skipped.map((s) => `${s.node}: ${s.reason}`),
      ['sim-0: it is a simulated node', "sim-range: its pod CIDR 198.18.4.0/24 overlaps the simulated pods' range", "wide: its pod CIDR 198.0.0.0/8 overlaps the simulated pods' range", 'loop: its InternalIP 127.0.0.5 is a loopback address'],
    );
    assert.deepEqual(clusterPodCIDRs(nodes), ['10.42.0.0/24', '10.42.1.0/24', '10.42.9.0/24']);
  });

  it('replaces missing or moved routes and removes only owned routes that are no longer wanted', () => {
    const wanted = [
      { dst: '10.42.1.0/24', via: '192.168.1.11' },
      { dst: '10.42.2.0/24', via: '192.168.1.12' },
    ];
    const current = [
      { dst: '10.42.1.0/24', via: '192.168.1.11' },
      { dst: '10.42.2.0/24', via: '192.168.1.99' },
      { dst: '10.42.7.0/24', via: '192.168.1.17' },
      { dst: '10.42.8.0/24', via: '192.168.1.18' },
    ];
    const d = diffRoutes(wanted, current, new Set(['10.42.7.0/24']));
    assert.deepEqual(d.replace, [{ dst: '10.42.2.0/24', via: '192.168.1.12' }]);
    assert.deepEqual(d.remove, [{ dst: '10.42.7.0/24', via: '192.168.1.17' }]);
  });
});

describe('route controller on a real routing table', { skip }, () => {
  const rand = Math.floor(Math.random() * 200) + 20;
  const netns = `gfrt-${process.pid}-${rand}`;
  const subnet = `10.251.${rand}`; // the "node network" on a dummy link inside our own netns
  let cluster: Cluster;
  let client: RestClient;
  let dataDir: string;
  let ctl: RouteController | undefined;

  const until = async (what: string, fn: () => Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await fn().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
  };
  const routes = async () => (await listPodRoutes({ netns })).map((r) => `${r.dst} via ${r.via}`).sort();
  const bridge = `gfrtb${rand}`;
  /** Elements of the agent's pod CIDR set in the test namespace; undefined when the table is absent. */
  const podCIDRSet = async (): Promise<string[] | undefined> => {
    try {
      const { stdout } = await run('ip', ['netns', 'exec', netns, 'nft', '-j', 'list', 'set', 'ip', podSourceTableName(bridge), 'pod-cidrs']);
      const set = (JSON.parse(stdout).nftables as { set?: { elem?: ({ prefix: { addr: string; len: number } } | string)[] } }[]).find((x) => x.set)!.set!;
      return (set.elem ?? []).map((e) => (typeof e === 'string' ? `${e}/32` : `${e.prefix.addr}/${e.prefix.len}`)).sort();
    } catch {
      return undefined;
    }
  };
  const createNode = async (n: KObject) => {
    await client.create(R.nodes, undefined, n);
    await client.patch(R.nodes, undefined, n.metadata!.name!, { status: n.status }, 'merge', 'status');
  };

  before(async () => {
    if (skip) return;
    await run('ip', ['netns', 'add', netns]);
    await run('ip', ['-n', netns, 'link', 'add', 'node0', 'type', 'veth', 'peer', 'name', 'node0p']);
    await run('ip', ['-n', netns, 'addr', 'add', `${subnet}.1/24`, 'dev', 'node0']);
    await run('ip', ['-n', netns, 'link', 'set', 'node0', 'up']);
    await run('ip', ['-n', netns, 'link', 'set', 'node0p', 'up']);
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    client = new RestClient(await clientConfigFromKubeconfig(cluster.kubeconfig));
    dataDir = await mkdtemp(join(tmpdir(), 'gifee-routes-'));
  });
  after(async () => {
    ctl?.stop();
    client?.close();
    await cluster?.stop();
    await run('ip', ['netns', 'delete', netns]).catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the kernel refuses a next hop off every connected network, with a clear error', async () => {
    await assert.rejects(replacePodRoute({ dst: '10.77.9.0/24', via: '198.51.100.7' }, { netns }), (e: Error) => e instanceof RouteError && /not on a network directly connected/.test(e.message));
  });

  it('adds routes to other nodes, follows changes and departures, reports unroutable nodes, and reset removes its own', async () => {
    await createNode(node('self', '10.77.0.0/24', `${subnet}.1`));
    await createNode(node('b', '10.77.1.0/24', `${subnet}.2`));
    // A route someone else installed with our marker is not ours to remove.
    await run('ip', ['-n', netns, 'route', 'add', '10.77.200.0/24', 'via', `${subnet}.200`, 'proto', '77']);
    ctl = startRouteController({ client, nodeName: 'self', log: logger('routes-test'), dataDir, resyncMs: 500, bridge, table: { netns } });
    await ctl.ready;
    assert.deepEqual(await routes(), [`10.77.1.0/24 via ${subnet}.2`, `10.77.200.0/24 via ${subnet}.200`]);
    // Every node's pod CIDR (this node's too) in the set whose traffic keeps pod source IPs.
    assert.deepEqual(await podCIDRSet(), ['10.77.0.0/24', '10.77.1.0/24']);

    await createNode(node('c', '10.77.2.0/24', `${subnet}.3`));
    await until('route to c', async () => (await routes()).includes(`10.77.2.0/24 via ${subnet}.3`));
    await until('c in the pod CIDR set', async () => (await podCIDRSet())?.includes('10.77.2.0/24') ?? false);
    // c moves to another IP: its route follows.
    await client.patch(R.nodes, undefined, 'c', { status: { addresses: [{ type: 'InternalIP', address: `${subnet}.4` }] } }, 'merge', 'status');
    await until('route to c moved', async () => (await routes()).includes(`10.77.2.0/24 via ${subnet}.4`));

    // A node whose IP is not on a connected network: no route, a warning event on that node.
    await createNode(node('far', '10.77.3.0/24', '198.51.100.9'));
    await until('FailedToCreateRoute event', async () => {
      const evs = await client.list(R.events, 'default', { fieldSelector: 'involvedObject.name=far' });
      return evs.items.some((e) => (e as { reason?: string; message?: string }).reason === 'FailedToCreateRoute' && /198\.51\.100\.9/.test(String((e as { message?: string }).message)));
    });

    // A route deleted behind our back is repaired by the resync.
    await run('ip', ['-n', netns, 'route', 'delete', '10.77.1.0/24']);
    await until('route to b repaired', async () => (await routes()).includes(`10.77.1.0/24 via ${subnet}.2`));

    // b leaves: its route goes.
    await client.delete(R.nodes, undefined, 'b');
    await until('route to b removed', async () => !(await routes()).some((r) => r.startsWith('10.77.1.0/24')));
    ctl.stop();
    ctl = undefined;
    // Stop leaves the routes (traffic keeps flowing across an agent restart).
    assert.deepEqual(await routes(), [`10.77.2.0/24 via ${subnet}.4`, `10.77.200.0/24 via ${subnet}.200`]);
    assert.match(await readFile(routesStateFile(dataDir), 'utf8'), /10\.77\.2\.0\/24/);

    // c leaves while no controller runs: the next start removes its route (it remembers it installed it).
    await client.delete(R.nodes, undefined, 'c');
    ctl = startRouteController({ client, nodeName: 'self', log: logger('routes-test'), dataDir, bridge, table: { netns } });
    await ctl.ready;
    assert.deepEqual(await routes(), [`10.77.200.0/24 via ${subnet}.200`]);

    // Reset removes this agent's routes only.
    await createNode(node('d', '10.77.4.0/24', `${subnet}.5`));
    await until('route to d', async () => (await routes()).includes(`10.77.4.0/24 via ${subnet}.5`));
    ctl.stop();
    ctl = undefined;
    await removeRoutes(dataDir, { bridge, netns });
    assert.deepEqual(await routes(), [`10.77.200.0/24 via ${subnet}.200`]);
    assert.equal(await podCIDRSet(), undefined, 'the nftables table is removed by reset');
  });
});
