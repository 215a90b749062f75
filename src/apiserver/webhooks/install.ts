// Wires the webhook admission plugins into an API server: the two configuration caches follow
// their kinds' storage (started before /readyz says ok), the plugins take their places in
// ADMISSION_ORDER, and Services are resolved from storage.

import type { KindDef } from '../../api/kind.js';
import type { ApiState } from '../context.js';
import { mutatingWebhookPlugin, validatingWebhookPlugin } from './admission.js';
import { WebhookConfigCache } from './config-cache.js';
import { setConversionServiceResolver } from './conversion.js';
import { NamespaceLabels } from './namespace-labels.js';
import { storageServiceResolver } from './service-resolver.js';

export function installWebhookAdmission(state: ApiState): { close(): void } {
  const mutating = new WebhookConfigCache();
  const validating = new WebhookConfigCache();
  const G = 'admissionregistration.k8s.io';
  const follow = (cache: WebhookConfigCache, plural: string) => {
    const def = state.registry.byResource(G, 'v1', plural);
    if (!def) return;
    state.postStartHooks.push({
      name: `start-${plural}-cache`,
      run: () =>
        cache.watch(
          () => state.objects(def),
          () => state.hub(def),
          state.log,
          `webhook cache (${plural})`,
        ),
    });
  };
  follow(mutating, 'mutatingwebhookconfigurations');
  follow(validating, 'validatingwebhookconfigurations');
  const namespaces = new NamespaceLabels(state);
  state.postStartHooks.push({ name: 'start-webhook-namespace-labels', run: () => namespaces.start() });
  const resolve = storageServiceResolver(state);
  setConversionServiceResolver(resolve);
  const deps = {
    mutating,
    validating,
    resolve,
    namespaceLabels: (name: string) => namespaces.get(name),
    versionsOf: (def: KindDef) => (def.conversion ? state.registry.all().filter((d) => d.group === def.group && d.plural === def.plural) : [def]),
    log: state.log.child({ component: 'webhook-admission' }),
    // Read at each request: the server installs its authorizer after this.
    get authorizer() {
      return state.authorizer;
    },
  };
  state.admission.register(mutatingWebhookPlugin(deps));
  state.admission.register(validatingWebhookPlugin(deps));
  return {
    close() {
      mutating.close();
      validating.close();
      namespaces.close();
    },
  };
}
