// networking.k8s.io/v1: Ingress, IngressClass and NetworkPolicy. Their controllers (an Ingress
// controller, policy enforcement) come with the networking issue.
import type { KindDef } from '../../kind.js';
import { ingress } from './ingress.js';
import { ingressClass } from './ingressclass.js';
import { networkPolicy } from './networkpolicy.js';

export { DEFAULT_INGRESS_CLASS_ANNOTATION, isDefaultIngressClass } from './ingressclass.js';
export { INGRESS_CLASS_ANNOTATION } from './ingress-validation.js';
export const networkingKinds: KindDef[] = [ingress, ingressClass, networkPolicy];
