// The certificates API's server side: the approval subresource and the CSR admission plugins.

import type { ApiState } from '../context.js';
import { csrAdmissionPlugins } from './csr-admission.js';

export function installCertificates(state: ApiState) {
  for (const p of csrAdmissionPlugins) state.admission.register(p);
}
