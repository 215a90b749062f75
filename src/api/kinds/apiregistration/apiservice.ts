// apiregistration.k8s.io/v1 APIService: one group/version served either by this server ("local", no
// spec.service) or by an extension API server behind a Service, which the aggregator proxies to
// (src/apiserver/aggregator/). The name is always VERSION.GROUP. Validation follows Kubernetes'
// ValidateAPIService; status.conditions[Available] is kept by the availability controller.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { condition, conditionsOf, kindSchema } from '../../meta.js';
import { bool, bytes, int32, str, struct } from '../../schema.js';
import { dns1123Subdomain } from '../../names.js';
import { dns1035Label } from '../networking/hosts.js';
import { isObj } from '../workloads/checks.js';

const t = (n: string) => `io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.${n}`;

export interface ServiceReference {
  namespace?: string;
  name?: string;
  port?: number;
}
export interface APIServiceSpec {
  service?: ServiceReference | null;
  group?: string;
  version?: string;
  insecureSkipTLSVerify?: boolean;
  caBundle?: string;
  groupPriorityMinimum?: number;
  versionPriority?: number;
}
export interface APIServiceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
export type APIService = KObject & { spec?: APIServiceSpec; status?: { conditions?: APIServiceCondition[] } };

/** A local APIService (no spec.service) is served by this API server itself. */
export const isLocal = (a: APIService) => !isObj(a.spec?.service);

export const availableCondition = (a: APIService) => a.status?.conditions?.find((c) => c?.type === 'Available');

const serviceReference = struct(t('ServiceReference'), 'The Service an extension API server is reached through.', {
  namespace: str('Namespace of the Service.'),
  name: str('Name of the Service.'),
  port: int32('The Service port to dial (default 443).'),
});

const spec = struct(
  t('APIServiceSpec'),
  'Where a group/version is served: by this server (no service) or by an extension API server behind a Service.',
  {
    service: serviceReference,
    group: str('The API group name.'),
    version: str('The API version, e.g. v1beta1.'),
    insecureSkipTLSVerify: bool("Do not verify the extension server's serving certificate (strongly discouraged; use caBundle)."),
    caBundle: bytes("PEM CA bundle that signs the extension server's serving certificate (checked for <service>.<namespace>.svc)."),
    groupPriorityMinimum: int32('Priority of the group in discovery (higher first, at least this; the group takes the highest of its versions). 1-20000.'),
    versionPriority: int32('Order of this version within its group (higher first; equal: Kubernetes version order). 1-1000.'),
  },
  { required: ['groupPriorityMinimum', 'versionPriority'] },
);

const status = struct(t('APIServiceStatus'), 'What the availability controller last observed.', {
  conditions: conditionsOf(condition, 'Available: whether the extension server answers discovery (reasons Local, Passed, ServiceNotFound, ServicePortError, MissingEndpoints, FailedDiscoveryCheck).'),
});

/** Kubernetes' ValidateAPIServiceName: VERSION.GROUP, a valid path segment. */
export function apiServiceNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name === '.' || name === '..') errs.push(`may not be '${name}'`);
  for (const c of ['/', '%']) if (name.includes(c)) errs.push(`may not contain '${c}'`);
  const idx = name.indexOf('.');
  if (idx < 0) errs.push('API Service name must be version.group');
  else if (idx === 0) errs.push('API Service name must have non-empty version');
  // "v1." (empty group) is the legacy core group's: spec.group's own rule limits it to v1.
  return errs;
}

export function validateAPIService(o: KObject): FieldError[] {
  const a = o as APIService;
  const s: APIServiceSpec = isObj(a.spec) ? a.spec : {};
  const errs: FieldError[] = [];
  const name = a.metadata?.name ?? '';
  const group = typeof s.group === 'string' ? s.group : '';
  const version = typeof s.version === 'string' ? s.version : '';
  for (const m of apiServiceNameErrors(name)) errs.push(fieldErr.invalid('metadata.name', name, m));
  const required = `${version}.${group}`;
  if (name && name !== required) errs.push(fieldErr.invalid('metadata.name', name, `must be ${required}`));
  // An empty group is the legacy core group, which only has v1.
  if (group === '' && version !== 'v1') errs.push(fieldErr.required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') for (const m of dns1123Subdomain(group)) errs.push(fieldErr.invalid('spec.group', group, m));
  for (const m of dns1035Label(version)) errs.push(fieldErr.invalid('spec.version', version, m));
  const gpm = s.groupPriorityMinimum ?? 0;
  if (typeof gpm !== 'number' || gpm <= 0 || gpm > 20000) errs.push(fieldErr.invalid('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'));
  const vp = s.versionPriority ?? 0;
  if (typeof vp !== 'number' || vp <= 0 || vp > 1000) errs.push(fieldErr.invalid('spec.versionPriority', vp, 'must be positive and less than 1000'));
  const caLen = typeof s.caBundle === 'string' ? Buffer.from(s.caBundle, 'base64').length : 0;
  if (!isObj(s.service)) {
    if (caLen > 0) errs.push(fieldErr.invalid('spec.caBundle', `${caLen} bytes`, 'local APIServices may not have a caBundle'));
    if (s.insecureSkipTLSVerify) errs.push(fieldErr.invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  const svc = s.service;
  if (!svc.namespace) errs.push(fieldErr.required('spec.service.namespace'));
  if (!svc.name) errs.push(fieldErr.required('spec.service.name'));
  const port = svc.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) errs.push(fieldErr.invalid('spec.service.port', port, 'port is not valid: must be between 1 and 65535, inclusive'));
  if (s.insecureSkipTLSVerify && caLen > 0) errs.push(fieldErr.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

function validateStatus(o: KObject): FieldError[] {
  const conds = (o as APIService).status?.conditions;
  if (!Array.isArray(conds)) return [];
  const errs: FieldError[] = [];
  conds.forEach((c, i) => {
    if (!isObj(c)) return;
    if (!['True', 'False', 'Unknown'].includes(String(c.status))) errs.push(fieldErr.notSupported(`status.conditions[${i}].status`, c.status, ['False', 'True', 'Unknown']));
  });
  return errs;
}

function availableCell(o: KObject): string {
  const c = availableCondition(o as APIService);
  if (!c) return 'Unknown';
  return c.status === 'True' ? 'True' : `${c.status} (${c.reason ?? ''})`;
}

function serviceCell(o: KObject): string {
  const svc = (o as APIService).spec?.service;
  return isObj(svc) ? `${svc.namespace ?? ''}/${svc.name ?? ''}` : 'Local';
}

export const apiService: KindDef = {
  group: 'apiregistration.k8s.io',
  version: 'v1',
  kind: 'APIService',
  plural: 'apiservices',
  singular: 'apiservice',
  namespaced: false,
  nameFormat: 'path',
  hasGeneration: true,
  schema: kindSchema(t('APIService'), 'A server for one API group/version: this server (local) or an extension API server the aggregator proxies to.', { spec, status }),
  subresources: { status: true },
  printerColumns: [
    { name: 'Service', type: 'string', description: 'The Service of the extension server, or Local.', cell: serviceCell },
    { name: 'Available', type: 'string', description: 'Whether the server answers (and why not).', cell: availableCell },
  ],
  default: (o) => {
    const svc = (o as APIService).spec?.service;
    if (isObj(svc) && svc.port === undefined) svc.port = 443;
  },
  validate: (o) => [...validateAPIService(o), ...validateStatus(o)],
};
