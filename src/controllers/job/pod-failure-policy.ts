// podFailurePolicy FailJob rules: the first rule matching a failed pod (by a container's exit code
// or by a pod condition) decides; a FailJob match fails the whole Job at once with this message.

import type { PodStatus } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';

interface Rule {
  action: string;
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

export function matchFailJob(policy: unknown, failedPods: KObject[]): string | undefined {
  const rules = (policy as { rules?: Rule[] } | undefined)?.rules ?? [];
  if (!rules.length) return undefined;
  for (const pod of failedPods) {
    const status = (pod.status ?? {}) as PodStatus;
    for (const [i, rule] of rules.entries()) {
      let matched: string | undefined;
      if (rule.onExitCodes) {
        const { containerName, operator, values } = rule.onExitCodes;
        const c = (status.containerStatuses ?? []).find((cs) => {
          const code = cs.state?.terminated?.exitCode;
          if (code === undefined || code === 0 || (containerName && cs.name !== containerName)) return false;
          return operator === 'In' ? values.includes(code) : !values.includes(code);
        });
        if (c) matched = `Container ${c.name} for pod ${pod.metadata!.namespace}/${pod.metadata!.name} failed with exit code ${c.state!.terminated!.exitCode} matching ${rule.action} rule at index ${i}`;
      } else if (rule.onPodConditions) {
        const hit = rule.onPodConditions.find((pc) => (status.conditions ?? []).some((c) => c.type === pc.type && c.status === (pc.status ?? 'True')));
        if (hit) matched = `Pod ${pod.metadata!.namespace}/${pod.metadata!.name} has condition ${hit.type} matching ${rule.action} rule at index ${i}`;
      }
      if (matched) {
        if (rule.action === 'FailJob') return matched;
        break; // Ignore / Count / FailIndex: this pod is decided by this rule, not a FailJob
      }
    }
  }
  return undefined;
}
