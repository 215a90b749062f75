// The part of Kubernetes' NamespaceLifecycle admission that guards DELETE: default, kube-system
// and kube-public may not be deleted (403 "this namespace may not be deleted"). As an admission
// plugin, a dry-run delete is refused the same way.

import { forbidden } from '../../api/errors.js';
import type { ApiState } from '../context.js';
import type { AdmissionPlugin } from './chain.js';

export const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export const immortalNamespaces: AdmissionPlugin = {
  // Not 'NamespaceLifecycle' itself: registering under that name would replace a fuller plugin of
  // that name if one is added; an unknown name runs after the ordered ones, which a DELETE check allows.
  name: 'NamespaceLifecycle/immortal-namespaces',
  handles: (a) => a.operation === 'DELETE' && !a.subresource && a.rc.def.group === '' && a.rc.def.plural === 'namespaces',
  validate(a) {
    const name = a.old?.metadata?.name ?? a.rc.info.name ?? '';
    if (IMMORTAL_NAMESPACES.has(name)) throw forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
  },
};

export function installImmortalNamespaces(state: ApiState) {
  state.admission.register(immortalNamespaces);
}
