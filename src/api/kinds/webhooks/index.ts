// admissionregistration.k8s.io/v1 MutatingWebhookConfiguration and ValidatingWebhookConfiguration:
// which admission webhooks the API server calls (src/apiserver/webhooks/ calls them).

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { mapList } from '../../schema.js';
import { mutatingWebhook, validatingWebhook } from './schema.js';
import { defaultWebhookConfiguration, validateWebhookConfiguration } from './validation.js';

const P = 'io.k8s.api.admissionregistration.v1';

function webhookConfigurationKind(mutating: boolean): KindDef {
  const kind = mutating ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration';
  return {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind,
    plural: `${kind.toLowerCase()}s`,
    singular: kind.toLowerCase(),
    namespaced: false,
    categories: ['api-extensions'],
    schema: kindSchema(`${P}.${kind}`, mutating ? 'Admission webhooks that may accept, refuse and change objects. Cluster-scoped.' : 'Admission webhooks that accept or refuse objects without changing them. Cluster-scoped.', {
      webhooks: mapList(mutating ? mutatingWebhook : validatingWebhook, 'name', 'The webhooks and the resources and operations each one looks at.'),
    }),
    printerColumns: [{ name: 'Webhooks', type: 'integer', description: 'How many webhooks the configuration has.', cell: (o) => ((o as { webhooks?: unknown[] }).webhooks ?? []).length }],
    default: defaultWebhookConfiguration(mutating),
    validate: validateWebhookConfiguration(mutating),
  };
}

export const mutatingWebhookConfiguration = webhookConfigurationKind(true);
export const validatingWebhookConfiguration = webhookConfigurationKind(false);
export const webhookKinds: KindDef[] = [mutatingWebhookConfiguration, validatingWebhookConfiguration];
