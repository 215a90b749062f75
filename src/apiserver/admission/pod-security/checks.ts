// The Pod Security Standards' controls (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
// one check each, with Kubernetes' check IDs, reasons and wording so messages read as Kubernetes'.
// A check sees the pod's metadata and spec (or a workload's pod template) and the policy version's
// minor number (latest: Infinity), for the few controls that changed between versions.

export type Level = 'privileged' | 'baseline' | 'restricted';

// biome-ignore lint/suspicious/noExplicitAny: pod specs are untyped JSON here, read defensively.
type J = any;

export interface Violation {
  reason: string;
  detail: string;
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** The first minor version (1.x) the check applies to. */
  since: number;
  /** Baseline checks this restricted check replaces (it covers them, with a stricter rule). */
  overrides?: string[];
  run(meta: J, spec: J, minor: number): Violation | null;
}

const obj = (v: unknown): J => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const arr = (v: unknown): J[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const q = (s: string) => JSON.stringify(s);
export const joinQuote = (xs: string[]) => xs.map(q).join(', ');
const plural = (one: string, many: string, n: number) => (n === 1 ? one : many);
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
const containersOf = (spec: J): J[] => [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)].map(obj);
const sc = (c: J) => obj(c.securityContext);
const podSc = (spec: J) => obj(spec.securityContext);
const isWindows = (spec: J) => str(obj(spec.os).name) === 'windows';
const named = (cs: J[]) => `${plural('container', 'containers', cs.length)} ${joinQuote(cs.map((c) => str(c.name)))}`;
/** "pod and containers "a", "b"" — who set a forbidden value. */
function setters(pod: boolean, bad: J[]): string {
  const parts = pod ? ['pod'] : [];
  if (bad.length) parts.push(named(bad));
  return parts.join(' and ');
}

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const RESTRICTED_VOLUMES_ALLOWED = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

