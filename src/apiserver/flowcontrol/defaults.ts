// Kubernetes 1.32's API Priority and Fairness bootstrap configuration: the mandatory objects
// (exempt, catch-all) and the suggested ones, as flowcontrol.apiserver.k8s.io/v1 objects.

import type { KObject } from '../../api/kind.js';

type Subject = Record<string, unknown>;
const group = (name: string): Subject => ({ kind: 'Group', group: { name } });
const user = (name: string): Subject => ({ kind: 'User', user: { name } });
const kubeSystemSA = (name: string): Subject => ({ kind: 'ServiceAccount', serviceAccount: { namespace: 'kube-system', name } });

const allResources = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] }];
const allNonResources = [{ verbs: ['*'], nonResourceURLs: ['*'] }];
const resourceRule = (verbs: string[], apiGroups: string[], resources: string[], namespaces: string[], clusterScope = false) => ({ verbs, apiGroups, resources, clusterScope, ...(namespaces.length ? { namespaces } : {}) });

function flowSchema(name: string, pl: string, precedence: number, distinguisher: string | undefined, rules: Record<string, unknown>[]): KObject {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name },
    spec: { priorityLevelConfiguration: { name: pl }, matchingPrecedence: precedence, ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}), rules },
  };
}
const everything = (subjects: Subject[]) => [{ subjects, resourceRules: allResources, nonResourceRules: allNonResources }];

function limited(name: string, shares: number, lendablePercent: number, queuing?: { queues: number; handSize: number; queueLengthLimit: number }): KObject {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'PriorityLevelConfiguration',
    metadata: { name },
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: shares, lendablePercent, limitResponse: queuing ? { type: 'Queue', queuing } : { type: 'Reject' } } },
  };
}

const authenticatedAndNot = [group('system:unauthenticated'), group('system:authenticated')];

export const MANDATORY_PRIORITY_LEVELS: KObject[] = [{ apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'exempt' }, spec: { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } } }, limited('catch-all', 5, 0)];

export const MANDATORY_FLOW_SCHEMAS: KObject[] = [flowSchema('exempt', 'exempt', 1, undefined, everything([group('system:masters')])), flowSchema('catch-all', 'catch-all', 10000, 'ByUser', everything(authenticatedAndNot))];

export const SUGGESTED_PRIORITY_LEVELS: KObject[] = [
  limited('system', 30, 33, { queues: 64, handSize: 6, queueLengthLimit: 50 }),
  limited('node-high', 40, 25, { queues: 64, handSize: 6, queueLengthLimit: 50 }),
  limited('leader-election', 10, 0, { queues: 16, handSize: 4, queueLengthLimit: 50 }),
  limited('workload-high', 40, 50, { queues: 128, handSize: 6, queueLengthLimit: 50 }),
  limited('workload-low', 100, 90, { queues: 128, handSize: 6, queueLengthLimit: 50 }),
  limited('global-default', 20, 50, { queues: 128, handSize: 6, queueLengthLimit: 50 }),
];

const leases = resourceRule(['get', 'create', 'update'], ['coordination.k8s.io'], ['leases'], ['*']);

export const SUGGESTED_FLOW_SCHEMAS: KObject[] = [
  flowSchema('system-nodes', 'system', 500, 'ByUser', everything([group('system:nodes')])),
  flowSchema('system-node-high', 'node-high', 400, 'ByUser', [{ subjects: [group('system:nodes')], resourceRules: [resourceRule(['*'], [''], ['nodes', 'nodes/status'], [], true), resourceRule(['*'], ['coordination.k8s.io'], ['leases'], ['*'])] }]),
  flowSchema('probes', 'exempt', 2, undefined, [{ subjects: authenticatedAndNot, nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }] }]),
  flowSchema('system-leader-election', 'leader-election', 100, 'ByUser', [{ subjects: [user('system:kube-controller-manager'), user('system:kube-scheduler')], resourceRules: [leases] }]),
  flowSchema('workload-leader-election', 'leader-election', 200, 'ByUser', [{ subjects: [kubeSystemSA('*')], resourceRules: [leases] }]),
  flowSchema('endpoint-controller', 'workload-high', 150, 'ByUser', [{ subjects: [user('system:kube-controller-manager'), kubeSystemSA('endpoint-controller')], resourceRules: [resourceRule(['get', 'create', 'update'], [''], ['endpoints'], ['*'])] }]),
  flowSchema('kube-controller-manager', 'workload-high', 800, 'ByNamespace', everything([user('system:kube-controller-manager')])),
  flowSchema('kube-scheduler', 'workload-high', 800, 'ByNamespace', everything([user('system:kube-scheduler')])),
  flowSchema('kube-system-service-accounts', 'workload-high', 900, 'ByNamespace', everything([kubeSystemSA('*')])),
  flowSchema('service-accounts', 'workload-low', 9000, 'ByUser', everything([group('system:serviceaccounts')])),
  flowSchema('global-default', 'global-default', 9900, 'ByUser', everything(authenticatedAndNot)),
];
