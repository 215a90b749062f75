// admissionregistration.k8s.io/v1 kinds of ValidatingAdmissionPolicy (the webhook configurations live beside them).
import type { KindDef } from '../../kind.js';
import { validatingAdmissionPolicy } from './validating-admission-policy.js';
import { validatingAdmissionPolicyBinding } from './validating-admission-policy-binding.js';

export const admissionPolicyKinds: KindDef[] = [validatingAdmissionPolicy, validatingAdmissionPolicyBinding];