export const CHECKS: Check[] = [
  {
    // The annotations of old, and the appArmorProfile fields of 1.30+, under one reason.
    id: 'appArmorProfile',
    level: 'baseline',
    since: 0,
    run(meta, spec, minor) {
      const bad: string[] = [];
      for (const [k, v] of Object.entries(obj(meta.annotations))) {
        if (!k.startsWith(APPARMOR_PREFIX)) continue;
        const value = str(v);
        if (value !== '' && value !== 'runtime/default' && !value.startsWith('localhost/')) bad.push(`${k}=${q(value)}`);
      }
      bad.sort();
      if (minor >= 30) {
        const unconfined = (o: J) => str(obj(o.appArmorProfile).type) === 'Unconfined';
        const pod = unconfined(podSc(spec));
        const cs = containersOf(spec).filter((c) => unconfined(sc(c)));
        if (pod || cs.length) bad.push(`${setters(pod, cs)} must not set AppArmor profile type to "Unconfined"`);
      }
      return bad.length ? { reason: plural('forbidden AppArmor profile', 'forbidden AppArmor profiles', bad.length), detail: bad.join(', ') } : null;
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    since: 0,
    run(_meta, spec) {
      const caps: string[] = [];
      const bad = containersOf(spec).filter((c) => {
        const added = arr(obj(sc(c).capabilities).add)
          .map(str)
          .filter((x) => !BASELINE_CAPABILITIES.has(x));
        caps.push(...added);
        return added.length > 0;
      });
      return bad.length ? { reason: 'non-default capabilities', detail: `${named(bad)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add` } : null;
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    since: 0,
    run(_meta, spec) {
      const on = ['hostIPC', 'hostNetwork', 'hostPID'].filter((f) => spec[f] === true).map((f) => `${f}=true`);
      return on.length ? { reason: 'host namespaces', detail: on.join(', ') } : null;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    since: 0,
    run(_meta, spec) {
      const names = arr(spec.volumes)
        .map(obj)
        .filter((v) => v.hostPath)
        .map((v) => str(v.name));
      return names.length ? { reason: 'hostPath volumes', detail: `${plural('volume', 'volumes', names.length)} ${joinQuote(names)}` } : null;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    since: 0,
    run(_meta, spec) {
      const ports: string[] = [];
      const bad = containersOf(spec).filter((c) => {
        const hp = arr(c.ports)
          .map((p) => Number(obj(p).hostPort ?? 0))
          .filter((p) => p !== 0 && Number.isFinite(p));
        ports.push(...hp.map(String));
        return hp.length > 0;
      });
      if (!bad.length) return null;
      const ps = sorted(ports);
      return { reason: 'hostPort', detail: `${named(bad)} ${plural('uses', 'use', bad.length)} ${plural('hostPort', 'hostPorts', ps.length)} ${ps.join(', ')}` };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    since: 0,
    run(_meta, spec) {
      const bad = containersOf(spec).filter((c) => sc(c).privileged === true);
      return bad.length ? { reason: 'privileged', detail: `${named(bad)} must not set securityContext.privileged=true` } : null;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    since: 0,
    run(_meta, spec) {
      const types: string[] = [];
      const bad = containersOf(spec).filter((c) => {
        const pm = sc(c).procMount;
        if (pm === undefined || pm === null || pm === 'Default') return false;
        types.push(str(pm));
        return true;
      });
      return bad.length ? { reason: 'procMount', detail: `${named(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}` } : null;
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    since: 0,
    run(_meta, spec, minor) {
      const allowed = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', ...(minor >= 31 ? ['container_engine_t'] : [])]);
      const types = new Set<string>();
      let user = false;
      let role = false;
      const invalid = (o: J) => {
        if (!o.seLinuxOptions) return false;
        const opts = obj(o.seLinuxOptions);
        let bad = false;
        if (!allowed.has(str(opts.type))) {
          types.add(str(opts.type));
          bad = true;
        }
        if (str(opts.user)) user = bad = true;
        if (str(opts.role)) role = bad = true;
        return bad;
      };
      const pod = invalid(podSc(spec));
      const bad = containersOf(spec).filter((c) => invalid(sc(c)));
      if (!pod && !bad.length) return null;
      const what: string[] = [];
      if (types.size) what.push(`${plural('type', 'types', types.size)} ${joinQuote(sorted(types))}`);
      if (user) what.push('user may not be set');
      if (role) what.push('role may not be set');
      return { reason: 'seLinuxOptions', detail: `${setters(pod, bad)} set forbidden securityContext.seLinuxOptions: ${what.join('; ')}` };
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    since: 19,
    run(_meta, spec) {
      const unconfined = (o: J) => str(obj(o.seccompProfile).type) === 'Unconfined';
      const pod = unconfined(podSc(spec));
      const bad = containersOf(spec).filter((c) => unconfined(sc(c)));
      return pod || bad.length ? { reason: 'seccompProfile', detail: `${setters(pod, bad)} must not set securityContext.seccompProfile.type to "Unconfined"` } : null;
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    since: 0,
    run(_meta, spec, minor) {
      const allowed = new Set(minor >= 32 ? SYSCTLS_1_32 : minor >= 29 ? SYSCTLS_1_29 : minor >= 27 ? SYSCTLS_1_27 : SYSCTLS_1_0);
      const bad = arr(podSc(spec).sysctls)
        .map((s) => str(obj(s).name))
        .filter((n) => !allowed.has(n));
      return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : null;
    },
  },
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    since: 0,
    run(_meta, spec) {
      const hp = (o: J) => obj(o.windowsOptions).hostProcess === true;
      const pod = hp(podSc(spec));
      const bad = containersOf(spec).filter((c) => hp(sc(c)));
      return pod || bad.length ? { reason: 'hostProcess', detail: `${setters(pod, bad)} must not set securityContext.windowsOptions.hostProcess=true` } : null;
    },
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    since: 8,
    run(_meta, spec, minor) {
      if (minor >= 25 && isWindows(spec)) return null;
      const bad = containersOf(spec).filter((c) => sc(c).allowPrivilegeEscalation !== false);
      return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${named(bad)} must set securityContext.allowPrivilegeEscalation=false` } : null;
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    since: 22,
    overrides: ['capabilities_baseline'],
    run(_meta, spec, minor) {
      if (minor >= 25 && isWindows(spec)) return null;
      const noDrop: J[] = [];
      const adding: J[] = [];
      const caps: string[] = [];
      for (const c of containersOf(spec)) {
        const capsObj = sc(c).capabilities;
        if (!capsObj) {
          noDrop.push(c);
          continue;
        }
        if (!arr(obj(capsObj).drop).includes('ALL')) noDrop.push(c);
        const added = arr(obj(capsObj).add)
          .map(str)
          .filter((x) => x !== 'NET_BIND_SERVICE');
        if (added.length) {
          adding.push(c);
          caps.push(...added);
        }
      }
      const details: string[] = [];
      if (noDrop.length) details.push(`${named(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      if (adding.length) details.push(`${named(adding)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`);
      return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : null;
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    since: 0,
    overrides: ['hostPathVolumes'],
    run(_meta, spec) {
      const names: string[] = [];
      const types: string[] = [];
      for (const v of arr(spec.volumes).map(obj)) {
        const kinds = Object.keys(v).filter((k) => k !== 'name' && v[k] !== null && v[k] !== undefined);
        if (kinds.length === 1 && RESTRICTED_VOLUMES_ALLOWED.has(kinds[0])) continue;
        names.push(str(v.name));
        types.push(kinds.find((k) => !RESTRICTED_VOLUMES_ALLOWED.has(k)) ?? 'unknown');
      }
      if (!names.length) return null;
      const ts = sorted(types);
      return { reason: 'restricted volume types', detail: `${plural('volume', 'volumes', names.length)} ${joinQuote(names)} ${plural('uses', 'use', names.length)} ${plural('restricted volume type', 'restricted volume types', ts.length)} ${joinQuote(ts)}` };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    since: 0,
    run(_meta, spec) {
      const podValue = podSc(spec).runAsNonRoot;
      const explicit = containersOf(spec).filter((c) => sc(c).runAsNonRoot === false);
      if (podValue === false || explicit.length) return { reason: 'runAsNonRoot != true', detail: `${setters(podValue === false, explicit)} must not set securityContext.runAsNonRoot=false` };
      const implicit = podValue === true ? [] : containersOf(spec).filter((c) => sc(c).runAsNonRoot === undefined || sc(c).runAsNonRoot === null);
      return implicit.length ? { reason: 'runAsNonRoot != true', detail: `pod or ${named(implicit)} must set securityContext.runAsNonRoot=true` } : null;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    since: 23,
    run(_meta, spec) {
      const pod = podSc(spec).runAsUser === 0;
      const bad = containersOf(spec).filter((c) => sc(c).runAsUser === 0);
      return pod || bad.length ? { reason: 'runAsUser=0', detail: `${setters(pod, bad)} must not set runAsUser=0` } : null;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    since: 19,
    overrides: ['seccompProfile_baseline'],
    run(_meta, spec, minor) {
      if (minor >= 25 && isWindows(spec)) return null;
      const valid = (t: string) => t === 'RuntimeDefault' || t === 'Localhost';
      const badValues = new Set<string>();
      const pp = podSc(spec).seccompProfile;
      const podBad = !!pp && !valid(str(obj(pp).type));
      if (podBad) badValues.add(str(obj(pp).type));
      const podSet = !!pp && !podBad;
      const explicit: J[] = [];
      const implicit: J[] = [];
      for (const c of containersOf(spec)) {
        const cp = sc(c).seccompProfile;
        if (cp) {
          if (!valid(str(obj(cp).type))) {
            explicit.push(c);
            badValues.add(str(obj(cp).type));
          }
        } else if (!podSet) implicit.push(c);
      }
      if (podBad || explicit.length) return { reason: 'seccompProfile', detail: `${setters(podBad, explicit)} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(badValues))}` };
      return implicit.length ? { reason: 'seccompProfile', detail: `pod or ${named(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` } : null;
    },
  },
];
