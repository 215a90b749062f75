// The warnings Kubernetes 1.32 returns (as `Warning:` response headers, which kubectl prints) when a
// pod or a workload's pod template uses something deprecated, non-functional or ambiguous: beta
// node labels, alpha seccomp and beta AppArmor annotations, removed volume plugins, duplicated
// entries, fractional byte quantities, overlapping ports. Worded and pathed as Kubernetes words
// them (pkg/api/pod/warnings.go), so users searching for a message find the same advice.

import { dns1123Label } from '../../names.js';
import { parseQuantity } from '../../quantity.js';
import { type Obj, isObj, isSet, num, objects, str } from './checks.js';

/** Node labels Kubernetes deprecated, with its advice (pkg/api/node). */
const DEPRECATED_NODE_LABELS: Record<string, string> = {
  'beta.kubernetes.io/arch': 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  'beta.kubernetes.io/os': 'deprecated since v1.14; use "kubernetes.io/os" instead',
  'failure-domain.beta.kubernetes.io/region': 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  'failure-domain.beta.kubernetes.io/zone': 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  'beta.kubernetes.io/instance-type': 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
};

export const nodeLabelDeprecation = (key: string): string | undefined => (Object.hasOwn(DEPRECATED_NODE_LABELS, key) ? DEPRECATED_NODE_LABELS[key] : undefined);

/** A NodeSelectorTerm's match expressions on deprecated labels. */
export function nodeSelectorTermWarnings(term: unknown, p: string): string[] {
  if (!isObj(term)) return [];
  const out: string[] = [];
  objects(term.matchExpressions).forEach((e, i) => {
    const msg = nodeLabelDeprecation(str(e.key));
    if (msg) out.push(`${p}.matchExpressions[${i}].key: ${str(e.key)} is ${msg}`);
  });
  return out;
}

const SECCOMP_POD = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER = 'container.seccomp.security.alpha.kubernetes.io/';
export const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

const DEPRECATED_ANNOTATIONS: [string, string][] = [
  ['scheduler.alpha.kubernetes.io/critical-pod', 'non-functional in v1.16+; use the "priorityClassName" field instead'],
  ['security.alpha.kubernetes.io/sysctls', 'non-functional in v1.11+; use the "sysctls" field instead'],
  ['security.alpha.kubernetes.io/unsafe-sysctls', 'non-functional in v1.11+; use the "sysctls" field instead'],
];

const REMOVED_VOLUMES: [string, string][] = [
  ['photonPersistentDisk', 'deprecated in v1.11, non-functional in v1.16+'],
  ['gitRepo', 'deprecated in v1.11'],
  ['scaleIO', 'deprecated in v1.16, non-functional in v1.22+'],
  ['flocker', 'deprecated in v1.22, non-functional in v1.25+'],
  ['storageos', 'deprecated in v1.22, non-functional in v1.25+'],
  ['quobyte', 'deprecated in v1.22, non-functional in v1.25+'],
  ['glusterfs', 'deprecated in v1.25, non-functional in v1.26+'],
];
const REMOVED_VOLUMES_LATE: [string, string][] = [
  ['cephfs', 'deprecated in v1.28, non-functional in v1.31+'],
  ['rbd', 'deprecated in v1.28, non-functional in v1.31+'],
];

/** A byte quantity that is not a whole number of bytes ("500m" of memory). */
function fractionalBytes(v: unknown): boolean {
  if (typeof v !== 'string' && typeof v !== 'number') return false;
  try {
    const n = parseQuantity(v);
    return Number.isFinite(n) && Math.round(n * 1000) % 1000 !== 0;
  } catch {
    return false;
  }
}

const quoted = (v: unknown) => JSON.stringify(String(v));

/** A PVC spec's fractional storage request or limit (also used for ephemeral volumes and StatefulSet claim templates). */
export function pvcSpecWarnings(spec: unknown, p: string): string[] {
  if (!isObj(spec) || !isObj(spec.resources)) return [];
  const out: string[] = [];
  for (const k of ['requests', 'limits']) {
    const list = spec.resources[k];
    if (isObj(list) && fractionalBytes(list.storage)) out.push(`${p}.resources.${k}[storage]: fractional byte value ${quoted(list.storage)} is invalid, must be an integer`);
  }
  return out;
}

