// Schemas of admissionregistration.k8s.io/v1 MutatingWebhookConfiguration and
// ValidatingWebhookConfiguration, as Kubernetes publishes them (names of the OpenAPI definitions
// included, so kubectl explain shows the familiar types).

import { labelSelector } from '../../meta.js';
import { bytes, enumOf, int32, listOf, mapList, str, struct } from '../../schema.js';

const P = 'io.k8s.api.admissionregistration.v1';

export const serviceReference = struct(`${P}.ServiceReference`, 'The Service a webhook is reached through: its endpoints are called over HTTPS, the certificate checked for <name>.<namespace>.svc.', {
  namespace: str('The namespace of the service. Required.'),
  name: str('The name of the service. Required.'),
  path: str('An optional URL path sent in every request to the service.'),
  port: int32('The port on the service that hosts the webhook (default 443).'),
});

export const webhookClientConfig = struct(`${P}.WebhookClientConfig`, 'How to reach the webhook: exactly one of url and service, with the CA bundle its serving certificate is verified against.', {
  url: str('The location of the webhook in standard URL form (https://host:port/path); no user info, query or fragment.'),
  service: serviceReference,
  caBundle: bytes('PEM encoded CA bundle used to validate the serving certificate of the webhook (default: the system roots).'),
});

export const ruleWithOperations = struct(`${P}.RuleWithOperations`, 'The operations and resources a webhook looks at; a request matches if it matches every list.', {
  operations: listOf(str(), 'The operations: CREATE, UPDATE, DELETE, CONNECT or * for all.'),
  apiGroups: listOf(str(), 'API groups ("" is core, * is all).'),
  apiVersions: listOf(str(), 'API versions (* is all).'),
  resources: listOf(str(), 'Resources (pods, pods/status, */scale, * for all resources but no subresources, */* for everything).'),
  scope: enumOf(['Cluster', 'Namespaced', '*'], 'Which scope the rule covers (default *).'),
});

export const matchCondition = struct(`${P}.MatchCondition`, 'A CEL expression a request must satisfy to be sent to the webhook.', {
  name: str('An identifier of this condition, unique in the webhook (a qualified name).'),
  expression: str('A CEL expression over object, oldObject, request and authorizer that returns a boolean.'),
});

function webhookFields(mutating: boolean) {
  return {
    name: str('The name of the webhook, a fully qualified name with at least three segments (e.g. imagepolicy.kubernetes.io).'),
    clientConfig: webhookClientConfig,
    rules: listOf(ruleWithOperations, 'The operations and resources the webhook cares about.'),
    failurePolicy: enumOf(['Ignore', 'Fail'], 'What an error calling the webhook does: Fail refuses the request, Ignore lets it through (default Fail).'),
    matchPolicy: enumOf(['Exact', 'Equivalent'], 'Whether a request to an equivalent resource (another version or group of the same kind) is sent, converted (default Equivalent).'),
    namespaceSelector: labelSelector,
    objectSelector: labelSelector,
    sideEffects: enumOf(['None', 'NoneOnDryRun'], 'Whether calling the webhook has side effects; dry-run requests are only sent to webhooks without them. Required.'),
    timeoutSeconds: int32('How long to wait for the webhook, 1 to 30 seconds (default 10).'),
    admissionReviewVersions: listOf(str(), 'AdmissionReview versions the webhook accepts, preferred first (v1, v1beta1).'),
    ...(mutating ? { reinvocationPolicy: enumOf(['Never', 'IfNeeded'], 'Whether the webhook is called again when a later mutation changed the object (default Never).') } : {}),
    matchConditions: mapList(matchCondition, 'name', 'CEL conditions a request must all satisfy to be sent (at most 64).'),
  };
}

export const mutatingWebhook = struct(`${P}.MutatingWebhook`, 'An admission webhook that may change the object.', webhookFields(true), { documentedRequired: ['name', 'clientConfig', 'sideEffects', 'admissionReviewVersions'] });
export const validatingWebhook = struct(`${P}.ValidatingWebhook`, 'An admission webhook that accepts or refuses requests.', webhookFields(false), { documentedRequired: ['name', 'clientConfig', 'sideEffects', 'admissionReviewVersions'] });
