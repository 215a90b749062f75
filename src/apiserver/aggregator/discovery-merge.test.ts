import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResourceList } from './availability.js';
import { aggregatedResources, extensionGroupDoc, extensionGroups, mergeGroupList } from './discovery-merge.js';

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
