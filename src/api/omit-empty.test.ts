import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinKinds } from './kinds/index.js';
import { dropOmittedZeros, OMIT_ZERO_INTS } from './omit-empty.js';
import { resolve, type Schema } from './schema.js';
import { defaultObject } from './defaults.js';
import type { KObject } from './kind.js';

/** Every integer field of the built-in kinds, named `${definition}.${field}`. */
function integerFields(): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = (s0: Schema | (() => Schema), owner: string) => {
    const s = resolve(s0);
    if (s.type === 'object') {
      if (s.name && seen.has(s.name)) return;
      if (s.name) seen.add(s.name);
      const name = s.name ?? owner;
      for (const [k, f] of Object.entries(s.properties)) {
        const r = resolve(f);
        if (r.type === 'integer') out.add(`${name}.${k}`);
        walk(r, name);
      }
    } else if (s.type === 'array') walk(s.items, owner);
    else if (s.type === 'map') walk(s.values, owner);
  };
  for (const d of builtinKinds) walk(d.schema, d.kind);
  return out;
}

test('every omitempty integer named is an integer field of a served kind (no typos)', () => {
  const ints = integerFields();
  for (const f of OMIT_ZERO_INTS) assert.ok(ints.has(f), f);
});

test('a Service port with nodePort 0 reads back without it; port 0 stays for validation to refuse', () => {
  const svc = builtinKinds.find((d) => d.kind === 'Service' && d.group === '')!;
  const o = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, nodePort: 0 }, { port: 0 }], healthCheckNodePort: 0 } } as KObject;
  dropOmittedZeros(svc.schema, o);
  assert.deepEqual(o.spec, { ports: [{ port: 80 }, { port: 0 }] });
});

test('a probe periodSeconds 0 is defaulted like an absent one; replicas 0 (a pointer) is kept', () => {
  const dep = builtinKinds.find((d) => d.kind === 'Deployment')!;
  const o = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { replicas: 0, minReadySeconds: 0, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', livenessProbe: { exec: { command: ['true'] }, periodSeconds: 0, initialDelaySeconds: 0 } }] } } },
  } as unknown as KObject;
  defaultObject(dep, o);
  const spec = o.spec as { replicas: number; minReadySeconds?: number; template: { spec: { containers: { livenessProbe: Record<string, unknown> }[] } } };
  assert.equal(spec.replicas, 0);
  assert.equal('minReadySeconds' in spec, false);
  const probe = spec.template.spec.containers[0].livenessProbe;
  assert.equal(probe.periodSeconds, 10);
  assert.equal('initialDelaySeconds' in probe, false);
});
