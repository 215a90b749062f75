// The CSR cleaner (kube-controller-manager's csrcleaner): requests do not pile up. Approved or
// denied ones go after an hour, failed ones after an hour, pending ones after a day, and issued
// ones once their certificate has expired.

import { X509Certificate } from 'node:crypto';
import type { Csr } from '../../api/kinds/certificates/csr.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey } from '../controller.js';

const HOUR = 3600_000;
export const APPROVED_TTL_MS = HOUR;
export const DENIED_TTL_MS = HOUR;
export const PENDING_TTL_MS = 24 * HOUR;

/** When this request may be deleted (ms since epoch). */
export function expiresAt(csr: Csr): number {
  const created = Date.parse(csr.metadata?.creationTimestamp ?? '') || Date.now();
  const conds = csr.status?.conditions ?? [];
  const when = (t: string) => {
    const c = conds.find((x) => x.type === t && x.status === 'True');
    return c ? Date.parse(c.lastUpdateTime ?? c.lastTransitionTime ?? '') || created : undefined;
  };
  const ends: number[] = [];
  const approved = when('Approved');
  const denied = when('Denied');
  const failed = when('Failed');
  if (approved !== undefined) ends.push(approved + APPROVED_TTL_MS);
  if (denied !== undefined) ends.push(denied + DENIED_TTL_MS);
  if (failed !== undefined) ends.push(failed + DENIED_TTL_MS);
  if (csr.status?.certificate) {
    try {
      ends.push(Date.parse(new X509Certificate(Buffer.from(csr.status.certificate, 'base64').toString('utf8')).validTo));
    } catch {
      /* unreadable: the other rules decide */
    }
  }
  if (ends.length === 0) ends.push(created + PENDING_TTL_MS);
  return Math.min(...ends);
}

export class CsrCleanerController extends Controller {
  private csrs: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('csrcleaner', log, factory);
    this.csrs = this.informers.informer(R.certificatesigningrequests);
    this.watch(this.csrs, ownKey);
  }

  protected async reconcile(name: string) {
    const csr = this.csrs.get(name) as Csr | undefined;
    if (!csr) return;
    const left = expiresAt(csr) - Date.now();
    if (left > 0) return { requeueAfter: Math.min(left + 100, 2 ** 31 - 1) };
    try {
      await this.client.delete(R.certificatesigningrequests, undefined, name, { preconditions: { uid: csr.metadata?.uid } });
      this.log.info('deleted an old certificate signing request', { csr: name });
    } catch (e) {
      if (!isNotFound(e) && (e as { code?: number }).code !== 409) throw e;
    }
  }
}
