// What Kubernetes' CSR storage strategy and its three certificate admission plugins do, as
// admission plugins on certificatesigningrequests:
// - CREATE: the requester (spec.username/uid/groups/extra) is the authenticated user, whatever the
//   body said; status starts empty.
// - status updates keep the Approved/Denied conditions as stored (only /approval changes them);
//   condition times are filled in.
// - CertificateApproval: changing Approved/Denied needs `approve` on signers/<signerName>.
// - CertificateSigning: setting status.certificate needs `sign` on signers/<signerName>.
// - CertificateSubjectRestriction: no kube-apiserver-client certificates for system:masters.

import { forbidden } from '../../api/errors.js';
import type { KObject } from '../../api/kind.js';
import type { Csr, CsrCondition } from '../../api/kinds/certificates/csr.js';
import { requestOf } from '../../api/kinds/certificates/csr-validation.js';
import type { AdmissionPlugin, AdmissionRequest } from '../admission/chain.js';
import type { ApiState, UserInfo } from '../context.js';
import { nowSeconds } from '../prepare.js';

const GROUP = 'certificates.k8s.io';
const ref = { group: GROUP, resource: 'certificatesigningrequests' };
const isCsr = (a: AdmissionRequest) => a.rc.def.group === GROUP && a.rc.def.plural === 'certificatesigningrequests';
const DECISIONS = ['Approved', 'Denied'];

/** Fills in lastUpdateTime/lastTransitionTime of new or changed conditions, as the strategy does. */
export function stampConditions(next: CsrCondition[] | undefined, old: CsrCondition[] | undefined) {
  const now = nowSeconds();
  for (const c of next ?? []) {
    const before = old?.find((o) => o.type === c.type);
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) c.lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
  }
}

const strategy: AdmissionPlugin = {
  name: 'CertificateSigningRequestStrategy',
  handles: (a) => isCsr(a) && (a.operation === 'CREATE' || (a.operation === 'UPDATE' && a.subresource !== '')),
  mutate(a) {
    const csr = a.obj as Csr;
    if (a.operation === 'CREATE') {
      const u = a.rc.user;
      csr.spec.username = u.name;
      if (u.uid) csr.spec.uid = u.uid;
      else delete csr.spec.uid;
      csr.spec.groups = [...u.groups];
      if (u.extra && Object.keys(u.extra).length) csr.spec.extra = structuredClone(u.extra);
      else delete csr.spec.extra;
      delete csr.status;
      return;
    }
    const old = a.old as Csr;
    csr.status ??= {};
    if (a.subresource === 'status') {
      // Only /approval decides: keep the stored Approved/Denied, drop any the body added.
      const others = (csr.status.conditions ?? []).filter((c) => !DECISIONS.includes(c.type));
      const kept = (old.status?.conditions ?? []).filter((c) => DECISIONS.includes(c.type));
      csr.status.conditions = [...kept, ...others];
    }
    stampConditions(csr.status.conditions, old.status?.conditions);
    if (csr.status.conditions?.length === 0) delete csr.status.conditions;
  },
};

async function allowedFor(state: ApiState, user: UserInfo, verb: string, signerName: string): Promise<boolean> {
  // Kubernetes asks for the signer itself, then for every signer of its domain ("example.com/*").
  const names = [signerName, `${signerName.split('/')[0]}/*`];
  for (const name of names) {
    const r = await state.authorizer.authorize({ user, verb, resourceRequest: true, apiGroup: GROUP, apiVersion: '*', resource: 'signers', name });
    if (r.decision === 'allow') return true;
  }
  return false;
}

const decisionsOf = (c: KObject | undefined) =>
  JSON.stringify(
    ((c as Csr | undefined)?.status?.conditions ?? [])
      .filter((x) => DECISIONS.includes(x.type))
      .map((x) => [x.type, x.status])
      .sort(),
  );

const approval: AdmissionPlugin = {
  name: 'CertificateApproval',
  handles: (a) => isCsr(a) && a.operation === 'UPDATE' && a.subresource === 'approval',
  async validate(a) {
    if (decisionsOf(a.obj) === decisionsOf(a.old)) return;
    const signer = (a.old as Csr).spec.signerName;
    if (!(await allowedFor(a.rc.api, a.rc.user, 'approve', signer))) throw forbidden(ref, a.rc.info.name ?? '', `user not permitted to approve requests with signerName "${signer}"`);
  },
};

const signing: AdmissionPlugin = {
  name: 'CertificateSigning',
  handles: (a) => isCsr(a) && a.operation === 'UPDATE' && a.subresource === 'status',
  async validate(a) {
    const cert = (a.obj as Csr).status?.certificate;
    if (!cert || cert === (a.old as Csr).status?.certificate) return;
    const signer = (a.old as Csr).spec.signerName;
    if (!(await allowedFor(a.rc.api, a.rc.user, 'sign', signer))) throw forbidden(ref, a.rc.info.name ?? '', `user not permitted to sign requests with signerName "${signer}"`);
  },
};

const subjectRestriction: AdmissionPlugin = {
  name: 'CertificateSubjectRestriction',
  handles: (a) => isCsr(a) && a.operation === 'CREATE' && (a.obj as Csr).spec?.signerName === 'kubernetes.io/kube-apiserver-client',
  validate(a) {
    let orgs: string[];
    try {
      orgs = requestOf(a.obj as Csr).organizations;
    } catch {
      return; // validation already refused it
    }
    if (orgs.includes('system:masters')) throw forbidden(ref, a.obj?.metadata?.name ?? '', 'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  },
};

export const csrAdmissionPlugins = [strategy, approval, signing, subjectRestriction];
