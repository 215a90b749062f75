// From a pod's container spec and its image's config to what the runtime runs: the command line
// (Kubernetes' command/args over the image's entrypoint/cmd), the environment with valueFrom and
// $(VAR) expansion, the user, working directory, cgroup limits and capabilities.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseQuantity } from '../../api/quantity.js';
import type { ImageInfo } from '../images/types.js';
import type { Resources } from '../runtime/types.js';
import type { Container, EnvVar, Pod } from './types.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Reads what valueFrom/envFrom reference; missing non-optional keys throw with a user-facing message. */
export interface RefResolver {
  /** A ConfigMap's data. */
  configMapData(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** A Secret's data, decoded. */
  secretData(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** Service environment variables every container gets (KUBERNETES_SERVICE_HOST...: in-cluster clients find the API with them). */
  serviceEnv?(namespace: string): Promise<Record<string, string>>;
}

interface ServiceLike {
  metadata?: { name?: string };
  spec?: { clusterIP?: string; ports?: { name?: string; port?: number; protocol?: string }[] };
}

/** Docker-link style variables of a Service, as the kubelet writes them (NAME_SERVICE_HOST, NAME_SERVICE_PORT, NAME_PORT_443_TCP...). */
export function serviceEnvVars(svc: ServiceLike): Record<string, string> {
  const ip = svc.spec?.clusterIP;
  const ports = svc.spec?.ports ?? [];
  if (!ip || ip === 'None' || !svc.metadata?.name || ports.length === 0) return {};
  const name = svc.metadata.name.toUpperCase().replace(/-/g, '_');
  const out: Record<string, string> = { [`${name}_SERVICE_HOST`]: ip, [`${name}_SERVICE_PORT`]: String(ports[0].port) };
  for (const p of ports) if (p.name) out[`${name}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
  const proto = (p: { protocol?: string }) => (p.protocol ?? 'TCP').toLowerCase();
  out[`${name}_PORT`] = `${proto(ports[0])}://${ip}:${ports[0].port}`;
  for (const p of ports) {
    const prefix = `${name}_PORT_${p.port}_${proto(p).toUpperCase()}`;
    out[prefix] = `${proto(p)}://${ip}:${p.port}`;
    out[`${prefix}_PROTO`] = proto(p);
    out[`${prefix}_PORT`] = String(p.port);
    out[`${prefix}_ADDR`] = ip;
  }
  return out;
}

/** Kubernetes' $(VAR) expansion: $(NAME) from vars, $$ escapes, unknown references stay as written. */
export function expand(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) => {
    if (m === '$$') return '$';
    return name !== undefined && vars.has(name) ? vars.get(name)! : m;
  });
}

/** The value of a downward API field path ("metadata.name", "metadata.labels['app']", "status.podIP"). */
export function fieldValue(pod: Pod, path: string, hostIP: string, podIP: string): string {
  const md = pod.metadata;
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? md.labels : md.annotations)?.[m[2]] ?? '';
  switch (path) {
    case 'metadata.name':
      return md.name;
    case 'metadata.namespace':
      return md.namespace;
    case 'metadata.uid':
      return md.uid;
    case 'metadata.labels':
      return formatMap(md.labels);
    case 'metadata.annotations':
      return formatMap(md.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
      return hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return podIP;
    default:
      return '';
  }
}

/** key="value" lines, sorted, as the downward API writes labels and annotations. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** A resourceFieldRef's value in units of its divisor, rounded up (limits default to node capacity). */
export function resourceValue(c: Container | undefined, resource: string, divisor: string | undefined, nodeCapacity: Record<string, number>): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const raw = c?.resources?.[kind]?.[name] ?? (kind === 'limits' ? undefined : '0');
  const v = raw !== undefined ? parseQuantity(raw) : (nodeCapacity[name] ?? 0);
  const d = divisor ? parseQuantity(divisor) : 1;
  return String(Math.ceil(v / (d || 1)));
}

