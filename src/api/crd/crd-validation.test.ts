// CRD validation (validate-crd.ts), the naming decision (names.ts), printer-column JSONPath
// (jsonpath.ts) and KindDefs built from a CRD (kinddefs.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateCrd } from './validate-crd.js';
import { decideNames, emptyHeld, holdNames } from './names.js';
import { evaluateJsonPath, parseJsonPath } from './jsonpath.js';
import { crdKindDefs } from './kinddefs.js';
import type { Crd } from './types.js';

const schema = { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } } } };
const crd = (over: (c: any) => void = () => {}): Crd => {
  const c = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: { group: 'stable.example.com', scope: 'Namespaced', names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] }, versions: [{ name: 'v1', served: true, storage: true, schema }] },
  };
  over(c);
  return c as Crd;
};
const fields = (c: Crd) => validateCrd(c).map((e) => `${e.field}: ${e.message}`);

describe('CRD validation', () => {
  it('accepts the Kubernetes docs CronTab', () => {
    assert.deepEqual(fields(crd()), []);
  });

  it('requires name = plural.group and a dotted group', () => {
    assert.ok(fields(crd((c) => (c.metadata.name = 'crontab.stable.example.com'))).includes('metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group'));
    const f = fields(
      crd((c) => {
        c.spec.group = 'example';
        c.metadata.name = 'crontabs.example';
      }),
    );
    assert.ok(f.includes('spec.group: Invalid value: "example": should be a domain with at least one dot'), f.join('\n'));
  });

  it('protects k8s.io groups without the approval annotation', () => {
    const f = fields(
      crd((c) => {
        c.spec.group = 'widgets.k8s.io';
        c.metadata.name = 'crontabs.widgets.k8s.io';
      }),
    );
    assert.ok(f.some((m) => m.startsWith('metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation')));
  });

  it('wants exactly one storage version, unique DNS-1035 version names and a schema', () => {
    const f = fields(
      crd((c) => {
        c.spec.versions = [
          { name: 'v1', served: true, storage: true, schema },
          { name: 'v1', served: true, storage: true },
          { name: 'V2', served: false, storage: false, schema },
        ];
      }),
    );
    assert.ok(f.some((m) => m.startsWith('spec.versions: Invalid value') && m.endsWith('must have exactly one version marked as storage version')));
    assert.ok(f.includes('spec.versions[1].name: Duplicate value: "v1"'));
    assert.ok(f.includes('spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required'));
    assert.ok(f.some((m) => m.startsWith('spec.versions[2].name: Invalid value: "V2": a DNS-1035 label')));
  });

  it('checks names, scope and kind/listKind', () => {
    const f = fields(
      crd((c) => {
        c.spec.scope = 'Global';
        c.spec.names = { plural: 'crontabs', kind: 'Cron_Tab', listKind: 'Cron_Tab', shortNames: ['CT'] };
      }),
    );
    assert.ok(f.includes('spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'));
    assert.ok(f.some((m) => m.startsWith('spec.names.kind: Invalid value: "Cron_Tab": may have mixed case, but should otherwise match')));
    assert.ok(f.includes('spec.names.listKind: Invalid value: "Cron_Tab": kind and listKind may not be the same or parsing become ambiguous'));
    assert.ok(f.some((m) => m.startsWith('spec.names.shortNames[0]: Invalid value: "CT"')));
    assert.ok(fields(crd((c) => delete c.spec.names.plural)).includes('spec.names.plural: Required value'));
  });

  it('checks scale paths, printer columns, selectable fields and conversion', () => {
    const f = fields(
      crd((c) => {
        const v = c.spec.versions[0];
        v.subresources = { scale: { specReplicasPath: '.status.replicas', statusReplicasPath: '.spec.replicas', labelSelectorPath: 'selector' } };
        v.additionalPrinterColumns = [
          { name: 'X', type: 'time', jsonPath: '.spec.x', format: 'weird' },
          { name: 'Y', type: 'string' },
        ];
        v.selectableFields = [{ jsonPath: '.spec.a[0]' }, ...Array.from({ length: 8 }, (_, i) => ({ jsonPath: `.spec.f${i}` }))];
        c.spec.conversion = { strategy: 'None', webhook: { clientConfig: {} } };
      }),
    );
    for (const want of [
      'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
      'spec.versions[0].subresources.scale.statusReplicasPath: Invalid value: ".spec.replicas": should be a json path under .status',
      'spec.versions[0].subresources.scale.labelSelectorPath: Invalid value: "selector": should be a json path under either .spec or .status',
      'spec.versions[0].additionalPrinterColumns[0].type: Unsupported value: "time": supported values: "integer", "number", "string", "boolean", "date"',
      'spec.versions[0].additionalPrinterColumns[1].jsonPath: Required value',
      'spec.versions[0].selectableFields: Too many: 9: must have at most 8 items',
      'spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.a[0]": must be a simple json path to a field',
      'spec.conversion.webhook: Forbidden: should not be set when strategy is not set to Webhook',
    ]) {
      assert.ok(f.includes(want), `${want}\nin:\n${f.join('\n')}`);
    }
    assert.ok(fields(crd((c) => (c.spec.conversion = { strategy: 'Webhook' }))).includes('spec.conversion.webhook.clientConfig: Required value: required when strategy is set to Webhook'));
  });

  it('survives hostile input without throwing', () => {
    for (const spec of [null, 1, 'x', [], { versions: 'x' }, { versions: [null, 1] }, { names: [] }, { versions: [{ additionalPrinterColumns: 'x' }] }]) {
      assert.doesNotThrow(() => validateCrd({ metadata: { name: 'a.b.c' }, spec } as never));
    }
  });
});

