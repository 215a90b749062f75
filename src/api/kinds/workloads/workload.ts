// What the pod-template workloads share: selector and template checks (selector required, not empty,
// matching the template's labels), immutable selectors, and non-negative counters.

import { fieldErr } from '../../errors.js';
import { deepEqual } from '../../../util/equal.js';
import type { FieldError } from '../../kind.js';
import { selectorFromObject } from '../../labels.js';
import { type Obj, checkLabelSelector, checkNonNegative, isObj, isSet } from './checks.js';
import { validatePodTemplateSpec } from './pod-validation.js';

/**
 * spec.selector: valid and (for apps kinds, emptyWord set) not empty. An absent selector is reported
 * only when `reportMissing` (apps kinds list it as required in their schema, which reports it).
 */
export function validateSelector(spec: Obj, p: string, emptyWord?: string, reportMissing = false): FieldError[] {
  const sel = spec.selector;
  if (!isSet(sel)) return reportMissing ? [fieldErr.required(`${p}.selector`)] : [];
  const errs = checkLabelSelector(`${p}.selector`, sel);
  if (emptyWord && isObj(sel)) {
    const n = Object.keys(isObj(sel.matchLabels) ? sel.matchLabels : {}).length + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0);
    if (n === 0) errs.push(fieldErr.invalid(`${p}.selector`, sel, `empty selector is invalid for ${emptyWord}`));
  }
  return errs;
}

/** The template's labels must be selected by spec.selector (an empty selector checks nothing). */
export function validateSelectorMatchesTemplate(spec: Obj, p: string): FieldError[] {
  const sel = spec.selector;
  const tmpl = isObj(spec.template) ? spec.template : {};
  const meta = isObj(tmpl.metadata) ? tmpl.metadata : {};
  const labels = (isObj(meta.labels) ? meta.labels : {}) as Record<string, string>;
  if (isObj(sel)) {
    const s = selectorFromObject(sel);
    if (s.requirements.length === 0) return [];
    if (s.matches(labels)) return [];
  }
  return [fieldErr.invalid(`${p}.template.metadata.labels`, labels, '`selector` does not match template `labels`')];
}

export interface ReplicatedOpts {
  /** Word in "empty selector is invalid for <word>"; Kubernetes says "deployment" for ReplicaSets too. */
  emptySelectorWord: string;
  /** Word in "activeDeadlineSeconds in <Kind> is not Supported". */
  kindWord: string;
  /** Volume names provided outside the template (StatefulSet volumeClaimTemplates). */
  claimVolumes?: string[];
}

/** Selector, template (restartPolicy Always, no activeDeadlineSeconds) and counters of apps/v1 kinds. */
export function validateReplicatedSpec(spec: unknown, p: string, opts: ReplicatedOpts): FieldError[] {
  // Without a spec the schema checks nothing inside it: report what Kubernetes would.
  if (!isObj(spec)) return [fieldErr.required(`${p}.selector`), fieldErr.required(`${p}.template`)];
  const s = spec;
  const errs: FieldError[] = [];
  errs.push(...checkNonNegative(`${p}.replicas`, s.replicas));
  errs.push(...checkNonNegative(`${p}.minReadySeconds`, s.minReadySeconds));
  errs.push(...checkNonNegative(`${p}.revisionHistoryLimit`, s.revisionHistoryLimit));
  errs.push(...validateSelector(s, p, opts.emptySelectorWord));
  if (!isSet(s.template)) return errs; // required by the schema
  errs.push(...validateSelectorMatchesTemplate(s, p));
  errs.push(...validatePodTemplateSpec(s.template, `${p}.template`, opts.claimVolumes));
  const podSpec = isObj(s.template) && isObj(s.template.spec) ? s.template.spec : {};
  if (isSet(podSpec.restartPolicy) && podSpec.restartPolicy !== 'Always') {
    errs.push(fieldErr.notSupported(`${p}.template.spec.restartPolicy`, podSpec.restartPolicy, ['Always']));
  }
  if (isSet(podSpec.activeDeadlineSeconds)) {
    errs.push(fieldErr.invalid(`${p}.template.spec.activeDeadlineSeconds`, podSpec.activeDeadlineSeconds, `activeDeadlineSeconds in ${opts.kindWord} is not Supported`));
  }
  return errs;
}

/** apps/v1 selectors cannot change once created. */
export function validateSelectorImmutable(spec: unknown, oldSpec: unknown, p = 'spec'): FieldError[] {
  const a = isObj(spec) ? spec.selector : undefined;
  const b = isObj(oldSpec) ? oldSpec.selector : undefined;
  return deepEqual(a, b) ? [] : [fieldErr.invalid(`${p}.selector`, a ?? null, 'field is immutable')];
}
