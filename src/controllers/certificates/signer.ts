// The CSR signing controller (kube-controller-manager's csrsigning for the kubernetes.io signers):
// an approved request for one of the built-in signers is checked against its signer's rules and
// either signed with the cluster CA (status.certificate) or marked Failed. Requests for other
// signers are left to whoever serves them.

import { rfc3339 } from '../../util/time.js';
import type { Csr } from '../../api/kinds/certificates/csr.js';
import { requestOf } from '../../api/kinds/certificates/csr-validation.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { ownKey, Controller } from '../controller.js';
import { signRequest, type SigningCA } from './sign.js';
import { conditionOf, KUBELET_SERVING, nodeNameOf, nodeServingNames, signerRuleViolation, SIGNERS, validitySeconds } from './signers.js';

/** Kubernetes' --cluster-signing-duration default: one year. */
export const DEFAULT_SIGNING_SECONDS = 365 * 24 * 3600;

export class CsrSigningController extends Controller {
  private csrs: InformerLike;
  private nodes: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    private ca: SigningCA,
    private maxSeconds = DEFAULT_SIGNING_SECONDS,
  ) {
    super('csrsigning', log, factory);
    this.csrs = this.informers.informer(R.certificatesigningrequests);
    this.nodes = this.informers.informer(R.nodes);
    this.watch(this.csrs, ownKey);
  }

  protected async reconcile(name: string) {
    const cached = this.csrs.get(name) as Csr | undefined;
    if (!cached || !SIGNERS.includes(cached.spec?.signerName)) return;
    if (!conditionOf(cached, 'Approved') || conditionOf(cached, 'Denied') || conditionOf(cached, 'Failed') || cached.status?.certificate) return;
    const csr = structuredClone(cached) as Csr;
    let violation: string | undefined;
    let parsed: ReturnType<typeof requestOf> | undefined;
    try {
      parsed = requestOf(csr);
      const nodeNames = csr.spec.signerName === KUBELET_SERVING ? (nodeServingNames(this.nodes.get(nodeNameOf(parsed))) ?? new Set<string>()) : undefined;
      violation = signerRuleViolation(csr, parsed, nodeNames);
    } catch (e) {
      violation = `the request cannot be parsed: ${(e as Error).message}`;
    }
    csr.status ??= {};
    if (violation || !parsed) {
      const now = rfc3339();
      csr.status.conditions = [...(csr.status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: violation ?? 'invalid request', lastUpdateTime: now, lastTransitionTime: now }];
      this.log.info('refused to sign a certificate signing request', { csr: name, signer: csr.spec.signerName, requestor: csr.spec.username, reason: violation });
    } else {
      const pem = await signRequest(this.ca, parsed, csr.spec.usages ?? [], validitySeconds(csr, this.maxSeconds));
      csr.status.certificate = Buffer.from(pem).toString('base64');
      this.log.info('signed a certificate', { csr: name, signer: csr.spec.signerName, subject: parsed.commonName, requestor: csr.spec.username });
    }
    try {
      await this.client.update(R.certificatesigningrequests, csr, 'status');
    } catch (e) {
      if (isNotFound(e)) return;
      if (isConflict(e)) return { requeueAfter: 100 };
      throw e;
    }
  }
}
