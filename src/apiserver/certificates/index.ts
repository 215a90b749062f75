// The certificates API's server side: the approval subresource and the CSR admission plugins.

import type { ApiState } from '../context.js';
import { subresourceHandlers } from '../router.js';
import { handleApproval } from './approval.js';
import { csrAdmissionPlugins } from './csr-admission.js';

subresourceHandlers.set('certificates.k8s.io/certificatesigningrequests/approval', handleApproval);

export function installCertificates(state: ApiState) {
  for (const p of csrAdmissionPlugins) state.admission.register(p);
}
