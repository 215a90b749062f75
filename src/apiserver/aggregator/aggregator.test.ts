import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KindDef, KObject } from '../../api/kind.js';
import { builtinKinds } from '../../api/kinds/index.js';
import { KindRegistry } from '../../api/registry.js';
import { kindSchema } from '../../api/meta.js';
import { openStore } from '../../store/index.js';
import { logger } from '../../util/log.js';
import { ApiState } from '../context.js';
import { Aggregator } from './index.js';
import type { APIService } from '../../api/kinds/apiregistration/apiservice.js';

async function eventually(what: string, ok: () => Promise<boolean> | boolean) {
  for (let i = 0; i < 300; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out: ${what}`);
}

const widget: KindDef = { custom: true, group: 'stable.example.com', version: 'v1', kind: 'Widget', plural: 'widgets', singular: 'widget', namespaced: true, schema: kindSchema('com.example.stable.v1.Widget', 'A test kind.', {}) };

test('local APIServices follow the registry; remote ones get Available False with the reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-aggregator-'));
  const store = await openStore({ backend: 'sqlite', dataDir: dir });
  const state = new ApiState(store, new KindRegistry(builtinKinds), logger('test'));
  const headers = { usernameHeaders: ['X-Remote-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] };
  const agg = new Aggregator(state, { proxyClient: { headers }, checkIntervalMs: 60_000 });
  const apiservices = state.objects(state.registry.byResource('apiregistration.k8s.io', 'v1', 'apiservices')!);
  const services = state.objects(state.registry.byResource('', 'v1', 'services')!);
  const get = async (name: string) => (await apiservices.get(undefined, name))?.obj as APIService | undefined;
  try {
    await agg.start();
    const core = await get('v1.');
    assert.equal(core?.metadata?.labels?.['kube-aggregator.kubernetes.io/automanaged'], 'onstart');
    assert.deepEqual(
      core?.status?.conditions?.map((c) => c.reason),
      ['Local'],
    );
    assert.ok(await get('v1.apps'));
    assert.ok(await get('v2.autoscaling'));

    // A kind of a new group added at run time (a CRD) gets its APIService, and loses it on removal.
    state.registry.add(widget);
    await eventually('v1.stable.example.com created', async () => !!(await get('v1.stable.example.com')));
    assert.equal((await get('v1.stable.example.com'))?.metadata?.labels?.['kube-aggregator.kubernetes.io/automanaged'], 'true');
    state.registry.remove('stable.example.com', 'v1', 'widgets');
    await eventually('v1.stable.example.com removed', async () => !(await get('v1.stable.example.com')));

    // (metrics.k8s.io is served locally by gifee: the custom metrics API is the extension here.)
    const remote: KObject = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.custom.metrics.k8s.io', uid: 'u' },
      spec: { group: 'custom.metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'kube-system', name: 'metrics-server', port: 443 } },
    };
    await apiservices.create(remote);
    const reason = async () => (await get('v1beta1.custom.metrics.k8s.io'))?.status?.conditions?.find((c) => c.type === 'Available');
    await eventually('ServiceNotFound', async () => (await reason())?.reason === 'ServiceNotFound');
    assert.equal((await reason())?.message, 'service/metrics-server in "kube-system" is not present');
    assert.equal((await reason())?.status, 'False');

    // A Service that does not listen on the APIService's port.
    await services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: 'kube-system', uid: 's' }, spec: { ports: [{ name: 'https', port: 8443 }] } });
    await apiservices.guaranteedUpdate(undefined, 'v1beta1.custom.metrics.k8s.io', (o) => ({ ...o, spec: { ...(o.spec as object), versionPriority: 99 } }));
    await eventually('ServicePortError', async () => (await reason())?.reason === 'ServicePortError');

    // Requests for it are refused with 503 before anything is dialled; the group is not in discovery.
    const a = agg.serviceFor('/apis/custom.metrics.k8s.io/v1beta1/namespaces/x/pods/*/requests');
    assert.ok(a);
    assert.equal(agg.serviceFor('/apis/apps/v1/deployments'), undefined);
    await assert.rejects(agg.proxy({ headers: {} } as IncomingMessage, {} as ServerResponse, new URL('https://x/apis/custom.metrics.k8s.io/v1beta1'), a!, { name: 'u', groups: [] }), /service unavailable/);
    assert.deepEqual(agg.availableExtensions(), []);
  } finally {
    agg.close();
    state.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