/** Containers with their paths, in Kubernetes' visiting order: init, regular, ephemeral. */
function containersWithPath(spec: Obj, p: string): [Obj, string][] {
  const out: [Obj, string][] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'])
    objects(spec[list]).forEach((c, i) => {
      out.push([c, `${p}.${list}[${i}]`]);
    });
  return out;
}

/** Go's %+v of a ContainerPort, as the hostIP warning prints it. */
const goPort = (port: Obj) => `{Name:${str(port.name)} HostPort:${num(port.hostPort) ?? 0} ContainerPort:${num(port.containerPort) ?? 0} Protocol:${str(port.protocol) || 'TCP'} HostIP:${str(port.hostIP)}}`;

function portWarnings(spec: Obj, p: string): string[] {
  const out: string[] = [];
  const all = new Map<string, { field: string; port: Obj }[]>();
  for (const [c, cp] of containersWithPath(spec, p)) {
    objects(c.ports).forEach((port, i) => {
      const field = `${cp}.ports[${i}]`;
      const hostPort = num(port.hostPort) ?? 0;
      const hostIP = str(port.hostIP);
      if (hostIP && hostPort === 0) out.push(`${field}: hostIP set without hostPort: ${goPort(port)}`);
      const key = `${num(port.containerPort) ?? 0}/${str(port.protocol) || 'TCP'}`;
      const others = all.get(key) ?? [];
      for (const o of others) {
        const oHostPort = num(o.port.hostPort) ?? 0;
        const oHostIP = str(o.port.hostIP);
        if (hostIP === oHostIP && hostPort === oHostPort) out.push(`${field}: duplicate port definition with ${o.field}`);
        else if (hostPort === 0 || oHostPort === 0) out.push(`${field}: overlapping port definition with ${o.field}`);
        else if (hostPort === oHostPort && (hostIP === '') !== (oHostIP === '')) out.push(`${field}: dangerously ambiguous port definition with ${o.field}`);
      }
      others.push({ field, port });
      all.set(key, others);
    });
  }
  return out;
}

function envWarnings(c: Obj, cp: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  objects(c.env).forEach((e, i) => {
    const name = str(e.name);
    if (!seen.has(name)) {
      seen.add(name);
      return;
    }
    // A redefinition is fine when it builds on the previous value ($(X)-suffix); otherwise apply may drop it.
    const ref = `$(${name})`;
    const value = str(e.value);
    if (isSet(e.valueFrom) || value === ref || !value.includes(ref)) out.push(`${cp}.env[${i}]: hides previous definition of ${quoted(name)}, which may be dropped when using apply`);
  });
  return out;
}

function affinityWarnings(spec: Obj, p: string): string[] {
  const out: string[] = [];
  const aff = isObj(spec.affinity) ? spec.affinity : {};
  const na = aff.nodeAffinity;
  if (isObj(na)) {
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (isObj(req))
      objects(req.nodeSelectorTerms).forEach((t, i) => {
        out.push(...nodeSelectorTermWarnings(t, `${p}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`));
      });
    objects(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      out.push(...nodeSelectorTermWarnings(t.preference, `${p}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}].preference`));
    });
  }
  return out;
}

function podAffinityWarnings(spec: Obj, p: string): string[] {
  const out: string[] = [];
  const aff = isObj(spec.affinity) ? spec.affinity : {};
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = aff[kind];
    if (!isObj(a)) continue;
    const base = `${p}.affinity.${kind}`;
    objects(a.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      if (!isSet(t.labelSelector)) out.push(`${base}.requiredDuringSchedulingIgnoredDuringExecution[${i}].labelSelector: a null labelSelector results in matching no pod`);
    });
    objects(a.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      if (!isObj(t.podAffinityTerm) || !isSet(t.podAffinityTerm.labelSelector)) out.push(`${base}.preferredDuringSchedulingIgnoredDuringExecution[${i}].podAffinityTerm.labelSelector: a null labelSelector results in matching no pod`);
    });
  }
  return out;
}

