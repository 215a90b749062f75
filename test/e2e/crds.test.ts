// CustomResourceDefinitions with the real kubectl against a real gifee server (controllers
// included, no agent): CRDs in the shapes of cert-manager's Certificate, the Prometheus operator's
// ServiceMonitor and Prometheus and Gateway API's Gateway and HTTPRoute are applied and
// established; their objects are created, listed with printer columns, explained, patched (merge,
// JSON; strategic merge refused), applied server-side, scaled, watched, read through another
// version, collected by the garbage collector and deleted with their CRD; conflicting names are
// reported; the kinds survive a restart. On SQLite and on etcd.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { kubectlBinary } from '../helpers/cluster.js';
import { forEachBackend } from '../helpers/backends.js';
import { until } from '../helpers/wait.js';
import { certificateCrd, conflictingCrd, gatewayCrd, httpRouteCrd, prometheusCrd, serviceMonitorCrd } from './crds/manifests.js';

const CRDS = [certificateCrd, serviceMonitorCrd, prometheusCrd, gatewayCrd, httpRouteCrd];

forEachBackend('CustomResourceDefinitions with kubectl', (get) => {
  const c = get;
  const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c().kubectl(args, o);
  const apply = (obj: unknown, extra: string[] = []) => k(['apply', ...extra, '-f', '-'], { input: JSON.stringify(obj) });

  test('apply the CRDs; kubectl wait --for condition=established; discovery lists them', async () => {
    const start = Date.now();
    await k(['apply', '-f', '-'], { input: CRDS.map((x) => JSON.stringify(x)).join('\n') });
    await k(['wait', '--for', 'condition=established', '--timeout=20s', ...CRDS.map((x) => `crd/${x.metadata.name}`)]);
    assert.ok(Date.now() - start < 15_000);
    // Applied again, nothing changes (server defaults and the controllers' status do not count).
    const again = (await k(['apply', '-f', '-'], { input: CRDS.map((x) => JSON.stringify(x)).join('\n') })).stdout;
    assert.equal(again.match(/ unchanged$/gm)?.length, CRDS.length, again);
    const crd = JSON.parse((await k(['get', 'crd', 'certificates.cert-manager.io', '-o', 'json'])).stdout);
    const cond = (t: string) => crd.status.conditions.find((x: { type: string }) => x.type === t);
    assert.equal(cond('NamesAccepted').status, 'True');
    assert.equal(cond('NamesAccepted').reason, 'NoConflicts');
    assert.equal(cond('Established').status, 'True');
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    assert.deepEqual(crd.status.acceptedNames.shortNames, ['cert', 'certs']);
    const res = (await k(['api-resources', '--no-headers'])).stdout;
    assert.match(res, /^certificates\s+cert,certs\s+cert-manager.io\/v1\s+true\s+Certificate$/m);
    assert.match(res, /^prometheuses\s+prom\s+monitoring.coreos.com\/v1\s+true\s+Prometheus$/m);
    assert.match(res, /^gateways\s+gtw\s+gateway.networking.k8s.io\/v1\s+true\s+Gateway$/m);
    const versions = (await k(['api-versions'])).stdout.split('\n');
    for (const gv of ['cert-manager.io/v1', 'gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1', 'monitoring.coreos.com/v1', 'apiextensions.k8s.io/v1']) assert.ok(versions.includes(gv), gv);
    // Legacy discovery too.
    const list = (await c().request('GET', '/apis/monitoring.coreos.com/v1')).json;
    const prom = list.resources.find((r: { name: string }) => r.name === 'prometheuses');
    assert.deepEqual(prom.categories, ['prometheus-operator']);
    assert.ok(list.resources.some((r: { name: string }) => r.name === 'prometheuses/scale'));
    assert.ok(list.resources.some((r: { name: string }) => r.name === 'prometheuses/status'));
    // OpenAPI v2 and v3 publish the kinds.
    const v2 = (await c().request('GET', '/openapi/v2')).json;
    assert.ok(v2.definitions['io.cert-manager.v1.Certificate'], 'OpenAPI v2 definition');
    const v3 = (await c().request('GET', '/openapi/v3/apis/gateway.networking.k8s.io/v1beta1')).json;
    assert.ok(v3.components.schemas['io.k8s.networking.gateway.v1beta1.Gateway'], 'OpenAPI v3 definition');
  });

  test('invalid CRDs are refused with Kubernetes messages', async () => {
    const bad = structuredClone(prometheusCrd) as any;
    bad.metadata.name = 'wrong.monitoring.coreos.com';
    bad.spec.versions[0].storage = false;
    const r = await k(['apply', '-f', '-'], { input: JSON.stringify(bad), allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /metadata.name: Invalid value: "wrong.monitoring.coreos.com": must be spec.names.plural\+"."\+spec.group/);
    assert.match(r.stderr, /spec.versions: Invalid value: .*must have exactly one version marked as storage version/);
  });

  test('schema engine: value and CEL errors, defaults, pruning, strict field validation, transition rules, non-structural CRDs', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.schema.example.com' },
      spec: {
        group: 'schema.example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['replicas'],
                    properties: {
                      replicas: { type: 'integer', minimum: 0, maximum: 10 },
                      minReplicas: { type: 'integer' },
                      mode: { type: 'string', enum: ['Fast', 'Slow'], default: 'Slow' },
                      owner: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'owner is immutable' }] },
                    },
                    'x-kubernetes-validations': [{ rule: '!has(self.minReplicas) || self.minReplicas <= self.replicas', message: 'minReplicas must not exceed replicas', fieldPath: '.minReplicas' }],
                  },
                },
              },
            },
          },
        ],
      },
    };
    await apply(crd);
    await k(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/widgets.schema.example.com']);
    const widget = (spec: Record<string, unknown>, name = 'w1') => ({ apiVersion: 'schema.example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec });
    const tooMany = await k(['apply', '-f', '-'], { input: JSON.stringify(widget({ replicas: 11 })), allowFail: true });
    assert.notEqual(tooMany.code, 0);
    assert.match(tooMany.stderr, /spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10/);
    const rule = await k(['apply', '-f', '-'], { input: JSON.stringify(widget({ replicas: 2, minReplicas: 3 })), allowFail: true });
    assert.match(rule.stderr, /spec.minReplicas: Invalid value: "object": minReplicas must not exceed replicas/);
    // Defaults filled in; an unknown field warned about (--validate=warn) and pruned.
    const created = await k(['apply', '--validate=warn', '-f', '-'], { input: JSON.stringify(widget({ replicas: 2, owner: 'team-a', bogus: true })) });
    assert.match(created.stderr, /unknown field "spec.bogus"/);
    const stored = JSON.parse((await k(['get', 'widget', 'w1', '-o', 'json'])).stdout);
    assert.deepEqual(stored.spec, { replicas: 2, owner: 'team-a', mode: 'Slow' });
    // Strict field validation (kubectl's default) refuses it instead.
    const strict = await k(['apply', '-f', '-'], { input: JSON.stringify(widget({ replicas: 1, bogus: 1 }, 'w2')), allowFail: true });
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /strict decoding error: unknown field "spec.bogus"/);
    // A transition rule: owner cannot change.
    const immutable = await k(['patch', 'widget', 'w1', '--type=merge', '-p', JSON.stringify({ spec: { owner: 'team-b' } })], { allowFail: true });
    assert.notEqual(immutable.code, 0);
    assert.match(immutable.stderr, /spec.owner: Invalid value: "string": owner is immutable/);
    await k(['patch', 'widget', 'w1', '--type=merge', '-p', JSON.stringify({ spec: { replicas: 3 } })]);
    // A default added to the schema later shows on objects stored before (defaulting on read).
    const withColor = structuredClone(crd) as any;
    withColor.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.color = { type: 'string', default: 'blue' };
    await apply(withColor);
    await until('the stored widget to read back with the new default', async () => JSON.parse((await k(['get', 'widget', 'w1', '-o', 'json'])).stdout).spec.color === 'blue', { timeoutMs: 15_000 });
    // Watch events too: replayed from before the schema change, the replicas: 3 change carries the default.
    const watched = await c().request('GET', `/apis/schema.example.com/v1/namespaces/default/widgets?watch=true&timeoutSeconds=1&resourceVersion=${stored.metadata.resourceVersion}`);
    const events = watched.body
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    const change = events.find((e: any) => e.type === 'MODIFIED' && e.object.spec.replicas === 3);
    assert.equal(change?.object.spec.color, 'blue', `watch events: ${watched.body}`);
    // A non-structural schema is refused with Kubernetes' message.
    const nonStructural = structuredClone(crd) as any;
    nonStructural.metadata.name = 'gadgets.schema.example.com';
    nonStructural.spec.names = { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' };
    nonStructural.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.extra = { description: 'no type' };
    const refused = await k(['apply', '-f', '-'], { input: JSON.stringify(nonStructural), allowFail: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /spec.versions\[0\].schema.openAPIV3Schema.properties\[spec\].properties\[extra\].type: Required value: must not be empty for specified object fields/);
    await k(['delete', 'crd', 'widgets.schema.example.com']);
  });

  test('create, get with printer columns, categories, status subresource', async () => {
    const cert = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web', namespace: 'default' }, spec: { secretName: 'web-tls', issuerRef: { name: 'ca-issuer', kind: 'ClusterIssuer' }, dnsNames: ['web.example.com'] } };
    assert.match((await apply(cert)).stdout, /certificate.cert-manager.io\/web created/);
    assert.match((await apply(cert)).stdout, /certificate.cert-manager.io\/web unchanged/);
    // Status only through the subresource: a status in the main resource is ignored.
    await k(['patch', 'certificate', 'web', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired', lastTransitionTime: '2024-01-01T00:00:00Z' }] } })]);
    const table = (await k(['get', 'certs'])).stdout;
    assert.match(table, /^NAME\s+READY\s+SECRET\s+AGE$/m);
    assert.match(table, /^web\s+True\s+web-tls\s+\S+$/m);
    const wide = (await k(['get', 'cert', 'web', '-o', 'wide'])).stdout;
    assert.match(wide, /^NAME\s+READY\s+SECRET\s+ISSUER\s+STATUS\s+AGE$/m);
    assert.match(wide, /^web\s+True\s+web-tls\s+ca-issuer\s+Certificate is up to date and has not expired\s+\S+$/m);
    assert.match((await k(['get', 'cert-manager'])).stdout, /^web\s+True\s+web-tls/m);
    const obj = JSON.parse((await k(['get', 'certificate', 'web', '-o', 'json'])).stdout);
    assert.equal(obj.metadata.generation, 1);
    // Unknown fields are pruned; an invalid object is refused with the schema's field path.
    const bad = await k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'bad', namespace: 'default' }, spec: { gatewayClassName: 'x', listeners: [{ name: 'http', port: 70000, protocol: 'HTTP' }] } }), allowFail: true });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec.listeners\[0\].port/);
  });

  test("anyOf/oneOf misses: kubectl prints the reason and the closest branch's causes with their paths", async () => {
    // A backend is a Service (name and port) or a URL, exactly one of them: Kubernetes reports the
    // junctor without a field path ("<nil>"), then the errors of the branch that matched most.
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'routes.junctors.example.com' },
      spec: {
        group: 'junctors.example.com',
        scope: 'Namespaced',
        names: { plural: 'routes', singular: 'route', kind: 'Route', listKind: 'RouteList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      backend: {
                        type: 'object',
                        properties: { service: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } }, url: { type: 'string' } },
                        oneOf: [{ required: ['service'], properties: { service: { required: ['name', 'port'], properties: { port: { minimum: 1, maximum: 65535 } } } } }, { required: ['url'] }],
                      },
                      hosts: { type: 'array', items: { type: 'string' }, anyOf: [{ minItems: 1 }, { maxItems: 0 }] },
                      match: { type: 'object', properties: { path: { type: 'string' }, header: { type: 'string' } }, anyOf: [{ required: ['path'], properties: { path: { pattern: '^/' } } }, { required: ['header'] }] },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    };
    await apply(crd);
    await k(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/routes.junctors.example.com']);
    const route = (spec: unknown) => ({ apiVersion: 'junctors.example.com/v1', kind: 'Route', metadata: { name: 'r', namespace: 'default' }, spec });
    // The service branch is the closer one: its nested port error is listed with its path.
    const bad = await k(['apply', '-f', '-'], { input: JSON.stringify(route({ backend: { service: { name: 'web', port: 0 } }, match: { path: 'api' } })), allowFail: true });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The Route "r" is invalid: /);
    assert.match(bad.stderr, /\* <nil>: Invalid value: "": "spec.backend" must validate one and only one schema \(oneOf\). Found none valid$/m);
    assert.match(bad.stderr, /\* spec.backend.service.port: Invalid value: 0: spec.backend.service.port in body should be greater than or equal to 1$/m);
    assert.match(bad.stderr, /\* <nil>: Invalid value: "": "spec.match" must validate at least one schema \(anyOf\)$/m);
    assert.match(bad.stderr, /\* spec.match.path: Invalid value: "api": spec.match.path in body should match '\^\/'$/m);
    // Both branches valid: a oneOf miss without causes.
    const both = await k(['apply', '-f', '-'], { input: JSON.stringify(route({ backend: { service: { name: 'web', port: 80 }, url: 'http://x' } })), allowFail: true });
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /The Route "r" is invalid: <nil>: Invalid value: "": "spec.backend" must validate one and only one schema \(oneOf\). Found 2 valid alternatives/);
    // The API's Status carries the causes for clients.
    const res = await c().request('POST', '/apis/junctors.example.com/v1/namespaces/default/routes', route({ backend: {} }));
    assert.equal(res.status, 422);
    assert.equal(res.json.reason, 'Invalid');
    assert.deepEqual(
      res.json.details.causes.map((x: { field: string }) => x.field),
      ['<nil>', 'spec.backend.service'],
    );
    assert.match((await apply(route({ backend: { url: 'http://x' }, match: { header: 'x-api' } }))).stdout, /route.junctors.example.com\/r created/);
    await k(['delete', 'crd', 'routes.junctors.example.com']);
  });

  test('selectable fields filter lists; lists are paged', async () => {
    for (const [name, job] of [
      ['a', 'frontend'],
      ['b', 'backend'],
      ['c', 'frontend'],
    ]) {
      await apply({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name, namespace: 'default' }, spec: { jobLabel: job, selector: { matchLabels: { app: name } } } });
    }
    const selected = (await k(['get', 'servicemonitors', '--field-selector', 'spec.jobLabel=frontend', '-o', 'name'])).stdout.trim().split('\n');
    assert.deepEqual(selected, ['servicemonitor.monitoring.coreos.com/a', 'servicemonitor.monitoring.coreos.com/c']);
    const bad = await k(['get', 'servicemonitors', '--field-selector', 'spec.endpoints=x'], { allowFail: true });
    assert.notEqual(bad.code, 0);
    const page = (await c().request('GET', '/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors?limit=2')).json;
    assert.equal(page.items.length, 2);
    assert.ok(page.metadata.continue);
    const rest = (await c().request('GET', `/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors?limit=2&continue=${encodeURIComponent(page.metadata.continue)}`)).json;
    assert.deepEqual(
      rest.items.map((x: { metadata: { name: string } }) => x.metadata.name),
      ['c'],
    );
    await k(['delete', 'servicemonitors', 'a', 'b', 'c']);
  });

  test('kubectl explain custom kinds down to nested fields', async () => {
    const out = (await k(['explain', 'certificate.spec.issuerRef'])).stdout;
    assert.match(out, /KIND:\s+Certificate/);
    assert.match(out, /Reference to the issuer responsible for issuing the certificate/);
    assert.match(out, /name\s+<string> -required-/);
    const gw = (await k(['explain', 'gateways.spec.listeners.port'])).stdout;
    assert.match(gw, /FIELD:\s+port <integer>/);
  });

  test('patch: merge and JSON work, strategic merge is refused', async () => {
    await k(['patch', 'certificate', 'web', '--type=merge', '-p', '{"spec":{"duration":"2160h"}}']);
    await k(['patch', 'certificate', 'web', '--type=json', '-p', '[{"op":"add","path":"/spec/dnsNames/-","value":"www.example.com"}]']);
    const obj = JSON.parse((await k(['get', 'certificate', 'web', '-o', 'json'])).stdout);
    assert.equal(obj.spec.duration, '2160h');
    assert.deepEqual(obj.spec.dnsNames, ['web.example.com', 'www.example.com']);
    assert.equal(obj.metadata.generation, 3);
    const sm = await k(['patch', 'certificate', 'web', '--type=strategic', '-p', '{"spec":{"duration":"1h"}}'], { allowFail: true });
    assert.notEqual(sm.code, 0);
    assert.match(sm.stderr, /strategic merge patch is not supported|UnsupportedMediaType|415/i);
  });

  test('server-side apply merges list-map entries of two managers', async () => {
    const gw = (listeners: unknown[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: 'default' }, spec: { gatewayClassName: 'gifee', listeners } });
    await apply(gw([{ name: 'http', port: 80, protocol: 'HTTP' }]), ['--server-side', '--field-manager=team-a']);
    await apply(gw([{ name: 'https', port: 443, protocol: 'HTTPS' }]), ['--server-side', '--field-manager=team-b']);
    const obj = JSON.parse((await k(['get', 'gateway', 'edge', '-o', 'json', '--show-managed-fields'])).stdout);
    assert.deepEqual(
      obj.spec.listeners.map((l: { name: string }) => l.name),
      ['http', 'https'],
    );
    // Schema defaults were applied.
    assert.equal(obj.spec.listeners[0].allowedRoutes?.namespaces?.from ?? 'Same', 'Same');
    const managers = obj.metadata.managedFields.map((m: { manager: string }) => m.manager).sort();
    assert.deepEqual(managers, ['team-a', 'team-b']);
  });

  test('one object through both versions; a deprecated version warns', async () => {
    const v1beta1 = JSON.parse((await k(['get', 'gateways.v1beta1.gateway.networking.k8s.io', 'edge', '-o', 'json'])).stdout);
    assert.equal(v1beta1.apiVersion, 'gateway.networking.k8s.io/v1beta1');
    const v1 = JSON.parse((await k(['get', 'gateways.v1.gateway.networking.k8s.io', 'edge', '-o', 'json'])).stdout);
    assert.equal(v1.apiVersion, 'gateway.networking.k8s.io/v1');
    assert.equal(v1.metadata.uid, v1beta1.metadata.uid);
    const r = await apply({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'default' }, spec: { parentRefs: [{ name: 'edge' }], hostnames: ['web.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } });
    assert.match(r.stderr, /Warning: gateway.networking.k8s.io\/v1beta1 HTTPRoute is deprecated; use gateway.networking.k8s.io\/v1/);
    const route = JSON.parse((await k(['get', 'httproutes.v1.gateway.networking.k8s.io', 'web', '-o', 'json'])).stdout);
    assert.equal(route.apiVersion, 'gateway.networking.k8s.io/v1');
    assert.equal(route.spec.parentRefs[0].kind, 'Gateway', 'schema default');
  });

  test('scale a custom resource; watch it', async () => {
    await apply({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'main', namespace: 'default' }, spec: { version: 'v2.53.0', replicas: 2, shards: 1, serviceMonitorSelector: { matchLabels: { team: 'frontend' } } } });
    const watcher = spawn(kubectlBinary, ['--kubeconfig', c().kubeconfig, 'get', 'prometheuses', '--watch', '--output-watch-events', '-o', 'custom-columns=TYPE:.type,NAME:.object.metadata.name,SHARDS:.object.spec.shards', '--no-headers']);
    let seen = '';
    watcher.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    try {
      await until('the watch to list main', async () => /ADDED\s+main\s+1/.test(seen), { timeoutMs: 15_000 });
      const out = (await k(['scale', 'prometheus', 'main', '--replicas=3'])).stdout;
      assert.match(out, /prometheus.monitoring.coreos.com\/main scaled/);
      await until('the watch to see the scale', async () => /MODIFIED\s+main\s+3/.test(seen), { timeoutMs: 15_000, context: () => seen });
    } finally {
      watcher.kill();
    }
    const scale = (await c().request('GET', '/apis/monitoring.coreos.com/v1/namespaces/default/prometheuses/main/scale')).json;
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 3);
    const table = (await k(['get', 'prom'])).stdout;
    assert.match(table, /^NAME\s+VERSION\s+DESIRED\s+READY\s+RECONCILED\s+AGE$/m);
    assert.match(table, /^main\s+v2.53.0\s+2\s+\s+\S+$/m);
  });

  test('a conflicting CRD shows NamesAccepted=False and is not served', async () => {
    await apply(conflictingCrd);
    await k(['wait', '--for', 'condition=NamesAccepted=False', '--timeout=20s', `crd/${conflictingCrd.metadata.name}`]);
    const crd = JSON.parse((await k(['get', 'crd', conflictingCrd.metadata.name, '-o', 'json'])).stdout);
    const names = crd.status.conditions.find((x: { type: string }) => x.type === 'NamesAccepted');
    assert.equal(names.reason, 'KindConflict');
    assert.equal(names.message, '"Prometheus" is already in use');
    assert.equal(crd.status.conditions.find((x: { type: string }) => x.type === 'Established').status, 'False');
    const r = await c().request('GET', '/apis/monitoring.coreos.com/v1/prometheis');
    assert.equal(r.status, 404);
    await k(['delete', 'crd', conflictingCrd.metadata.name]);
  });

  test('the garbage collector deletes dependents of a custom resource', async () => {
    const prom = JSON.parse((await k(['get', 'prometheus', 'main', '-o', 'json'])).stdout);
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'main-config', namespace: 'default', ownerReferences: [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', name: 'main', uid: prom.metadata.uid }] }, data: { a: 'b' } });
    await apply({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'owned', namespace: 'default', ownerReferences: [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', name: 'main', uid: prom.metadata.uid }] },
      spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'metrics', interval: '30s' }] },
    });
    await k(['delete', 'prometheus', 'main']);
    await until('the dependents to be collected', async () => (await k(['get', 'configmap/main-config', 'servicemonitor/owned', '--ignore-not-found', '-o', 'name'])).stdout.trim() === '', { timeoutMs: 60_000 });
  });

  test('aggregated roles: a ClusterRole labelled aggregate-to-edit gives edit users the custom kind', async () => {
    await apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'cert-manager-edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } },
      rules: [{ apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }],
    });
    await apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'jane-edit', namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane' }] });
    await until('edit to aggregate the custom kind', async () => (await k(['auth', 'can-i', 'create', 'certificates.cert-manager.io', '--as', 'jane', '-n', 'default'], { allowFail: true })).stdout.trim() === 'yes', { timeoutMs: 30_000 });
    assert.equal((await k(['auth', 'can-i', 'create', 'prometheuses.monitoring.coreos.com', '--as', 'jane', '-n', 'default'], { allowFail: true })).stdout.trim(), 'no');
    await k(['--as', 'jane', '-n', 'default', 'apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'janes' }, spec: { secretName: 'janes-tls', issuerRef: { name: 'ca-issuer' } } }) });
  });

  test('deleting a namespace deletes its custom resources', async () => {
    await k(['create', 'namespace', 'monitoring']);
    await apply({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web', namespace: 'monitoring' }, spec: { selector: { matchLabels: { app: 'web' } } } });
    await k(['delete', 'namespace', 'monitoring', '--timeout=60s']);
    assert.equal((await c().request('GET', '/apis/monitoring.coreos.com/v1/namespaces/monitoring/servicemonitors')).json.items.length, 0);
  });

  test('the kinds are still served after a restart', async () => {
    await c().restart();
    const res = (await k(['api-resources', '--api-group=cert-manager.io', '--no-headers'])).stdout;
    assert.match(res, /^certificates\s+cert,certs/m);
    assert.match((await k(['get', 'certs'])).stdout, /^web\s+True\s+web-tls/m);
  });

  test('deleting a CRD deletes its objects, then the CRD', async () => {
    const crd = JSON.parse((await k(['get', 'crd', 'certificates.cert-manager.io', '-o', 'json'])).stdout);
    assert.equal(crd.metadata.finalizers, undefined, 'the cleanup finalizer comes with the deletion');
    await k(['delete', 'crd', 'certificates.cert-manager.io', '--timeout=30s']);
    const gone = await k(['get', 'crd', 'certificates.cert-manager.io'], { allowFail: true });
    assert.match(gone.stderr, /NotFound|not found/);
    await until('the kind to leave discovery', async () => (await c().request('GET', '/apis/cert-manager.io/v1/namespaces/default/certificates')).status === 404, { timeoutMs: 10_000 });
    // Recreated, the CRD starts empty: the old objects are gone from the store.
    await apply(certificateCrd);
    await k(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/certificates.cert-manager.io']);
    await until('the kind to be served again', async () => (await c().request('GET', '/apis/cert-manager.io/v1/certificates')).status === 200, { timeoutMs: 10_000 });
    assert.deepEqual((await c().request('GET', '/apis/cert-manager.io/v1/certificates')).json.items, []);
  });
});
