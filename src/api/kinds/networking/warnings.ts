// Kubernetes' warning for Ingresses (WarningsOnCreate): the kubernetes.io/ingress.class annotation
// without spec.ingressClassName is deprecated. Sent as a `Warning:` header on create
// through the Ingress kind's warnings hook.

import type { KObject } from '../../kind.js';
import { isObj } from '../workloads/checks.js';
import { INGRESS_CLASS_ANNOTATION } from './ingress-validation.js';

export function ingressWarnings(o: KObject): string[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const annotated = o.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION] !== undefined;
  const named = spec.ingressClassName !== undefined && spec.ingressClassName !== null;
  return annotated && !named ? [`annotation "${INGRESS_CLASS_ANNOTATION}" is deprecated, please use 'spec.ingressClassName' instead`] : [];
}
