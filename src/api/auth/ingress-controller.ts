// The identity of the ingress controller every agent runs built in (src/agent/ingress;
// docs/ingress.md): a service account each agent obtains a token for, bound to its own Node, as the
// storage sidecars do (storage-sidecars.ts), so that reading every Ingress, Service, EndpointSlice and
// TLS Secret never runs as the node (whose Node authorizer limits are kept). Named here because the
// API server (default accounts, RBAC, the Node authorizer, NodeRestriction) and the agent need them.

export const INGRESS_CONTROLLER_NAMESPACE = 'kube-system';
export const INGRESS_CONTROLLER_SERVICE_ACCOUNT = 'gifee-ingress';
/** The ClusterRole (ingress-nginx's controller RBAC, minus what gifee's controller does not use) bound to that account. */
export const INGRESS_CONTROLLER_ROLE = 'system:gifee:ingress-controller';

export const isIngressControllerAccount = (namespace: string | undefined, name: string | undefined) => namespace === INGRESS_CONTROLLER_NAMESPACE && name === INGRESS_CONTROLLER_SERVICE_ACCOUNT;

/** The IngressClass the API server creates at start (marked default unless another class is) and the controller it names. */
export const GIFEE_INGRESS_CLASS = 'gifee';
export const GIFEE_INGRESS_CONTROLLER = 'gifee.dev/ingress-controller';