describe('CRD names', () => {
  it('accepts free names with Kubernetes defaults', () => {
    const d = decideNames({ plural: 'crontabs', kind: 'CronTab' }, undefined, emptyHeld());
    assert.deepEqual(d.condition, { status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    assert.equal(d.accepted.singular, 'crontab');
    assert.equal(d.accepted.listKind, 'CronTabList');
  });

  it('reports conflicts with names another CRD or a built-in kind holds', () => {
    const held = emptyHeld();
    holdNames(held, { plural: 'deployments', singular: 'deployment', kind: 'Deployment', listKind: 'DeploymentList', shortNames: ['deploy'] });
    assert.deepEqual(decideNames({ plural: 'deploys', singular: 'mydeploy', kind: 'Deployment' }, undefined, held).condition, { status: 'False', reason: 'KindConflict', message: '"Deployment" is already in use' });
    assert.deepEqual(decideNames({ plural: 'things', kind: 'Thing', shortNames: ['deploy'] }, undefined, held).condition, { status: 'False', reason: 'ShortNamesConflict', message: '"deploy" is already in use' });
    assert.equal(decideNames({ plural: 'deployment', kind: 'Thing' }, undefined, held).condition.reason, 'PluralConflict');
    assert.equal(decideNames({ plural: 'things', singular: 'deployment', kind: 'Thing' }, undefined, held).condition.reason, 'SingularConflict');
    assert.equal(decideNames({ plural: 'things', kind: 'Thing', listKind: 'DeploymentList' }, undefined, held).condition.reason, 'ListKindConflict');
  });

  it('keeps the names that are free when others conflict', () => {
    const held = emptyHeld();
    holdNames(held, { kind: 'Thing' });
    const d = decideNames({ plural: 'things', kind: 'Thing' }, undefined, held);
    assert.equal(d.accepted.plural, 'things');
    assert.equal(d.accepted.kind, undefined);
  });
});

describe('printer column JSONPath', () => {
  const obj = {
    spec: { a: [{ n: 1 }, { n: 2 }], 'dotted.key': 'v' },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Issuing', status: 'False' },
      ],
    },
  };
  const ev = (p: string) => {
    const steps = parseJsonPath(p);
    assert.notEqual(typeof steps, 'string', p);
    return evaluateJsonPath(steps as never, obj);
  };
  it('reads fields, indexes, wildcards, quoted keys and filters', () => {
    assert.deepEqual(ev('.spec.a[1].n'), [2]);
    assert.deepEqual(ev('.spec.a[*].n'), [1, 2]);
    assert.deepEqual(ev(".spec['dotted.key']"), ['v']);
    assert.deepEqual(ev('.status.conditions[?(@.type=="Ready")].status'), ['True']);
    assert.deepEqual(ev(".status.conditions[?(@.type != 'Ready')].type"), ['Issuing']);
    assert.deepEqual(ev('.missing.x'), []);
  });
  it('refuses what it cannot evaluate', () => {
    for (const p of ['spec', '.a[?(@.x > 1)]', '.a[', '.a..b', `.${'a'.repeat(600)}`]) assert.equal(typeof parseJsonPath(p), 'string', p);
  });
});

describe('KindDefs from a CRD', () => {
  it('serves each served version with columns, selectable fields, scale and conversion None', () => {
    const c = crd((x) => {
      x.spec.versions = [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }],
          selectableFields: [{ jsonPath: '.spec.cronSpec' }],
        },
        { name: 'v1beta1', served: true, storage: false, deprecated: true, schema },
        { name: 'v1alpha1', served: false, storage: false, schema },
      ];
    });
    const defs = crdKindDefs(c, { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'] }, { terminating: () => false });
    assert.deepEqual(
      defs.map((d) => d.version),
      ['v1', 'v1beta1'],
    );
    const [v1, beta] = defs;
    assert.equal(v1.custom, true);
    assert.equal(v1.schema.name, 'com.example.stable.v1.CronTab');
    assert.deepEqual(v1.subresources?.scale, { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' });
    assert.equal(v1.printerColumns?.[0].cell?.({ spec: { replicas: 3 } }), 3);
    assert.equal(v1.fieldSelectors?.['spec.cronSpec']?.({ spec: { cronSpec: '* * * * *' } }), '* * * * *');
    assert.equal(beta.deprecationWarning, 'stable.example.com/v1beta1 CronTab is deprecated');
    assert.equal(v1.conversion?.storageVersion, 'v1');
    assert.deepEqual(v1.conversion?.convert({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', spec: { a: 1 } }, 'v1beta1'), { apiVersion: 'stable.example.com/v1beta1', kind: 'CronTab', spec: { a: 1 } });
  });
});

describe('hostile input', () => {
  it('validation, names and JSONPath never throw on arbitrary JSON', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (spec, names) => {
        validateCrd({ metadata: { name: 'a.b.c' }, spec } as never);
        validateCrd({ metadata: { name: 'a.b.c' }, spec: { group: 'b.c', names, versions: [spec, { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: spec } }] } } as never);
        decideNames(names as never, undefined, emptyHeld());
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string(), fc.jsonValue(), (path, obj) => {
        const steps = parseJsonPath(path);
        if (typeof steps !== 'string') evaluateJsonPath(steps, obj);
      }),
      { numRuns: 500 },
    );
  });
});
