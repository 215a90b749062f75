import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResourceList } from './availability.js';
import { aggregatedResources, defaultLocalPriority, extensionGroupDoc, extensionGroups, localGroupExtensions, mergeGroupList, mergeLocalAggregated, mergeLocalGroupDoc, mergeLocalGroupList, orderedVersions } from './discovery-merge.js';

const ext = (group: string, version: string, versionPriority = 100) => ({ group, version, groupPriorityMinimum: 100, versionPriority });

test('extension groups join the group list with their versions in priority order; built-in groups are not replaced', () => {
  const groups = extensionGroups([ext('metrics.k8s.io', 'v1beta1', 100), ext('metrics.k8s.io', 'v1', 200), ext('apps', 'v9')], new Set(['', 'apps']));
  assert.deepEqual([...groups.keys()], ['metrics.k8s.io']);
  const list = mergeGroupList({ kind: 'APIGroupList', groups: [] as Parameters<typeof mergeGroupList>[0]['groups'] }, groups);
  assert.deepEqual(list.groups[0].preferredVersion, { groupVersion: 'metrics.k8s.io/v1', version: 'v1' });
  assert.equal(extensionGroupDoc('metrics.k8s.io', groups)?.versions.length, 2);
  assert.equal(extensionGroupDoc('apps', groups), undefined);
});

test('aggregated discovery folds subresources under their resource', () => {
  const r = aggregatedResources('m.io', 'v1', {
    groupVersion: 'm.io/v1',
    resources: [
      { name: 'things', namespaced: true, kind: 'Thing', verbs: ['get'] },
      { name: 'things/status', kind: 'Thing', verbs: ['get'] },
    ],
  });
  assert.equal(r.length, 1);
  assert.equal(r[0].scope, 'Namespaced');
  assert.deepEqual(r[0].subresources, [{ subresource: 'status', responseKind: { group: 'm.io', version: 'v1', kind: 'Thing' }, verbs: ['get'] }]);
});

test("an extension server's hostile discovery document is tolerated", () => {
  assert.equal(parseResourceList('not json'), undefined);
  assert.equal(parseResourceList('{"resources": 5}'), undefined);
  const r = parseResourceList(JSON.stringify({ groupVersion: 7, resources: [null, 'x', { name: '' }, { name: 'ok', verbs: ['get', 5], shortNames: 'no' }] }));
  assert.deepEqual(r, { groupVersion: '', resources: [{ name: 'ok', singularName: '', namespaced: false, kind: '', verbs: ['get'] }] });
});

test('an extension version of a local group joins it, ordered by versionPriority as kube-aggregator orders APIServices', () => {
  const exts = [ext('batch', 'v2alpha1', 9), ext('apps', 'v3', 100), ext('m.io', 'v1')];
  const extra = localGroupExtensions(exts, new Set(['', 'batch', 'apps']));
  assert.deepEqual([...extra.keys()], ['batch', 'apps']);
  const entry = (name: string, versions: string[]) => ({ name, versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })), preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] } });
  const list = mergeLocalGroupList({ groups: [entry('batch', ['v1']), entry('apps', ['v1']), entry('x.io', ['v1'])] }, extra, defaultLocalPriority);
  // batch/v1 has 15 > 9: it stays preferred, v2alpha1 follows.
  assert.deepEqual(list.groups[0], { ...entry('batch', ['v1', 'v2alpha1']) });
  // A higher versionPriority wins, as in kube-aggregator.
  assert.deepEqual(list.groups[1].preferredVersion, { groupVersion: 'apps/v3', version: 'v3' });
  assert.deepEqual(list.groups[2], entry('x.io', ['v1']));
  assert.deepEqual(
    mergeLocalGroupDoc(entry('batch', ['v1']), extra, defaultLocalPriority)?.versions.map((v) => v.version),
    ['v1', 'v2alpha1'],
  );
  // Local priorities from the local APIServices decide; equal priorities fall back to version order.
  assert.deepEqual(orderedVersions('batch', ['v1', 'v1beta1'], [ext('batch', 'v2alpha1', 14)], defaultLocalPriority), ['v1', 'v1beta1', 'v2alpha1']);
  assert.deepEqual(orderedVersions('batch', ['v1'], [ext('batch', 'v2', 15)], defaultLocalPriority), ['v2', 'v1']);
  const agg = mergeLocalAggregated(
    { items: [{ metadata: { name: 'batch' }, versions: [{ version: 'v1', resources: [], freshness: 'Current' }] }] },
    localGroupExtensions([{ ...ext('batch', 'v2alpha1', 9), resources: { groupVersion: 'batch/v2alpha1', resources: [{ name: 'cronjobs', namespaced: true, kind: 'CronJob', verbs: ['get'] }] } }], new Set(['batch'])),
    defaultLocalPriority,
  );
  const versions = (agg.items[0] as { versions: { version: string; resources: { resource: string }[] }[] }).versions;
  assert.deepEqual(
    versions.map((v) => v.version),
    ['v1', 'v2alpha1'],
  );
  assert.equal(versions[1].resources[0].resource, 'cronjobs');
});
