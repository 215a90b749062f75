// Kinds served at several versions sharing one storage, with the real kubectl (no agent), on SQLite and etcd:
// HorizontalPodAutoscalers created through one version and read, patched and watched through the
// other, and flowcontrol's FlowSchemas and PriorityLevelConfigurations with Kubernetes' defaults.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { kubectlBinary } from '../helpers/cluster.js';
import { forEachBackend } from '../helpers/backends.js';

// kubectl drops the version of a short name (hpa.v1.autoscaling reads the preferred v2, against
// Kubernetes too): the full resource name selects the version.
const V1 = 'horizontalpodautoscalers.v1.autoscaling';
const V2 = 'horizontalpodautoscalers.v2.autoscaling';

forEachBackend('multi-version kinds', (get) => {
  // A getter per use: the backend's cluster exists once the suite's before() ran.
  const c = () => get();
  const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c().kubectl(args, o);

  before(async () => {
    await k(['create', 'deployment', 'web', '--image=registry.k8s.io/hpa-example', '--replicas=1']);
  });

  test('discovery: autoscaling serves v2 (preferred) and v1', async () => {
    const g = (await c().request('GET', '/apis/autoscaling')).json;
    assert.deepEqual(
      g.versions.map((v: { version: string }) => v.version),
      ['v2', 'v1'],
    );
    assert.equal(g.preferredVersion.version, 'v2');
    const versions = (await k(['api-versions'])).stdout.split('\n');
    for (const gv of ['autoscaling/v1', 'autoscaling/v2', 'flowcontrol.apiserver.k8s.io/v1', 'flowcontrol.apiserver.k8s.io/v1beta3']) assert.ok(versions.includes(gv), gv);
    const res = (await k(['api-resources', '--api-group=autoscaling', '--no-headers'])).stdout;
    assert.match(res, /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler/m);
  });

  test('kubectl autoscale creates one; kubectl get hpa shows it', async () => {
    const out = (await k(['autoscale', 'deploy', 'web', '--min=1', '--max=5', '--cpu-percent=50'])).stdout;
    assert.match(out, /horizontalpodautoscaler.autoscaling\/web autoscaled/);
    const table = (await k(['get', 'hpa'])).stdout;
    assert.match(table, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/m);
    assert.match(table, /^web\s+Deployment\/web\s+cpu: <unknown>\/50%\s+1\s+5\s+0\s+\S+$/m);
  });

  test('one object, read at both versions', async () => {
    const v2 = JSON.parse((await k(['get', V2, 'web', '-o', 'json'])).stdout);
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    const v1yaml = (await k(['get', V1, 'web', '-o', 'yaml'])).stdout;
    assert.match(v1yaml, /^apiVersion: autoscaling\/v1$/m);
    assert.match(v1yaml, /^ {2}targetCPUUtilizationPercentage: 50$/m);
    assert.doesNotMatch(v1yaml, /metrics:/);
    const v1 = JSON.parse((await k(['get', V1, 'web', '-o', 'json'])).stdout);
    assert.equal(v1.metadata.uid, v2.metadata.uid, 'the same stored object');
    // The same resourceVersion at both versions, read between two v2 reads that agree (the HPA
    // controller may write the object's status at any time).
    for (let i = 0; ; i++) {
      const a = JSON.parse((await k(['get', V2, 'web', '-o', 'json'])).stdout).metadata.resourceVersion;
      const b = JSON.parse((await k(['get', V1, 'web', '-o', 'json'])).stdout).metadata.resourceVersion;
      const c2 = JSON.parse((await k(['get', V2, 'web', '-o', 'json'])).stdout).metadata.resourceVersion;
      if (a === c2 || i === 9) {
        assert.equal(b, a);
        break;
      }
    }
  });

  test('a v2-only object through v1: metrics and behavior kept in annotations, and back', async () => {
    await k(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'multi', namespace: 'default' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 10,
          metrics: [
            { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: 120, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
        },
      }),
    });
    const v1 = JSON.parse((await k(['get', V1, 'multi', '-o', 'json'])).stdout);
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 60, JSON.stringify(v1));
    assert.deepEqual(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics']), [{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } }]);
    assert.ok(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior']);
    // Replace through v1 with what v1 showed (a read-modify-write by a v1 client): nothing lost. A
    // conflict (the HPA controller wrote the status meanwhile) is retried, as such a client does.
    for (let i = 0; ; i++) {
      const current = JSON.parse((await k(['get', V1, 'multi', '-o', 'json'])).stdout);
      current.spec.maxReplicas = 12;
      const r = await k(['replace', '-f', '-'], { input: JSON.stringify(current), allowFail: true });
      if (r.code === 0) break;
      assert.match(r.stderr, /Conflict/, r.stderr);
      assert.ok(i < 9, 'replace kept conflicting');
    }
    const v2 = JSON.parse((await k(['get', V2, 'multi', '-o', 'json'])).stdout);
    assert.equal(v2.spec.maxReplicas, 12);
    for (const key of Object.keys(v2.metadata.annotations ?? {})) assert.doesNotMatch(key, /^autoscaling\.alpha\.kubernetes\.io\//, 'the round-trip annotations are not stored');
    assert.deepEqual(
      v2.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name),
      ['memory', 'cpu'],
    );
    assert.equal(v2.spec.behavior.scaleDown.stabilizationWindowSeconds, 120);
    assert.equal(v2.spec.behavior.scaleUp.selectPolicy, 'Max', 'behavior defaults filled');
  });

  test('patch through v1 (merge, strategic, json, server-side apply), read at v2', async () => {
    await k(['patch', V1, 'web', '--type=merge', '-p', '{"spec":{"targetCPUUtilizationPercentage":70}}']);
    let v2 = JSON.parse((await k(['get', V2, 'web', '-o', 'json'])).stdout);
    assert.equal(v2.spec.metrics[0].resource.target.averageUtilization, 70);
    await k(['patch', V1, 'web', '-p', '{"spec":{"maxReplicas":6}}']);
    await k(['patch', V1, 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/minReplicas","value":2}]']);
    v2 = JSON.parse((await k(['get', V2, 'web', '-o', 'json'])).stdout);
    assert.equal(v2.spec.maxReplicas, 6);
    assert.equal(v2.spec.minReplicas, 2);
    const manifest = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 7, targetCPUUtilizationPercentage: 40 } };
    await k(['apply', '--server-side', '--force-conflicts', '--field-manager=v1-applier', '-f', '-'], { input: JSON.stringify(manifest) });
    v2 = JSON.parse((await k(['get', V2, 'web', '-o', 'json', '--show-managed-fields'])).stdout);
    assert.equal(v2.spec.maxReplicas, 7);
    assert.equal(v2.spec.metrics[0].resource.target.averageUtilization, 40);
    const entry = v2.metadata.managedFields.find((m: { manager: string }) => m.manager === 'v1-applier');
    assert.equal(entry.operation, 'Apply');
    assert.equal(entry.apiVersion, 'autoscaling/v1', 'managedFields name the version the manager used');
    // Invalid through v1: Kubernetes' validation of the stored form.
    const bad = await k(['patch', V1, 'web', '--type=merge', '-p', '{"spec":{"minReplicas":9}}'], { allowFail: true });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec.maxReplicas: Invalid value: 7: must be greater than or equal to `minReplicas`/);
  });

  test('field ownership across versions: an apply at v1 conflicts with a v2 owner of what it changes', async () => {
    const v2 = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'owned', namespace: 'default' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    };
    await k(['apply', '--server-side', '--field-manager=v2-owner', '-f', '-'], { input: JSON.stringify(v2) });
    const v1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'owned', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 30 } };
    const refused = await k(['apply', '--server-side', '--field-manager=v1-owner', '-f', '-'], { input: JSON.stringify(v1), allowFail: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /conflict with "v2-owner" using autoscaling\/v2: \.spec\.metrics/);
    await k(['apply', '--server-side', '--force-conflicts', '--field-manager=v1-owner', '-f', '-'], { input: JSON.stringify(v1) });
    const got = JSON.parse((await k(['get', V2, 'owned', '-o', 'json', '--show-managed-fields'])).stdout);
    assert.equal(got.spec.metrics[0].resource.target.averageUtilization, 30);
    const owner = got.metadata.managedFields.find((m: { manager: string }) => m.manager === 'v2-owner');
    assert.ok(owner.fieldsV1['f:spec']['f:maxReplicas'], 'the unchanged field stays shared');
    assert.equal(owner.fieldsV1['f:spec']['f:metrics'], undefined, 'the v2 owner lost the metrics the v1 apply took');
    // An ordinary update through v2 takes the field from the v1 applier, seen at v1.
    await k(['patch', V2, 'owned', '--type=merge', '--field-manager=v2-patcher', '-p', '{"spec":{"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":45}}}]}}']);
    const after = JSON.parse((await k(['get', V2, 'owned', '-o', 'json', '--show-managed-fields'])).stdout);
    const v1owner = after.metadata.managedFields.find((m: { manager: string }) => m.manager === 'v1-owner');
    assert.equal(v1owner.fieldsV1['f:spec']['f:targetCPUUtilizationPercentage'], undefined);
    await k(['delete', V2, 'owned']);
  });

  test('field and label selectors evaluated on the requested version; tables at v1', async () => {
    await k(['label', 'hpa', 'web', 'tier=front']);
    const names = (await k(['get', V1, '-l', 'tier=front', '--field-selector', 'metadata.name=web', '-o', 'name'])).stdout.trim();
    assert.equal(names, 'horizontalpodautoscaler.autoscaling/web');
    const table = (await k(['get', V1, 'multi'])).stdout;
    // REPLICAS is the HPA controller's status.currentReplicas (0 until it has looked at the target).
    assert.match(table, /^multi\s+Deployment\/web\s+memory: <unknown>\/500Mi, cpu: <unknown>\/60%\s+1\s+12\s+\d+\s+\S+$/m);
    const list = (await c().request('GET', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers')).json;
    assert.equal(list.apiVersion, 'autoscaling/v1');
    assert.ok(list.items.every((i: { apiVersion: string; spec: Record<string, unknown> }) => i.apiVersion === 'autoscaling/v1' && !('metrics' in i.spec)));
  });

  test('a v1 watch sees v1 objects: initial events, changes and bookmarks', async () => {
    const path = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=20';
    const events: { type: string; object: { apiVersion: string; metadata: { name?: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> } }[] = [];
    const child = spawn(kubectlBinary, ['--kubeconfig', c().kubeconfig, 'get', '--raw', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let patched = false;
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watch saw ${JSON.stringify(events.map((e) => [e.type, e.object.metadata.name]))}`)), 15_000);
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line));
          nl = buf.indexOf('\n');
        }
        if (!patched && events.some((e) => e.type === 'BOOKMARK')) {
          patched = true;
          k(['patch', V2, 'web', '--type=merge', '-p', '{"spec":{"maxReplicas":8}}']).catch(reject);
        }
        // The HPA controller writes status too (MODIFIED events of its own): wait for the patch's.
        if (events.some((e) => e.type === 'MODIFIED' && e.object.metadata.name === 'web' && e.object.spec?.maxReplicas === 8)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      await seen;
    } finally {
      child.kill();
    }
    const added = events.filter((e) => e.type === 'ADDED');
    assert.deepEqual(added.map((e) => e.object.metadata.name).sort(), ['multi', 'web']);
    for (const e of events) assert.equal(e.object.apiVersion, 'autoscaling/v1', `${e.type} event at v1`);
    const bookmark = events.find((e) => e.type === 'BOOKMARK')!;
    assert.equal(bookmark.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
    const modified = events.find((e) => e.type === 'MODIFIED' && e.object.spec?.maxReplicas === 8)!;
    assert.equal(modified.object.spec?.maxReplicas, 8);
    assert.equal(modified.object.spec?.targetCPUUtilizationPercentage, 40);
  });

  test('kubectl get hpa.v1.autoscaling -w prints v1 rows', async () => {
    const child = spawn(kubectlBinary, ['--kubeconfig', c().kubeconfig, 'get', V1, 'web', '-w', '--request-timeout=20s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`kubectl -w printed: ${out}`)), 15_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/^web\s+Deployment\/web\s+cpu: <unknown>\/40%\s+2\s+8\s/m.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      child.kill();
    }
  });

  test('delete through v1 answers with the v1 object while a finalizer holds it, then it is gone', async () => {
    // Once gone, an HPA's delete answers with a Success Status (its storage does not return deleted
    // objects); while a finalizer holds it, with the object, in the version asked for.
    const path = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/multi';
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    assert.equal((await c().request('PATCH', path, { metadata: { finalizers: ['example.com/hold'] } }, merge)).status, 200);
    const r = await c().request('DELETE', path);
    assert.equal(r.status, 200);
    assert.equal(r.json.apiVersion, 'autoscaling/v1');
    assert.equal(r.json.spec.targetCPUUtilizationPercentage, 60);
    assert.ok(r.json.metadata.deletionTimestamp);
    assert.equal((await c().request('PATCH', path, { metadata: { finalizers: null } }, merge)).status, 200);
    assert.equal((await c().request('GET', path)).status, 404);
  });

  test('kubectl explain hpa.spec.metrics --api-version=autoscaling/v2', async () => {
    const out = (await k(['explain', 'hpa.spec.metrics', '--api-version=autoscaling/v2'])).stdout;
    assert.match(out, /GROUP:\s+autoscaling/);
    assert.match(out, /VERSION:\s+v2/);
    assert.match(out, /FIELD:\s+metrics <\[\]MetricSpec>/);
    assert.match(out, /containerResource\s+<ContainerResourceMetricSource>/);
    const v1 = (await k(['explain', 'hpa.spec', '--api-version=autoscaling/v1'])).stdout;
    assert.match(v1, /targetCPUUtilizationPercentage\s+<integer>/);
  });

  test('kubectl get flowschemas / prioritylevelconfigurations list Kubernetes 1.32 defaults', async () => {
    const fs = (await k(['get', 'flowschemas'])).stdout;
    assert.match(fs, /^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL$/m);
    for (const name of ['exempt', 'probes', 'system-leader-election', 'endpoint-controller', 'workload-leader-election', 'system-node-high', 'system-nodes', 'kube-controller-manager', 'kube-scheduler', 'kube-system-service-accounts', 'service-accounts', 'global-default', 'catch-all']) {
      assert.match(fs, new RegExp(`^${name}\\s`, 'm'), `flowschema ${name}`);
    }
    assert.match(fs, /^exempt\s+exempt\s+1\s+<none>\s/m);
    assert.match(fs, /^catch-all\s+catch-all\s+10000\s+ByUser\s/m);
    const pl = (await k(['get', 'prioritylevelconfigurations'])).stdout;
    assert.match(pl, /^NAME\s+TYPE\s+NOMINALCONCURRENCYSHARES\s+QUEUES\s+HANDSIZE\s+QUEUELENGTHLIMIT\s+AGE$/m);
    assert.match(pl, /^exempt\s+Exempt\s+<none>\s+<none>\s+<none>\s+<none>\s/m);
    assert.match(pl, /^catch-all\s+Limited\s+5\s+<none>\s+<none>\s+<none>\s/m);
    assert.match(pl, /^workload-low\s+Limited\s+100\s+128\s+6\s+50\s/m);
    for (const name of ['system', 'node-high', 'leader-election', 'workload-high', 'global-default']) assert.match(pl, new RegExp(`^${name}\\s+Limited`, 'm'));
    const beta = JSON.parse((await k(['get', 'prioritylevelconfigurations.v1beta3.flowcontrol.apiserver.k8s.io', 'exempt', '-o', 'json'])).stdout);
    assert.equal(beta.apiVersion, 'flowcontrol.apiserver.k8s.io/v1beta3');
    assert.equal(beta.metadata.annotations['apf.kubernetes.io/autoupdate-spec'], 'true');
  });

  test('flowcontrol bootstrap at restart: mandatory restored, suggested changes kept unless autoupdate', async () => {
    await k(['patch', 'prioritylevelconfiguration', 'catch-all', '--type=merge', '-p', '{"spec":{"limited":{"nominalConcurrencyShares":7}}}']);
    await k(['patch', 'prioritylevelconfiguration', 'workload-low', '--type=merge', '-p', '{"metadata":{"annotations":{"apf.kubernetes.io/autoupdate-spec":"false"}},"spec":{"limited":{"nominalConcurrencyShares":3}}}']);
    await k(['patch', 'prioritylevelconfiguration', 'workload-high', '--type=merge', '-p', '{"spec":{"limited":{"nominalConcurrencyShares":3}}}']);
    await k(['delete', 'flowschema', 'service-accounts']);
    // Invalid objects are refused with Kubernetes' messages.
    const bad = await k(['create', '-f', '-'], { allowFail: true, input: JSON.stringify({ apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'bad' }, spec: { priorityLevelConfiguration: { name: 'x' }, matchingPrecedence: 1, rules: [{ subjects: [] }] } }) });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /only the schema named 'exempt' may have matchingPrecedence 1/);
    assert.match(bad.stderr, /subjects must contain at least one value/);
    await c().restart();
    const shares = async (name: string) => JSON.parse((await k(['get', 'prioritylevelconfiguration', name, '-o', 'json'])).stdout).spec.limited.nominalConcurrencyShares;
    assert.equal(await shares('catch-all'), 5, 'mandatory restored');
    assert.equal(await shares('workload-low'), 3, 'autoupdate-spec=false keeps the change');
    assert.equal(await shares('workload-high'), 40, 'autoupdate-spec=true restores the suggested spec');
    await k(['get', 'flowschema', 'service-accounts']);
  });
});