function volumeWarnings(spec: Obj, p: string): string[] {
  const out: string[] = [];
  objects(spec.volumes).forEach((v, i) => {
    const vp = `${p}.volumes[${i}]`;
    for (const [k, msg] of REMOVED_VOLUMES) if (isSet(v[k])) out.push(`${vp}.${k}: ${msg}`);
    if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate)) out.push(...pvcSpecWarnings(v.ephemeral.volumeClaimTemplate.spec, `${vp}.ephemeral.volumeClaimTemplate.spec`));
    for (const [k, msg] of REMOVED_VOLUMES_LATE) if (isSet(v[k])) out.push(`${vp}.${k}: ${msg}`);
  });
  // A projected file at the path of the service account token would shadow it (or be shadowed).
  const sources = objects(spec.volumes).flatMap((v, i) => (isObj(v.projected) ? objects(v.projected.sources).map((s) => [s, i] as const) : []));
  const tokenPaths = new Set(sources.filter(([s]) => isObj(s.serviceAccountToken)).map(([s]) => str((s.serviceAccountToken as Obj).path)));
  if (tokenPaths.size > 0) {
    for (const [s, i] of sources) {
      const vp = `${p}.volumes[${i}].projected.sources`;
      const dup = (path: unknown) => tokenPaths.has(str(path));
      const items = (src: unknown) => (isObj(src) ? objects(src.items) : []);
      items(s.configMap).forEach((it, j) => {
        if (dup(it.path)) out.push(`${vp}.configMap[${j}]: has duplicated path with ServiceAccountToken ${quoted(it.path)}`);
      });
      items(s.secret).forEach((it, j) => {
        if (dup(it.path)) out.push(`${vp}.secrets[${j}]: has duplicated path with ServiceAccountToken ${quoted(it.path)}`);
      });
      items(s.downwardAPI).forEach((it, j) => {
        if (dup(it.path)) out.push(`${vp}.downwardAPI[${j}]: has duplicated path with ServiceAccountToken ${quoted(it.path)}`);
      });
      if (isObj(s.clusterTrustBundle) && dup(s.clusterTrustBundle.path)) out.push(`${vp}.ClusterTrustBundle: has duplicated path with ServiceAccountToken ${quoted(s.clusterTrustBundle.path)}`);
    }
  }
  return out;
}

function duplicateWarnings(spec: Obj, p: string): string[] {
  const out: string[] = [];
  const aliases = objects(spec.hostAliases);
  if (aliases.length > 1) {
    const seen = new Set<string>();
    aliases.forEach((a, i) => {
      if (seen.has(str(a.ip))) out.push(`${p}.hostAliases[${i}].ip: duplicate ip ${quoted(str(a.ip))}`);
      else seen.add(str(a.ip));
    });
  }
  const secrets = objects(spec.imagePullSecrets);
  if (secrets.length > 1) {
    const seen = new Set<string>();
    secrets.forEach((s, i) => {
      if (seen.has(str(s.name))) out.push(`${p}.imagePullSecrets[${i}].name: duplicate name ${quoted(str(s.name))}`);
      else seen.add(str(s.name));
    });
  }
  secrets.forEach((s, i) => {
    if (str(s.name) === '') out.push(`${p}.imagePullSecrets[${i}].name: invalid empty name ""`);
  });
  return out;
}

/**
 * Warnings for a pod spec and its metadata. root: '' for a Pod, 'spec.template' (or deeper) for a
 * workload's template; Kubernetes' field paths start there.
 */
