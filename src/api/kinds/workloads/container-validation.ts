// Validation of one container (regular, init or ephemeral): name, image, ports, environment, mounts,
// probes, lifecycle hooks, resources and security context. Paths and wording follow Kubernetes.

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { parseQuantity } from '../../quantity.js';
import { type Obj, checkDNSLabel, checkNonNegative, checkNumberOrNamedPort, checkPortName, checkPortNumber, isObj, isSet, notFound, objects, str } from './checks.js';

export type ContainerKind = 'regular' | 'init' | 'ephemeral';

export interface ContainerContext {
  /** Pod volumes by name. */
  volumes: Map<string, Obj>;
  /** Pods check image whitespace; templates allow placeholders like " ". */
  isPod: boolean;
  terminationGracePeriodSeconds?: number;
}

const FIELD_REFS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const RESOURCE_REFS = ['limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage'];

const exactlyOne = (o: Obj, keys: string[]) => keys.filter((k) => isSet(o[k]));

function validateEnv(c: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(c.env).forEach((e, i) => {
    const ep = `${p}.env[${i}]`;
    const name = str(e.name);
    if (isSet(e.name) && name === '') errs.push(fieldErr.required(`${ep}.name`));
    // Kubernetes 1.32 accepts any printable ASCII name without '=' (RelaxedEnvironmentVariableValidation).
    else if (name && !/^[\x20-\x3c\x3e-\x7e]+$/.test(name)) errs.push(fieldErr.invalid(`${ep}.name`, name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
    if (!isObj(e.valueFrom)) return;
    const vp = `${ep}.valueFrom`;
    const set = exactlyOne(e.valueFrom, ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef']);
    if (set.length === 0) errs.push(fieldErr.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (set.length > 1) errs.push(fieldErr.invalid(vp, '', 'may not have more than one field specified at a time'));
    if (str(e.value) !== '') errs.push(fieldErr.invalid(vp, '', 'may not be specified when `value` is not empty'));
    const fr = e.valueFrom.fieldRef;
    if (isObj(fr) && typeof fr.fieldPath === 'string') {
      const fp = fr.fieldPath;
      const ok = FIELD_REFS.includes(fp) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp);
      if (!ok) errs.push(fieldErr.notSupported(`${vp}.fieldRef.fieldPath`, fp, [...FIELD_REFS, "metadata.labels['<KEY>']", "metadata.annotations['<KEY>']"]));
    }
    const rr = e.valueFrom.resourceFieldRef;
    if (isObj(rr) && typeof rr.resource === 'string' && !RESOURCE_REFS.includes(rr.resource) && !/^(limits|requests)\.hugepages-/.test(rr.resource)) {
      errs.push(fieldErr.notSupported(`${vp}.resourceFieldRef.resource`, rr.resource, RESOURCE_REFS));
    }
    for (const ref of ['configMapKeyRef', 'secretKeyRef']) {
      const r = e.valueFrom[ref];
      if (isObj(r) && r.key === '') errs.push(fieldErr.required(`${vp}.${ref}.key`));
    }
  });
  objects(c.envFrom).forEach((e, i) => {
    const set = exactlyOne(e, ['configMapRef', 'secretRef']);
    if (set.length === 0) errs.push(fieldErr.invalid(`${p}.envFrom[${i}]`, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (set.length > 1) errs.push(fieldErr.invalid(`${p}.envFrom[${i}]`, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validatePorts(c: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objects(c.ports).forEach((port, i) => {
    const pp = `${p}.ports[${i}]`;
    const name = str(port.name);
    if (name) {
      errs.push(...checkPortName(`${pp}.name`, name));
      if (names.has(name)) errs.push(fieldErr.duplicate(`${pp}.name`, name));
      names.add(name);
    }
    if (port.containerPort === 0) errs.push(fieldErr.required(`${pp}.containerPort`));
    else errs.push(...checkPortNumber(`${pp}.containerPort`, port.containerPort));
    if (port.hostPort !== 0) errs.push(...checkPortNumber(`${pp}.hostPort`, port.hostPort));
  });
  return errs;
}

function validateMounts(c: Obj, p: string, ctx: ContainerContext, kind: ContainerKind): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  // A volume is either mounted or a device in one container, never both, and never at the same path (Kubernetes checks both sides).
  const deviceNames = new Set(objects(c.volumeDevices).map((d) => str(d.name)));
  const devicePaths = new Set(objects(c.volumeDevices).map((d) => str(d.devicePath)));
  const mountNames = new Set<string>();
  objects(c.volumeMounts).forEach((m, i) => {
    const mp = `${p}.volumeMounts[${i}]`;
    const name = str(m.name);
    if (isSet(m.name) && name === '') errs.push(fieldErr.required(`${mp}.name`));
    else if (name && !ctx.volumes.has(name)) errs.push(notFound(`${mp}.name`, name));
    if (name) mountNames.add(name);
    const path = str(m.mountPath);
    if (isSet(m.mountPath) && path === '') errs.push(fieldErr.required(`${mp}.mountPath`));
    if (path) {
      if (paths.has(path)) errs.push(fieldErr.invalid(`${mp}.mountPath`, path, 'must be unique'));
      paths.add(path);
    }
    if (name && deviceNames.has(name)) errs.push(fieldErr.invalid(`${mp}.name`, name, 'must not already exist in volumeDevices'));
    if (path && devicePaths.has(path)) errs.push(fieldErr.invalid(`${mp}.mountPath`, path, 'must not already exist as a path in volumeDevices'));
    const sub = str(m.subPath);
    if (sub) {
      if (sub.startsWith('/')) errs.push(fieldErr.invalid(`${mp}.subPath`, sub, 'must be a relative path'));
      if (sub.split('/').includes('..')) errs.push(fieldErr.invalid(`${mp}.subPath`, sub, "must not contain '..'"));
      if (kind === 'ephemeral') errs.push(fieldErr.forbidden(`${mp}.subPath`, 'cannot be set for an Ephemeral Container'));
    }
    if (sub && str(m.subPathExpr)) errs.push(fieldErr.invalid(`${mp}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
    // Kubernetes' rule: a container that mounts back onto the host must be privileged.
    const privileged = (c.securityContext as { privileged?: unknown } | undefined)?.privileged === true;
    if (m.mountPropagation === 'Bidirectional' && !privileged) errs.push(fieldErr.forbidden(`${mp}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
    if (isSet(m.recursiveReadOnly) && m.recursiveReadOnly !== 'Disabled' && m.readOnly !== true) {
      errs.push(fieldErr.forbidden(`${mp}.recursiveReadOnly`, 'may only be specified when readOnly is true'));
    }
  });
  const devices = new Set<string>();
  const names = new Set<string>();
  objects(c.volumeDevices).forEach((d, i) => {
    const dp = `${p}.volumeDevices[${i}]`;
    const name = str(d.name);
    const vol = ctx.volumes.get(name);
    if (name && names.has(name)) errs.push(fieldErr.invalid(`${dp}.name`, name, 'must be unique'));
    if (name) names.add(name);
    if (name && !vol) errs.push(notFound(`${dp}.name`, name));
    else if (vol && !isSet(vol.persistentVolumeClaim) && !isSet(vol.ephemeral)) errs.push(fieldErr.invalid(`${dp}.name`, name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    const path = str(d.devicePath);
    if (path) {
      if (devices.has(path)) errs.push(fieldErr.invalid(`${dp}.devicePath`, path, 'must be unique'));
      if (path.split('/').includes('..')) errs.push(fieldErr.invalid(`${dp}.devicePath`, path, "can not contain backsteps ('..')"));
      else devices.add(path);
      if (paths.has(path)) errs.push(fieldErr.invalid(`${dp}.devicePath`, path, 'must not already exist as a path in volumeMounts'));
    }
    if (name && mountNames.has(name)) errs.push(fieldErr.invalid(`${dp}.name`, name, 'must not already exist in volumeMounts'));
  });
  return errs;
}

/** A probe or lifecycle handler: exactly one action. */
function validateHandler(h: Obj, p: string, keys: string[], what: string): FieldError[] {
  const set = keys.filter((k) => isSet(h[k]));
  const errs: FieldError[] = [];
  if (set.length === 0) errs.push(fieldErr.required(p, `must specify a ${what} type`));
  for (const extra of set.slice(1)) errs.push(fieldErr.forbidden(`${p}.${extra}`, `may not specify more than 1 ${what} type`));
  if (isObj(h.exec) && (!Array.isArray(h.exec.command) || h.exec.command.length === 0)) errs.push(fieldErr.required(`${p}.exec.command`));
  if (isObj(h.httpGet)) errs.push(...checkNumberOrNamedPort(`${p}.httpGet.port`, h.httpGet.port));
  if (isObj(h.tcpSocket)) errs.push(...checkNumberOrNamedPort(`${p}.tcpSocket.port`, h.tcpSocket.port));
  if (isObj(h.grpc)) errs.push(...checkPortNumber(`${p}.grpc.port`, h.grpc.port));
  return errs;
}

function validateProbe(probe: unknown, p: string, mustSucceedOnce: boolean): FieldError[] {
  if (!isObj(probe)) return [];
  const errs = validateHandler(probe, p, ['exec', 'httpGet', 'tcpSocket', 'grpc'], 'handler');
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) errs.push(...checkNonNegative(`${p}.${k}`, probe[k]));
  if (typeof probe.terminationGracePeriodSeconds === 'number' && probe.terminationGracePeriodSeconds <= 0) {
    errs.push(fieldErr.invalid(`${p}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  if (mustSucceedOnce && typeof probe.successThreshold === 'number' && probe.successThreshold !== 1) {
    errs.push(fieldErr.invalid(`${p}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  return errs;
}

function validateLifecycle(lc: unknown, p: string, ctx: ContainerContext): FieldError[] {
  if (!isObj(lc)) return [];
  const errs: FieldError[] = [];
  for (const hook of ['postStart', 'preStop']) {
    const h = lc[hook];
    if (!isObj(h)) continue;
    const hp = `${p}.${hook}`;
    errs.push(...validateHandler(h, hp, ['exec', 'httpGet', 'tcpSocket', 'sleep'], 'handler'));
    if (isObj(h.sleep) && typeof h.sleep.seconds === 'number') {
      const grace = ctx.terminationGracePeriodSeconds ?? 30;
      if (h.sleep.seconds <= 0 || h.sleep.seconds > grace) {
        errs.push(fieldErr.invalid(`${hp}.sleep.seconds`, h.sleep.seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${grace})`));
      }
    }
  }
  return errs;
}

function validateResources(res: unknown, p: string): FieldError[] {
  if (!isObj(res)) return [];
  const errs: FieldError[] = [];
  const limits = isObj(res.limits) ? res.limits : {};
  const requests = isObj(res.requests) ? res.requests : {};
  const value = (q: unknown): number | undefined => {
    try {
      return typeof q === 'string' || typeof q === 'number' ? parseQuantity(q) : undefined;
    } catch {
      return undefined; // syntax errors are reported by the schema
    }
  };
  for (const [part, list] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const [k, q] of Object.entries(list)) {
      const v = value(q);
      if (v !== undefined && v < 0) errs.push(fieldErr.invalid(`${p}.${part}[${k}]`, q, 'must be greater than or equal to 0'));
    }
  }
  for (const [k, q] of Object.entries(requests)) {
    if (limits[k] === undefined) continue;
    const r = value(q);
    const l = value(limits[k]);
    if (r !== undefined && l !== undefined && r > l) errs.push(fieldErr.invalid(`${p}.requests[${k}]`, q, `must be less than or equal to ${k} limit of ${String(limits[k])}`));
  }
  return errs;
}

function validateSecurityContext(sc: unknown, p: string): FieldError[] {
  if (!isObj(sc)) return [];
  const errs = validateProfiles(sc, p);
  if (sc.privileged === true && sc.allowPrivilegeEscalation === false) {
    errs.push(fieldErr.invalid(p, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  const add = isObj(sc.capabilities) && Array.isArray(sc.capabilities.add) ? sc.capabilities.add : [];
  if (sc.allowPrivilegeEscalation === false && add.some((c) => typeof c === 'string' && /^(CAP_)?SYS_ADMIN$/i.test(c))) {
    errs.push(fieldErr.invalid(p, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  }
  return errs;
}

/** seccomp and AppArmor: a localhost profile exactly when the type is Localhost. */
export function validateProfiles(sc: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, what] of [
    ['seccompProfile', 'seccomp'],
    ['appArmorProfile', 'AppArmor'],
  ] as const) {
    const prof = sc[key];
    if (!isObj(prof)) continue;
    if (prof.type === 'Localhost' && !str(prof.localhostProfile)) errs.push(fieldErr.required(`${p}.${key}.localhostProfile`, `must be set when ${what} type is Localhost`));
    if (prof.type !== 'Localhost' && isSet(prof.localhostProfile)) errs.push(fieldErr.invalid(`${p}.${key}.localhostProfile`, prof.localhostProfile, `can only be set when ${what} type is Localhost`));
    // A seccomp profile is a file under the node's seccomp directory: the path must stay inside it.
    const lp = str(prof.localhostProfile);
    if (key === 'seccompProfile' && lp.startsWith('/')) errs.push(fieldErr.invalid(`${p}.${key}.localhostProfile`, lp, 'must be a relative path'));
    if (key === 'seccompProfile' && lp.split('/').includes('..')) errs.push(fieldErr.invalid(`${p}.${key}.localhostProfile`, lp, "must not contain '..'"));
  }
  return errs;
}

export function validateContainer(c: Obj, p: string, kind: ContainerKind, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (isSet(c.name) && name === '') errs.push(fieldErr.required(`${p}.name`));
  else if (name) errs.push(...checkDNSLabel(`${p}.name`, name));
  const image = str(c.image);
  if (image === '') errs.push(fieldErr.required(`${p}.image`));
  else if (ctx.isPod && image.trim() !== image) errs.push(fieldErr.invalid(`${p}.image`, image, 'must not have leading or trailing whitespace'));
  errs.push(...validatePorts(c, p));
  errs.push(...validateEnv(c, p));
  errs.push(...validateMounts(c, p, ctx, kind));
  errs.push(...validateResources(c.resources, `${p}.resources`));
  errs.push(...validateSecurityContext(c.securityContext, `${p}.securityContext`));

  const sidecar = kind === 'init' && c.restartPolicy === 'Always';
  if (kind === 'regular' && isSet(c.restartPolicy)) errs.push(fieldErr.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  if (kind === 'ephemeral') {
    for (const f of ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'restartPolicy', 'resizePolicy']) {
      const v = c[f];
      if (isSet(v) && !(Array.isArray(v) && v.length === 0)) errs.push(fieldErr.forbidden(`${p}.${f}`, 'cannot be set for an Ephemeral Container'));
    }
    const res = c.resources;
    if (isObj(res) && Object.values(res).some((x) => (isObj(x) ? Object.keys(x).length > 0 : Array.isArray(x) && x.length > 0))) {
      errs.push(fieldErr.forbidden(`${p}.resources`, 'cannot be set for an Ephemeral Container'));
    }
    return errs;
  }
  if (kind === 'init' && !sidecar) {
    for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (isSet(c[f])) errs.push(fieldErr.forbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
    }
    return errs;
  }
  errs.push(...validateProbe(c.livenessProbe, `${p}.livenessProbe`, true));
  errs.push(...validateProbe(c.readinessProbe, `${p}.readinessProbe`, false));
  errs.push(...validateProbe(c.startupProbe, `${p}.startupProbe`, true));
  errs.push(...validateLifecycle(c.lifecycle, `${p}.lifecycle`, ctx));
  return errs;
}
