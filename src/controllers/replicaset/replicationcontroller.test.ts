// The replicaset controller driving ReplicationControllers, against a real API server in this
// process (no other controllers, no scheduler, no agent): pods owned by the RC as its controller,
// scaling both ways through the scale subresource, status with observedGeneration, ReplicaFailure
// when pods are refused, and adoption of a matching orphan.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInProcessApi, type InProcessApi } from '../../../test/helpers/in-process-api.js';
import { until } from '../../../test/helpers/wait.js';
import type { KObject } from '../../api/kind.js';
import { InformerFactory } from '../../client/informer-factory.js';
import { clientConfigFromKubeconfig } from '../../client/kubeconfig.js';
import { R } from '../../client/resources.js';
import { RestClient } from '../../client/rest.js';
import { logger } from '../../util/log.js';
import { REPLICATION_CONTROLLER } from './kinds.js';
import { ReplicaSetController } from './replicaset.js';

const NS = 'default';
const rcObj = (name: string, replicas: number, podSpec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name },
  spec: { replicas, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }], ...podSpec } } },
});

describe('replicationcontroller (the replicaset controller driving v1 RCs)', () => {
  let api: InProcessApi;
  let client: RestClient;
  let factory: InformerFactory;
  let controller: ReplicaSetController;
  const podsOf = async (app: string) => ((await client.list(R.pods, NS, { labelSelector: `app=${app}` })).items ?? []).filter((p) => !p.metadata?.deletionTimestamp);
  const rcNamed = async (name: string) => (await client.get(R.replicationcontrollers, NS, name)) as KObject & { status?: Record<string, unknown> };

  before(async () => {
    api = await startInProcessApi();
    client = new RestClient(await clientConfigFromKubeconfig(api.kubeconfig));
    factory = new InformerFactory(client, logger('test'));
    controller = new ReplicaSetController(client, factory, logger('test'), REPLICATION_CONTROLLER);
    controller.start();
  });
  after(async () => {
    controller?.stop();
    factory?.stop();
    client?.close();
    await api?.stop();
  });

  it('creates the pods, owned by the RC, and reports status', async () => {
    const rc = await client.create(R.replicationcontrollers, NS, rcObj('web', 3));
    await until('3 pods', async () => (await podsOf('web')).length === 3);
    for (const p of await podsOf('web')) {
      const ref = p.metadata?.ownerReferences?.[0];
      assert.deepEqual(ref, { apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: rc.metadata?.uid, controller: true, blockOwnerDeletion: true });
      assert.match(p.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
    }
    await until('status replicas 3', async () => {
      const s = (await rcNamed('web')).status;
      return s?.replicas === 3 && s?.fullyLabeledReplicas === 3 && s?.readyReplicas === 0 && s?.availableReplicas === 0 && s?.observedGeneration === 1;
    });
  });

  it('scales down and up through the scale subresource', async () => {
    await client.patch(R.replicationcontrollers, NS, 'web', { spec: { replicas: 1 } }, 'merge', 'scale');
    await until('1 pod', async () => (await podsOf('web')).length === 1);
    await until('status replicas 1', async () => (await rcNamed('web')).status?.replicas === 1);
    const scale = await client.request('GET', '/api/v1/namespaces/default/replicationcontrollers/web/scale');
    assert.equal((scale.status as { selector?: string }).selector, 'app=web');
    await client.patch(R.replicationcontrollers, NS, 'web', { spec: { replicas: 2 } }, 'merge', 'scale');
    await until('2 pods', async () => (await podsOf('web')).length === 2);
  });

  it('adopts a matching orphan instead of creating a pod', async () => {
    await client.create(R.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', labels: { app: 'adopt' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } });
    await client.create(R.replicationcontrollers, NS, rcObj('adopt', 1));
    await until('the orphan adopted', async () => {
      const p = await client.get(R.pods, NS, 'orphan');
      return p.metadata?.ownerReferences?.[0]?.kind === 'ReplicationController';
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      (await podsOf('adopt')).map((p) => p.metadata?.name),
      ['orphan'],
    );
  });

  it('reports ReplicaFailure when its pods are refused', async () => {
    await client.create(R.replicationcontrollers, NS, rcObj('refused', 2, { priorityClassName: 'no-such-class' }));
    await until('a ReplicaFailure condition', async () => {
      const c = ((await rcNamed('refused')).status?.conditions as { type: string; reason: string; message: string }[] | undefined)?.find((x) => x.type === 'ReplicaFailure');
      return c?.reason === 'FailedCreate' && /no-such-class/.test(c.message);
    });
    assert.equal((await podsOf('refused')).length, 0);
  });
});