export function podSpecWarnings(spec: unknown, meta: unknown, root: string): string[] {
  if (!isObj(spec)) return [];
  const at = (rest: string) => (root ? `${root}.${rest}` : rest);
  const sp = at('spec');
  const annotations = isObj(meta) && isObj(meta.annotations) ? (meta.annotations as Record<string, unknown>) : {};
  const out: string[] = [];

  if (isObj(spec.nodeSelector)) {
    for (const k of Object.keys(spec.nodeSelector)) {
      const msg = nodeLabelDeprecation(k);
      if (msg) out.push(`${sp}.nodeSelector[${k}]: ${msg}`);
    }
  }
  out.push(...affinityWarnings(spec, sp));
  objects(spec.topologySpreadConstraints).forEach((t, i) => {
    const msg = nodeLabelDeprecation(str(t.topologyKey));
    if (msg) out.push(`${sp}.topologySpreadConstraints[${i}].topologyKey: ${str(t.topologyKey)} is ${msg}`);
    if (!isSet(t.labelSelector)) out.push(`${sp}.topologySpreadConstraints[${i}].labelSelector: a null labelSelector results in matching no pod`);
  });

  for (const [key, msg] of DEPRECATED_ANNOTATIONS) if (Object.hasOwn(annotations, key)) out.push(`${at('metadata.annotations')}[${key}]: ${msg}`);

  out.push(...volumeWarnings(spec, sp));
  out.push(...duplicateWarnings(spec, sp));

  if (isObj(spec.overhead)) {
    for (const r of ['memory', 'ephemeral-storage']) if (fractionalBytes(spec.overhead[r])) out.push(`${sp}.overhead[${r}]: fractional byte value ${quoted(spec.overhead[r])} is invalid, must be an integer`);
  }

  const psc = isObj(spec.securityContext) ? spec.securityContext : {};
  if (!isSet(psc.seccompProfile) && Object.hasOwn(annotations, SECCOMP_POD)) out.push(`${at('metadata.annotations')}[${SECCOMP_POD}]: non-functional in v1.27+; use the "seccompProfile" field instead`);
  const podAppArmor = isSet(psc.appArmorProfile);

  for (const [c, cp] of containersWithPath(spec, sp)) {
    const sc = isObj(c.securityContext) ? c.securityContext : {};
    const name = str(c.name);
    if (!isSet(sc.seccompProfile) && Object.hasOwn(annotations, SECCOMP_CONTAINER + name)) {
      out.push(`${at('metadata.annotations')}[${SECCOMP_CONTAINER}${name}]: non-functional in v1.27+; use the "seccompProfile" field instead`);
    }
    // A Pod's AppArmor annotations are warned about while they are mirrored into the fields (apparmor.ts).
    if (root && !podAppArmor && !isSet(sc.appArmorProfile) && Object.hasOwn(annotations, APPARMOR_PREFIX + name)) {
      out.push(`${at('metadata.annotations')}[${APPARMOR_PREFIX}${name}]: deprecated since v1.30; use the "appArmorProfile" field instead`);
    }
    const res = isObj(c.resources) ? c.resources : {};
    for (const [kind, r] of [
      ['limits', 'memory'],
      ['requests', 'memory'],
      ['limits', 'ephemeral-storage'],
      ['requests', 'ephemeral-storage'],
    ]) {
      const list = res[kind];
      if (isObj(list) && fractionalBytes(list[r])) out.push(`${cp}.resources.${kind}[${r}]: fractional byte value ${quoted(list[r])} is invalid, must be an integer`);
    }
    out.push(...envWarnings(c, cp));
  }
  out.push(...portWarnings(spec, sp));

  const grace = num(spec.terminationGracePeriodSeconds);
  if (grace !== undefined && grace < 0) out.push(`${sp}.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1`);
  out.push(...podAffinityWarnings(spec, sp));
  return out;
}

/** A Pod's warnings on create (Kubernetes warns on pod updates not at all: they are machine writes). */
export function podWarnings(pod: { metadata?: unknown; spec?: unknown }): string[] {
  const out: string[] = [];
  const name = isObj(pod.metadata) ? str(pod.metadata.name) : '';
  const problems = name ? dns1123Label(name) : [];
  if (problems.length > 0) out.push(`metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [${problems.join(' ')}]`);
  out.push(...podSpecWarnings(pod.spec, pod.metadata, ''));
  return out;
}

/** A workload's template at `root` ("spec.template"), on create, or on update when the template changed. */
export function templateWarnings(template: unknown, root: string, oldTemplate?: unknown): string[] {
  if (!isObj(template)) return [];
  if (oldTemplate !== undefined && JSON.stringify(oldTemplate) === JSON.stringify(template)) return [];
  return podSpecWarnings(template.spec, template.metadata, root);
}
