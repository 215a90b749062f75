// Kubernetes' DefaultIngressClass admission plugin: a new Ingress that names no class (neither
// spec.ingressClassName nor the kubernetes.io/ingress.class annotation) gets the default
// IngressClass, the one annotated ingressclass.kubernetes.io/is-default-class=true. With several
// defaults, the newest is chosen (oldest name first on a tie), as Kubernetes has since 1.25; with
// none, the Ingress is left without a class. Updates are never changed.

import type { KObject } from '../../api/kind.js';
import { INGRESS_CLASS_ANNOTATION, isDefaultIngressClass } from '../../api/kinds/networking/index.js';
import type { ApiState } from '../context.js';
import type { AdmissionPlugin } from './chain.js';

/** The class new Ingresses without one get: the newest of those marked default. */
export function pickDefaultIngressClass(classes: KObject[]): KObject | undefined {
  const created = (o: KObject) => Date.parse(o.metadata?.creationTimestamp ?? '') || 0;
  const name = (o: KObject) => o.metadata?.name ?? '';
  const defaults = classes.filter(isDefaultIngressClass);
  defaults.sort((x, y) => created(y) - created(x) || (name(x) < name(y) ? -1 : name(x) > name(y) ? 1 : 0));
  return defaults[0];
}

export function defaultIngressClassAdmission(state: ApiState): AdmissionPlugin {
  return {
    name: 'DefaultIngressClass',
    handles: (a) => a.operation === 'CREATE' && a.subresource === '' && a.rc.def.group === 'networking.k8s.io' && a.rc.def.plural === 'ingresses',
    async mutate(a) {
      const obj = a.obj;
      if (!obj) return;
      const spec = (obj.spec && typeof obj.spec === 'object' ? obj.spec : {}) as { ingressClassName?: string | null };
      if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) return;
      if (obj.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION] !== undefined) return;
      const def = state.registry.byResource('networking.k8s.io', 'v1', 'ingressclasses');
      if (!def) return;
      const chosen = pickDefaultIngressClass((await state.objects(def).list(undefined)).items);
      if (!chosen?.metadata?.name) return;
      spec.ingressClassName = chosen.metadata.name;
      obj.spec = spec;
    },
  };
}
