// The names quota and limit ranges speak: standard resource names, which of them count whole objects,
// quota scopes and which resources each scope may restrict, as Kubernetes' core helpers define them.

import { qualifiedName } from '../names.js';

export const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];

/** Scopes whose selector requirement may only use the Exists operator. */
export const EXISTS_ONLY_SCOPES = new Set(['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'CrossNamespacePodAffinity']);
export const CONFLICTING_SCOPES: [string, string][] = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

/** Resource names a quota may name without a domain. */
export const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
]);

/** Resource names known without a domain (compute, storage and object counts). */
export const STANDARD_RESOURCES = new Set([...STANDARD_QUOTA_RESOURCES, 'storage']);

/** Resources counted in whole numbers. */
const INTEGER_RESOURCES = new Set(['pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

export const isHugePages = (n: string) => n.startsWith('hugepages-') || n.startsWith('requests.hugepages-');
export const isStandardQuotaResource = (n: string) => STANDARD_QUOTA_RESOURCES.has(n) || isHugePages(n);
export const isStandardResource = (n: string) => STANDARD_RESOURCES.has(n) || isHugePages(n);
/** Names in the kubernetes.io domain (or with none). */
export const isNativeResource = (n: string) => !n.includes('/') || n.includes('kubernetes.io/');

/** IsQualifiedName's messages (an optional DNS subdomain prefix and a name part of at most 63 characters). */
export const qualifiedNameProblems = qualifiedName;

/** Extended resources (example.com/gpu): outside kubernetes.io, not requests.*, and a qualified name once prefixed with "requests.". */
export function isExtendedResource(n: string): boolean {
  if (isNativeResource(n) || n.startsWith('requests.')) return false;
  return qualifiedNameProblems(`requests.${n}`).length === 0;
}

export const isIntegerResource = (n: string) => INTEGER_RESOURCES.has(n) || isExtendedResource(n);

const POD_COUNT = new Set(['pods']);
const POD_COMPUTE = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);

/** Whether a quota with this scope may restrict the resource (IsResourceQuotaScopeValidForResource). */
export function scopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating':
    case 'NotTerminating':
    case 'NotBestEffort':
    case 'PriorityClass':
    case 'CrossNamespacePodAffinity':
      return POD_COUNT.has(resource) || POD_COMPUTE.has(resource);
    case 'BestEffort':
      return POD_COUNT.has(resource);
    default:
      return true;
  }
}

/** The object-count resource name of a group/resource: count/pods, count/deployments.apps. */
export const countName = (group: string, resource: string) => `count/${resource}${group ? `.${group}` : ''}`;

/** count/deployments.apps -> { group: 'apps', resource: 'deployments' }; undefined for other names. */
export function parseCountName(n: string): { group: string; resource: string } | undefined {
  if (!n.startsWith('count/')) return undefined;
  const rest = n.slice('count/'.length);
  const dot = rest.indexOf('.');
  if (rest.length === 0) return undefined;
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/** Core resources also counted under their bare legacy name ("secrets" beside count/secrets). */
export const LEGACY_COUNT_NAMES: Record<string, string> = {
  secrets: 'secrets',
  configmaps: 'configmaps',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** Resources quota admission never charges (not stored, or too chatty), as Kubernetes' defaults. */
export const QUOTA_IGNORED = new Set([
  '/events',
  'events.k8s.io/events',
  '/bindings',
  '/componentstatuses',
  'authentication.k8s.io/tokenreviews',
  'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
]);
