// A joined node's own identity, as the kubelet's TLS bootstrap and certificate rotation:
// - client certificate system:node:NAME (O system:nodes) from the signer
//   kubernetes.io/kube-apiserver-client-kubelet, asked for once with the bootstrap token, kept in
//   DATA/pki/kubelet-client.{crt,key}; a restart with a valid one needs no token;
// - serving certificate for the agent's port from kubernetes.io/kubelet-serving (the node's name
//   and address), kept in DATA/pki/kubelet-serving.{crt,key};
// - both renewed through a new CSR, made with the current client certificate, at a random point
//   between 70% and 90% of their lifetime; the new pair is stored and used at once (no restart).

import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RestClient } from '../client/rest.js';
import type { ServerPool } from '../client/server-pool.js';
import type { Logger } from '../util/log.js';
import { requestCertificate } from './csr-client.js';
import type { CertPair } from './pki.js';

export const CLIENT_FILE = 'kubelet-client';
export const SERVING_FILE = 'kubelet-serving';
const KUBELET_CLIENT = 'kubernetes.io/kube-apiserver-client-kubelet';
const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';

/** expirationSeconds asked for: none, so the signer's own (one year), as the kubelet does. */
const requestedSeconds = (): number | undefined => undefined;

/** A stored pair, if it is still valid, issued by a CA of this bundle (two during a CA rotation) and for this subject. */
export async function loadValidPair(pkiDir: string, name: string, caPem: string, commonName: string, now = Date.now()): Promise<CertPair | undefined> {
  const crt = join(pkiDir, `${name}.crt`);
  const key = join(pkiDir, `${name}.key`);
  if (!existsSync(crt) || !existsSync(key)) return undefined;
  try {
    const pair = { cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') };
    const c = new X509Certificate(pair.cert);
    const { parseBundle } = await import('./ca-bundle.js');
    if (!parseBundle(caPem).some((ca) => c.checkIssued(ca) && c.verify(ca.publicKey))) return undefined;
    if (Date.parse(c.validTo) <= now + 60_000 || Date.parse(c.validFrom) > now + 600_000) return undefined;
    if (!/(^|\n)CN=(.*)$/m.test(c.subject) || /(?:^|\n)CN=(.*)$/m.exec(c.subject)?.[1] !== commonName) return undefined;
    return pair;
  } catch {
    return undefined;
  }
}

/** Whether the first CA of a bundle (the one that signs: Pki.trust puts it first) issued this certificate. */
export function signedByFirst(bundle: string, certPem: string): boolean {
  try {
    const m = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(bundle);
    if (!m) return false;
    const ca = new X509Certificate(m[0]);
    const c = new X509Certificate(certPem);
    return c.checkIssued(ca) && c.verify(ca.publicKey);
  } catch {
    return false;
  }
}

export async function storePair(pkiDir: string, name: string, pair: CertPair) {
  // Key first, then certificate, each written whole: a crash in between leaves a pair that fails loadValidPair's checks, not a torn file.
  for (const [ext, text, mode] of [
    ['key', pair.key, 0o600],
    ['crt', pair.cert, 0o644],
  ] as const) {
    const path = join(pkiDir, `${name}.${ext}`);
    await writeFile(`${path}.tmp`, text, { mode });
    await rename(`${path}.tmp`, path);
  }
}

/** The node's client certificate, asked for with the bootstrap token (the approver signs it for this node name). */
export async function bootstrapClientCertificate(o: { server: string; pool?: ServerPool; ca: string; bootstrapToken: string; nodeName: string; log: Logger }): Promise<CertPair> {
  const client = new RestClient({ server: o.server, pool: o.pool, ca: o.ca, token: o.bootstrapToken, userAgent: `gifee-agent/${o.nodeName} (bootstrap)` });
  try {
    o.log.info("asking for this node's client certificate", { node: o.nodeName, signer: KUBELET_CLIENT });
    return await requestCertificate(client, { commonName: `system:node:${o.nodeName}`, organizations: ['system:nodes'] }, { generateName: 'node-csr-', signerName: KUBELET_CLIENT, usages: ['digital signature', 'client auth'], expirationSeconds: requestedSeconds() });
  } finally {
    client.close();
  }
}

export async function requestClientCertificate(client: RestClient, nodeName: string): Promise<CertPair> {
  return requestCertificate(client, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'] }, { generateName: 'node-csr-', signerName: KUBELET_CLIENT, usages: ['digital signature', 'client auth'], expirationSeconds: requestedSeconds() });
}

export async function requestServingCertificate(client: RestClient, nodeName: string, nodeIP: string): Promise<CertPair> {
  return requestCertificate(client, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], dnsNames: [nodeName], ips: [nodeIP] }, { generateName: 'csr-', signerName: KUBELET_SERVING, usages: ['digital signature', 'server auth'], expirationSeconds: requestedSeconds(), timeoutMs: 300_000 });
}

/** When to renew a certificate: a random point between 70% and 90% of its lifetime (the kubelet's jitter). */
export function renewalTime(certPem: string, random = Math.random()): number {
  const c = new X509Certificate(certPem);
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  return from + (to - from) * (0.7 + 0.2 * random);
}

/** Renews a certificate before it expires, forever, until stopped; each new pair goes to `use`. */
export class CertificateRotator {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private rotating = false;

  constructor(private o: { what: string; current: CertPair; renew: () => Promise<CertPair>; use: (pair: CertPair) => Promise<void> | void; log: Logger; retryMs?: number }) {}

  start() {
    this.schedule(renewalTime(this.o.current.cert) - Date.now());
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The certificate held now. */
  get current(): CertPair {
    return this.o.current;
  }

  /** Renew now, not at the planned time (the cluster's signing CA changed); a renewal under way is left to finish. */
  renewNow() {
    if (this.stopped || this.rotating) return;
    clearTimeout(this.timer);
    void this.rotate();
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    // setTimeout's limit is ~24.8 days: longer waits are taken in steps.
    const step = Math.max(0, Math.min(ms, 2 ** 31 - 1));
    this.timer = setTimeout(() => {
      if (ms > step) return this.schedule(ms - step);
      void this.rotate();
    }, step);
    this.timer.unref();
  }

  private async rotate() {
    this.rotating = true;
    try {
      this.o.log.info('renewing a certificate', { what: this.o.what });
      const pair = await this.o.renew();
      if (this.stopped) return;
      await this.o.use(pair);
      this.o.current = pair;
      this.o.log.info('renewed a certificate', { what: this.o.what, notAfter: new X509Certificate(pair.cert).validTo });
      this.schedule(renewalTime(pair.cert) - Date.now());
    } catch (e) {
      this.o.log.warn('renewing a certificate failed; retrying', { what: this.o.what, err: (e as Error).message });
      this.schedule(this.o.retryMs ?? 30_000);
    } finally {
      this.rotating = false;
    }
  }
}
