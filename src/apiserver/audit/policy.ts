// audit.k8s.io/v1 Policy: which requests are recorded, at which level, at which stages. Read from
// --audit-policy-file (YAML or JSON) and validated as kube-apiserver does; the checker is policy-checker.ts.

import { parse } from 'yaml';

export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const LEVELS: readonly Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const STAGES: readonly Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

export interface Policy {
  rules: PolicyRule[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

export class PolicyError extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new PolicyError(`${path}: must be a list of strings`);
  return v as string[];
}

function stages(v: unknown, path: string): Stage[] | undefined {
  const s = strings(v, path);
  s?.forEach((x, i) => {
    if (!STAGES.includes(x as Stage)) throw new PolicyError(`${path}[${i}]: Unsupported value: "${x}": supported values: ${STAGES.map((t) => `"${t}"`).join(', ')}`);
  });
  return s as Stage[] | undefined;
}

function bool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new PolicyError(`${path}: must be true or false`);
  return v;
}

function rule(r: unknown, path: string): PolicyRule {
  if (!isObj(r)) throw new PolicyError(`${path}: must be an object`);
  if (!LEVELS.includes(r.level as Level)) throw new PolicyError(`${path}.level: Unsupported value: "${String(r.level ?? '')}": supported values: ${LEVELS.map((l) => `"${l}"`).join(', ')}`);
  const out: PolicyRule = {
    level: r.level as Level,
    users: strings(r.users, `${path}.users`),
    userGroups: strings(r.userGroups, `${path}.userGroups`),
    verbs: strings(r.verbs, `${path}.verbs`),
    namespaces: strings(r.namespaces, `${path}.namespaces`),
    nonResourceURLs: strings(r.nonResourceURLs, `${path}.nonResourceURLs`),
    omitStages: stages(r.omitStages, `${path}.omitStages`),
    omitManagedFields: bool(r.omitManagedFields, `${path}.omitManagedFields`),
  };
  if (r.resources !== undefined && r.resources !== null) {
    if (!Array.isArray(r.resources)) throw new PolicyError(`${path}.resources: must be a list`);
    out.resources = r.resources.map((g, i) => {
      const p = `${path}.resources[${i}]`;
      if (!isObj(g)) throw new PolicyError(`${p}: must be an object`);
      if (g.group !== undefined && typeof g.group !== 'string') throw new PolicyError(`${p}.group: must be a string`);
      const resources = strings(g.resources, `${p}.resources`);
      const resourceNames = strings(g.resourceNames, `${p}.resourceNames`);
      // As kube-apiserver: names only make sense for plain resources, and a wildcard means all of a kind.
      resources?.forEach((x, j) => {
        if (x.includes('*') && x !== '*' && !x.startsWith('*/') && !x.endsWith('/*')) throw new PolicyError(`${p}.resources[${j}]: Invalid value: "${x}": wildcards are "*", "*/subresource" or "resource/*"`);
      });
      if (resourceNames?.length && !resources?.length) throw new PolicyError(`${p}.resourceNames: Invalid value: resourceNames require a non-empty resources list`);
      return { group: (g.group as string | undefined) ?? '', resources, resourceNames };
    });
  }
  if (out.nonResourceURLs?.length && (out.resources?.length || out.namespaces?.length)) throw new PolicyError(`${path}.nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs`);
  out.nonResourceURLs?.forEach((u, i) => {
    if (u !== '*' && (!u.startsWith('/') || u.slice(0, -1).includes('*'))) throw new PolicyError(`${path}.nonResourceURLs[${i}]: Invalid value: "${u}": non-resource URLs start with / and may end with one *`);
  });
  return out;
}

/** Parses and validates a Policy document; throws PolicyError with the field path of the first problem. */
export function parsePolicy(text: string): Policy {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new PolicyError(`not valid YAML: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new PolicyError('must be an audit.k8s.io/v1 Policy object');
  if (doc.kind !== 'Policy') throw new PolicyError(`kind must be Policy, not "${String(doc.kind ?? '')}"`);
  if (doc.apiVersion !== 'audit.k8s.io/v1') throw new PolicyError(`apiVersion must be audit.k8s.io/v1, not "${String(doc.apiVersion ?? '')}"`);
  if (doc.rules !== undefined && doc.rules !== null && !Array.isArray(doc.rules)) throw new PolicyError('rules: must be a list');
  return {
    rules: ((doc.rules as unknown[] | undefined) ?? []).map((r, i) => rule(r, `rules[${i}]`)),
    omitStages: stages(doc.omitStages, 'omitStages'),
    omitManagedFields: bool(doc.omitManagedFields, 'omitManagedFields'),
  };
}
