// Admission: the ordered plugins every write passes after the object is prepared (defaulted and
// validated) and before it is stored, as Kubernetes' admission chain. Mutating plugins run first,
// in order; if any changed the object, the kind's validation runs again; then validating plugins.
// Plugins register by name and run in ADMISSION_ORDER, whatever the order they were registered in,
// so a feature's plugin can be added from its own module without knowing the others.

import type { KObject } from '../../api/kind.js';
import type { RequestContext } from '../context.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequest {
  rc: RequestContext;
  operation: Operation;
  /** The object to be stored (CREATE, UPDATE): mutating plugins change it in place. Absent for DELETE. */
  obj?: KObject;
  /** The stored object (UPDATE, DELETE). */
  old?: KObject;
  /** '' for the main resource, else status, scale, binding, eviction... */
  subresource: string;
  dryRun: boolean;
}

export interface AdmissionPlugin {
  /** One of ADMISSION_ORDER's names. */
  readonly name: string;
  /** Which requests this plugin looks at (cheap: checked before mutate/validate). */
  handles(a: AdmissionRequest): boolean;
  /** Change a.obj in place. Throw an ApiError to refuse. */
  mutate?(a: AdmissionRequest): void | Promise<void>;
  /** Throw an ApiError to refuse; may push warnings to a.rc.warnings. */
  validate?(a: AdmissionRequest): void | Promise<void>;
}

/** Kubernetes' recommended order of its admission plugins (those gifee has or will have). */
export const ADMISSION_ORDER = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'PersistentVolumeClaimResize',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
] as const;

export class AdmissionChain {
  private plugins: AdmissionPlugin[] = [];

  /** Adds a plugin in its place in ADMISSION_ORDER (unknown names go last); replaces one of the same name. */
  register(p: AdmissionPlugin) {
    const rank = (n: string) => {
      const i = (ADMISSION_ORDER as readonly string[]).indexOf(n);
      return i < 0 ? ADMISSION_ORDER.length : i;
    };
    this.plugins = [...this.plugins.filter((q) => q.name !== p.name), p].sort((a, b) => rank(a.name) - rank(b.name));
  }

  names(): string[] {
    return this.plugins.map((p) => p.name);
  }

  /**
   * Runs the chain. `revalidate` is called when a mutating plugin changed the object, to apply the
   * kind's validation to the result (prepare.ts' rules), as Kubernetes validates after mutation.
   * `turn` is the request's checkpoint (context.ts, sliceTurn): on a large object each plugin, and
   * each copy or comparison of the whole object, may be tens of milliseconds, so the event loop gets
   * a turn between them when the request has used its slice.
   */
  async admit(a: AdmissionRequest, revalidate?: (obj: KObject) => void | Promise<void>, turn: () => Promise<void> | undefined = () => undefined): Promise<void> {
    const active = this.plugins.filter((p) => p.handles(a));
    if (active.length === 0) return;
    await turn();
    const before = a.obj && revalidate && active.some((p) => p.mutate) ? JSON.stringify(a.obj) : undefined;
    for (const p of active) {
      if (!p.mutate) continue;
      await turn();
      await p.mutate(a);
    }
    await turn();
    const changed = before !== undefined && a.obj !== undefined && JSON.stringify(a.obj) !== before;
    await turn();
    if (changed) await revalidate!(a.obj!);
    for (const p of active) {
      if (!p.validate) continue;
      await turn();
      await p.validate(a);
    }
  }
}