export async function buildEnv(pod: Pod, c: Container, image: ImageInfo, refs: RefResolver, ips: { hostIP: string; podIP: string }, nodeCapacity: Record<string, number>): Promise<string[]> {
  const vars = new Map<string, string>();
  for (const kv of image.config.env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) vars.set(kv.slice(0, i), kv.slice(i + 1));
  }
  if (!vars.has('PATH')) vars.set('PATH', DEFAULT_PATH);
  vars.set('HOSTNAME', pod.spec.hostname ?? pod.metadata.name);
  const ns = pod.metadata.namespace;
  // Below envFrom and env: a container's own variables win, and may refer to these with $(NAME).
  for (const [k, v] of Object.entries((await refs.serviceEnv?.(ns)) ?? {})) vars.set(k, v);
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const data = from.configMapRef ? await refs.configMapData(ns, ref.name) : await refs.secretData(ns, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new Error(`${from.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) vars.set(`${from.prefix ?? ''}${k}`, v);
  }
  // Container env, in order: later entries may reference earlier ones with $(NAME).
  const own = new Map<string, string>(vars);
  for (const e of c.env ?? []) own.set(e.name, expand(await envValue(pod, c, e, refs, ips, nodeCapacity), own));
  return [...own].map(([k, v]) => `${k}=${v}`);
}

async function envValue(pod: Pod, c: Container, e: EnvVar, refs: RefResolver, ips: { hostIP: string; podIP: string }, cap: Record<string, number>): Promise<string> {
  const vf = e.valueFrom;
  if (!vf) return e.value ?? '';
  if (vf.fieldRef) return fieldValue(pod, vf.fieldRef.fieldPath, ips.hostIP, ips.podIP);
  if (vf.resourceFieldRef) {
    const target = vf.resourceFieldRef.containerName ? pod.spec.containers.find((x) => x.name === vf.resourceFieldRef!.containerName) : c;
    return resourceValue(target, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor, cap);
  }
  const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
  if (ref) {
    const kind = vf.configMapKeyRef ? 'configmap' : 'secret';
    const data = vf.configMapKeyRef ? await refs.configMapData(pod.metadata.namespace, ref.name) : await refs.secretData(pod.metadata.namespace, ref.name);
    if (data?.[ref.key] !== undefined) return data[ref.key];
    if (ref.optional) return '';
    throw new Error(data ? `couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${pod.metadata.namespace}/${ref.name}` : `${kind} "${ref.name}" not found`);
  }
  return '';
}

/** Kubernetes' rule: command replaces the entrypoint (and drops the image's cmd), args replace cmd. */
export function commandLine(c: Container, image: ImageInfo, env: string[]): string[] {
  const vars = new Map(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]));
  const entry = c.command?.length ? c.command.map((s) => expand(s, vars)) : (image.config.entrypoint ?? []);
  const args = c.args ? c.args.map((s) => expand(s, vars)) : c.command?.length ? [] : (image.config.cmd ?? []);
  return [...entry, ...args];
}

/** The user to run as: securityContext first, then the image's USER (numeric, or a name looked up in the image's /etc/passwd). */
export function resolveUser(pod: Pod, c: Container, image: ImageInfo): { uid: number; gid: number; additionalGids: number[] } {
  const sc = c.securityContext ?? {};
  const psc = pod.spec.securityContext ?? {};
  let uid = sc.runAsUser ?? psc.runAsUser;
  let gid = sc.runAsGroup ?? psc.runAsGroup;
  if (uid === undefined && image.config.user) {
    const [u, g] = image.config.user.split(':');
    uid = /^\d+$/.test(u) ? Number(u) : lookupId(image, 'passwd', u);
    if (gid === undefined && g !== undefined) gid = /^\d+$/.test(g) ? Number(g) : lookupId(image, 'group', g);
    if (gid === undefined && !/^\d+$/.test(u)) gid = lookupId(image, 'passwd', u, 3);
  }
  // supplementalGroupsPolicy Merge (the default): the groups the image's /etc/group gives the user come too.
  const fromImage = psc.supplementalGroupsPolicy === 'Strict' ? [] : imageGroups(image, uid ?? 0);
  const additionalGids = [...new Set([...fromImage, ...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])])];
  return { uid: uid ?? 0, gid: gid ?? 0, additionalGids };
}

/** The image's file (topmost layer that has it), or '' when none does. */
function imageFile(image: ImageInfo, file: string): string {
  for (const dir of [...image.layerDirs].reverse()) {
    try {
      return readFileSync(join(dir, 'etc', file), 'utf8');
    } catch {
      // not in this layer: try the one below
    }
  }
  return '';
}

/** Groups the image's /etc/group lists uid's user name in (uid's name from the image's /etc/passwd). */
export function imageGroups(image: ImageInfo, uid: number): number[] {
  const name = imageFile(image, 'passwd')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f.length > 2 && Number(f[2]) === uid && f[2] !== '')?.[0];
  if (!name) return [];
  const out: number[] = [];
  for (const line of imageFile(image, 'group').split('\n')) {
    const f = line.split(':');
    if (f.length > 3 && /^\d+$/.test(f[2]) && f[3].split(',').includes(name)) out.push(Number(f[2]));
  }
  return out;
}

function lookupId(image: ImageInfo, file: 'passwd' | 'group', name: string, field = 2): number {
  for (const dir of [...image.layerDirs].reverse()) {
    let text: string;
    try {
      text = readFileSync(join(dir, 'etc', file), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const parts = line.split(':');
      if (parts[0] === name) return Number(parts[field]) || 0;
    }
    break;
  }
  throw new Error(`unable to find user ${name}: no matching entries in ${file} file`);
}

/** cgroup settings from requests and limits, as the kubelet derives them. */
export function resourcesOf(c: Container): Resources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const r: Resources = {};
  const cpuReq = req.cpu ?? lim.cpu;
  r.cpuShares = cpuReq ? Math.max(2, Math.round(parseQuantity(cpuReq) * 1024)) : 2;
  if (lim.cpu) {
    r.cpuPeriod = 100_000;
    r.cpuQuota = Math.max(1000, Math.round(parseQuantity(lim.cpu) * 100_000));
  }
  if (lim.memory) r.memoryLimit = Math.round(parseQuantity(lim.memory));
  return r;
}

/** Guaranteed when every container has equal cpu and memory requests and limits; BestEffort when none has any. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of cs) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (!l || !q || parseQuantity(l) !== parseQuantity(q)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
