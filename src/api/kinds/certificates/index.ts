// certificates.k8s.io kinds.
import type { KindDef } from '../../kind.js';
import { certificateSigningRequest } from './csr.js';

export const certificateKinds: KindDef[] = [certificateSigningRequest];
