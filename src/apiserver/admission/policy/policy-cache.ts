// The ValidatingAdmissionPolicies and their bindings, in the API server's memory: listed, then kept
// current through their watch hubs (storage/watched-kind.ts), so a policy takes effect as soon as
// its event arrives (well within a second). Policies are compiled once per resourceVersion.

import type { KindDef, KObject } from '../../../api/kind.js';
import type { ApiState } from '../../context.js';
import { WatchedKind } from '../../storage/watched-kind.js';
import { type CompiledPolicy, compilePolicy } from './compiled-policy.js';
import { typeCheckPolicy } from './type-check.js';

export interface BindingEntry {
  name: string;
  obj: KObject;
}

export class PolicyCache {
  private policies = new Map<string, { obj: KObject; compiled?: CompiledPolicy }>();
  private bindings = new Map<string, KObject>();
  private watched: WatchedKind[] = [];

  constructor(
    private state: ApiState,
    private policyDef: KindDef,
    bindingDef: KindDef,
  ) {
    const log = state.log.child({ component: 'validating-admission-policy-cache' });
    const sinkOf = (m: Map<string, unknown>, wrap: (o: KObject) => unknown) => ({
      clear: () => m.clear(),
      put: (o: KObject) => m.set(o.metadata?.name ?? '', wrap(o)),
      remove: (o: KObject) => m.delete(o.metadata?.name ?? ''),
    });
    this.watched = [
      new WatchedKind({
        what: 'ValidatingAdmissionPolicy cache',
        objects: () => state.objects(policyDef),
        hub: () => state.hub(policyDef),
        log,
        sink: sinkOf(this.policies, (obj) => {
          this.noteStatus(obj);
          return { obj };
        }),
      }),
      new WatchedKind({ what: 'ValidatingAdmissionPolicyBinding cache', objects: () => state.objects(bindingDef), hub: () => state.hub(bindingDef), log, sink: sinkOf(this.bindings, (o) => o) }),
    ];
  }

  /** Policies whose status is to be written (name -> generation), and whether a write pass is queued. */
  private statusDue = new Map<string, number>();
  private statusQueued = false;

  /**
   * Kubernetes' type checker records status.observedGeneration and typeChecking for each policy
   * generation: warnings for field references the matched kinds' schemas lack (type-check.ts).
   * Other type errors show at evaluation only.
   */
  private noteStatus(obj: KObject) {
    const gen = Number(obj.metadata?.generation ?? 0);
    const status = obj.status as { observedGeneration?: number } | undefined;
    if (status?.observedGeneration === gen) return;
    this.statusDue.set(obj.metadata?.name ?? '', gen);
    if (this.statusQueued) return;
    this.statusQueued = true;
    setTimeout(() => void this.writeStatuses(), 50).unref();
  }

  private async writeStatuses() {
    this.statusQueued = false;
    const due = [...this.statusDue];
    this.statusDue.clear();
    for (const [name, gen] of due) {
      try {
        await this.state.objects(this.policyDef).guaranteedUpdate(undefined, name, (cur) => {
          if (Number(cur.metadata?.generation ?? 0) !== gen || (cur.status as { observedGeneration?: number } | undefined)?.observedGeneration === gen) return null;
          const expressionWarnings = typeCheckPolicy(cur, this.state.registry);
          cur.status = { ...(cur.status as object | undefined), observedGeneration: gen, typeChecking: expressionWarnings.length ? { expressionWarnings } : {} };
          return cur;
        });
      } catch {
        // Deleted meanwhile, or the store is away: the next event of the policy tries again.
      }
    }
  }

  async start() {
    await Promise.all(this.watched.map((w) => w.start()));
  }

  /** Filled at least once (requests wait for this, as Kubernetes' plugin waits for its informers). */
  get filled() {
    return this.watched.every((w) => w.filled);
  }

  /** Whether any binding exists (the cheap test every write makes). */
  get empty() {
    return this.bindings.size === 0;
  }

  /** Each binding with its compiled policy (bindings of missing policies are skipped, as in Kubernetes). */
  *bound(): Generator<{ binding: KObject; policy: CompiledPolicy; policyObj: KObject }> {
    for (const binding of this.bindings.values()) {
      const policyName = String((binding.spec as Record<string, unknown> | undefined)?.policyName ?? '');
      const entry = this.policies.get(policyName);
      if (!entry) continue;
      entry.compiled ??= compilePolicy(entry.obj);
      yield { binding, policy: entry.compiled, policyObj: entry.obj };
    }
  }

  close() {
    for (const w of this.watched) w.close();
  }
}
