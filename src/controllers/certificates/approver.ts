// The CSR approving controller: approves what nodes may have without a person looking, as
// kube-controller-manager's csrapproving (node client certificates) and k3s / kubelet-csr-approver
// (node serving certificates) do:
// - kube-apiserver-client-kubelet, subject system:node:NAME in system:nodes: from a bootstrap token
//   (permission certificatesigningrequests/nodeclient) or from that same node renewing
//   (certificatesigningrequests/selfnodeclient);
// - kubelet-serving from system:node:NAME for NAME itself, naming only that Node's addresses.
// The permission is asked through a SubjectAccessReview, as Kubernetes does (the API server this
// controller runs against always serves them). A node asking for another node's name is Denied; a
// bootstrap token asking for anything but a node client certificate is left pending.

import { rfc3339 } from '../../util/time.js';
import type { Csr } from '../../api/kinds/certificates/csr.js';
import type { ParsedRequest } from '../../api/kinds/certificates/csr-request.js';
import { requestOf } from '../../api/kinds/certificates/csr-validation.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey } from '../controller.js';
import { BOOTSTRAPPERS_GROUP, conditionOf, KUBELET_CLIENT, KUBELET_SERVING, NODE_PREFIX, NODES_GROUP, nodeNameOf, nodeServingNames, signerRuleViolation } from './signers.js';

export type Verdict = { approve: string } | { deny: string; reason: string } | { wait: string } | undefined;

/** What the approver decides from the request alone (the SubjectAccessReview comes after an approve). */
export function approverVerdict(csr: Csr, p: ParsedRequest, node: { metadata?: { name?: string }; status?: unknown } | undefined): Verdict {
  const user = csr.spec.username ?? '';
  const groups = csr.spec.groups ?? [];
  const requestorIsNode = user.startsWith(NODE_PREFIX) && groups.includes(NODES_GROUP);
  const bootstrapper = groups.includes(BOOTSTRAPPERS_GROUP);
  const signer = csr.spec.signerName;
  // A bootstrap token asking for another kind of certificate is left pending, as by Kubernetes'
  // approver: this controller may decide (approve or deny) only for the kubelet signers, and an
  // administrator (or the cleaner, after a day) deals with the rest.
  if (bootstrapper && signer !== KUBELET_CLIENT) return undefined;
  if (signer === KUBELET_CLIENT) {
    const broken = signerRuleViolation(csr, p);
    if (broken) return bootstrapper || requestorIsNode ? { deny: broken, reason: 'NotANodeClientRequest' } : undefined;
    if (requestorIsNode && user !== p.commonName) return { deny: `node ${user} may not request a certificate for ${p.commonName}`, reason: 'NodeNameMismatch' };
    if (requestorIsNode) return { approve: 'selfnodeclient' };
    if (bootstrapper) return { approve: 'nodeclient' };
    return undefined;
  }
  if (signer === KUBELET_SERVING) {
    if (!requestorIsNode) return undefined;
    if (user !== p.commonName) return { deny: `node ${user} may not request a serving certificate for ${p.commonName}`, reason: 'NodeNameMismatch' };
    if (!node) return { wait: `node ${nodeNameOf(p)} is not registered yet` };
    const broken = signerRuleViolation(csr, p, nodeServingNames(node));
    if (broken) return { deny: broken, reason: 'NotThisNodesAddresses' };
    return { approve: 'selfnodeserving' };
  }
  return undefined;
}

const MESSAGES: Record<string, string> = {
  nodeclient: 'Auto approving kubelet client certificate after SubjectAccessReview.',
  selfnodeclient: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
  selfnodeserving: "Auto approving kubelet serving certificate: the node's own name and addresses.",
};

export class CsrApprovingController extends Controller {
  private csrs: InformerLike;
  private nodes: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('csrapproving', log, factory);
    this.csrs = this.informers.informer(R.certificatesigningrequests);
    this.nodes = this.informers.informer(R.nodes);
    this.watch(this.csrs, ownKey);
  }

  protected async reconcile(name: string) {
    const cached = this.csrs.get(name) as Csr | undefined;
    if (!cached || conditionOf(cached, 'Approved') || conditionOf(cached, 'Denied') || conditionOf(cached, 'Failed')) return;
    let parsed: ParsedRequest;
    try {
      parsed = requestOf(cached);
    } catch {
      return;
    }
    const verdict = approverVerdict(cached, parsed, this.nodes.get(nodeNameOf(parsed)));
    if (!verdict) return;
    if ('wait' in verdict) return { requeueAfter: 2000 };
    const csr = structuredClone(cached) as Csr;
    const now = rfc3339();
    if ('deny' in verdict) {
      csr.status = { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), { type: 'Denied', status: 'True', reason: verdict.reason, message: verdict.deny, lastUpdateTime: now, lastTransitionTime: now }] };
      this.log.info('denied a certificate signing request', { csr: name, requestor: csr.spec.username, reason: verdict.deny });
    } else {
      if (!(await this.permitted(csr, verdict.approve))) return;
      csr.status = { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: MESSAGES[verdict.approve], lastUpdateTime: now, lastTransitionTime: now }] };
      this.log.info('approved a certificate signing request', { csr: name, requestor: csr.spec.username, as: verdict.approve });
    }
    try {
      await this.client.update(R.certificatesigningrequests, csr, 'approval');
    } catch (e) {
      if (isNotFound(e)) return;
      if (isConflict(e)) return { requeueAfter: 100 };
      throw e;
    }
  }

  /** Whether the requestor may create certificatesigningrequests/<sub> (Kubernetes' approver check). */
  private async permitted(csr: Csr, subresource: string): Promise<boolean> {
    if (subresource === 'selfnodeserving') return true;
    const r = await this.client.create({ group: 'authorization.k8s.io', version: 'v1', plural: 'subjectaccessreviews', namespaced: false }, undefined, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: csr.spec.username, uid: csr.spec.uid, groups: csr.spec.groups, extra: csr.spec.extra, resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource } },
    });
    return !!(r.status as { allowed?: boolean } | undefined)?.allowed;
  }
}
