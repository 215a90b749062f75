import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole } from '../../api/kinds/rbac/types.js';
import { aggregatedRules } from './clusterrole-aggregation.js';

const cr = (name: string, labels: Record<string, string>, rules: ClusterRole['rules'], agg?: string): ClusterRole => ({
  metadata: { name, labels },
  rules,
  ...(agg ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [agg]: 'true' } }] } } : {}),
});

test('an aggregated role gets the union of matching roles, in name order, without duplicates', () => {
  const view = cr('view', {}, [], 'to-view');
  const roles = [
    view,
    cr('b', { 'to-view': 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]),
    cr('a', { 'to-view': 'true' }, [
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    ]),
    cr('c', { other: 'true' }, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]),
  ];
  assert.deepEqual(aggregatedRules(view, roles), [
    { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
  ]);
});

test('a role never aggregates itself', () => {
  const self = cr('self', { 'to-self': 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['x'] }], 'to-self');
  assert.deepEqual(aggregatedRules(self, [self]), []);
});
