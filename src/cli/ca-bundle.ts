// A joined agent's CA bundle (DATA/pki/ca.crt) kept in step with the cluster's, so a CA rotation
// (`gifee certs rotate-ca`) does not cut it off: at start and every minute it asks a server for its
// bundle (/cacerts, over TLS verified with the bundle it holds) and takes it only if every CA in it
// is one it trusts already, one signed by a CA it trusts, or one the server's own chain vouches for
// (the new CA cross-signed by the old one, which the server sends after its certificate while both
// are trusted); the bundle must also verify the server it came from. A bundle taken is written
// atomically and handed to the agent (its clients, its port's client CA, its certificates' renewal).

import { X509Certificate } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../util/log.js';
import { samePublicKey } from './pki.js';
import { ignoreError } from '../util/best-effort.js';

/** A cluster's bundle holds one or two CAs; past these it is not one to take. */
export const MAX_BUNDLE_BYTES = 64 * 1024;
export const MAX_BUNDLE_CERTS = 8;
/** How often a joined agent asks (GIFEE_CA_REFRESH_MS overrides it, for tests). */
export const DEFAULT_CA_REFRESH_MS = 60_000;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/** The certificates in a PEM bundle (throws on a block that does not parse). */
export function parseBundle(pem: string): X509Certificate[] {
  return (pem.match(PEM_BLOCK) ?? []).map((b) => new X509Certificate(b));
}

const issues = (ca: X509Certificate, c: X509Certificate) => {
  try {
    return c.checkIssued(ca) && c.verify(ca.publicKey);
  } catch {
    return false;
  }
};

export type BundleVerdict = { ok: true; bundle: string; changed: boolean } | { ok: false; why: string };

/**
 * Whether to take `offered` in place of `current`. peerChain: the certificates the server presented
 * (its certificate first), from the connection verified with `current`.
 */
export function acceptCaBundle(current: string, offered: string, peerChain: X509Certificate[], now = Date.now()): BundleVerdict {
  if (Buffer.byteLength(offered) > MAX_BUNDLE_BYTES) return { ok: false, why: `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes` };
  let certs: X509Certificate[];
  let trusted: X509Certificate[];
  try {
    certs = parseBundle(offered);
    trusted = parseBundle(current);
  } catch (e) {
    return { ok: false, why: `a certificate does not parse: ${(e as Error).message}` };
  }
  if (certs.length === 0) return { ok: false, why: 'the bundle holds no certificate' };
  // Every block must be one: a mangled one is not skipped over.
  if ((offered.match(/-----BEGIN /g) ?? []).length !== certs.length) return { ok: false, why: 'a PEM block in the bundle is not a certificate' };
  if (certs.length > MAX_BUNDLE_CERTS) return { ok: false, why: `the bundle holds ${certs.length} certificates, more than ${MAX_BUNDLE_CERTS}` };
  const known = new Set(trusted.map((c) => c.fingerprint256));
  for (const c of certs) {
    if (!c.ca) return { ok: false, why: `${oneLine(c.subject)} is not a CA certificate` };
    if (Date.parse(c.validTo) <= now) return { ok: false, why: `${oneLine(c.subject)} has expired` };
    if (known.has(c.fingerprint256)) continue;
    if (trusted.some((t) => issues(t, c))) continue;
    // The cross-signed path: the server's chain holds this CA's subject and key signed by a trusted CA.
    const vouched = peerChain.some((x) => x.ca && x.subject === c.subject && samePublicKey(x, c) && trusted.some((t) => issues(t, x)));
    if (!vouched) return { ok: false, why: `${oneLine(c.subject)} is neither trusted already nor signed by a trusted CA` };
  }
  // Taking it must not cut this agent off from the server it came from.
  const leaf = peerChain[0];
  if (!leaf || !certs.some((c) => issues(c, leaf))) return { ok: false, why: "no CA in the bundle signed the server's certificate" };
  const bundle = `${certs.map((c) => c.toString().trimEnd()).join('\n')}\n`;
  const same = certs.length === trusted.length && certs.every((c, i) => c.fingerprint256 === trusted[i].fingerprint256);
  return { ok: true, bundle, changed: !same };
}

const oneLine = (subject: string) => subject.replace(/\n/g, ', ');

/** A server's /cacerts, over TLS verified with `trust`, and the chain it presented (its certificate first). */
export async function fetchCaBundle(server: string, trust: string, timeoutMs = 10_000, signal?: AbortSignal): Promise<{ pem: string; peerChain: X509Certificate[] }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get(`${server}/cacerts`, { ca: trust, timeout: timeoutMs, agent: false, signal }, (res) => {
      const peerChain = chainOf(res.socket as TLSSocket);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (body.length > MAX_BUNDLE_BYTES) req.destroy(new Error(`the answer is larger than ${MAX_BUNDLE_BYTES} bytes`));
      });
      res.on('end', () => (res.statusCode === 200 ? resolve({ pem: body, peerChain }) : reject(new Error(`${server}/cacerts answered ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${server}/cacerts timed out`)));
  });
}

/** The verified chain of a TLS connection, its leaf first (the trust anchor last). */
function chainOf(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let c = socket.getPeerCertificate(true) as import('node:tls').DetailedPeerCertificate | undefined;
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new X509Certificate(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

async function writeAtomically(path: string, text: string) {
  await writeFile(`${path}.tmp`, text, { mode: 0o644 });
  await rename(`${path}.tmp`, path);
}

export interface CaBundleRefresherOptions {
  /** Servers to ask, in turn, until one answers (the agent's pool, current first). */
  servers: () => readonly string[];
  /** The bundle held now. */
  current: string;
  /** Where it is kept (DATA/pki/ca.crt). */
  file: string;
  /** A new bundle, written already. */
  onChange: (bundle: string) => Promise<void> | void;
  log: Logger;
  intervalMs?: number;
}

/** Asks for the cluster's CA bundle now and then, until stopped; its timer never holds the process. */
export class CaBundleRefresher {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<void>;
  private current: string;
  /** Cuts a request under way at stop. */
  private abort = new AbortController();

  constructor(private o: CaBundleRefresherOptions) {
    this.current = o.current;
  }

  get bundle(): string {
    return this.current;
  }

  /**
   * One round: the first server that answers (over TLS verified with the bundle held) decides:
   * changed (taken, written, handed on), same, refused (a bundle not to take), unreachable (none answered).
   */
  async refresh(): Promise<'changed' | 'same' | 'refused' | 'unreachable'> {
    let lastError = '';
    for (const server of this.o.servers()) {
      if (this.stopped) return 'unreachable';
      let got: { pem: string; peerChain: X509Certificate[] };
      try {
        got = await fetchCaBundle(server, this.current, 10_000, this.abort.signal);
      } catch (e) {
        lastError = (e as Error).message;
        continue;
      }
      const v = acceptCaBundle(this.current, got.pem, got.peerChain);
      if (!v.ok) {
        this.o.log.warn("refusing the server's CA bundle", { server, why: v.why });
        return 'refused';
      }
      if (!v.changed || this.stopped) return 'same';
      await writeAtomically(this.o.file, v.bundle);
      this.current = v.bundle;
      this.o.log.info('the cluster CA bundle changed: trusting it from now on', { server, cas: parseBundle(v.bundle).map((c) => oneLine(c.subject)) });
      await this.o.onChange(v.bundle);
      return 'changed';
    }
    if (lastError) this.o.log.debug('cannot refresh the CA bundle yet', { err: lastError });
    return 'unreachable';
  }

  start() {
    this.schedule();
  }

  /** Stops the timer; a round under way finishes (awaited) without handing anything on. */
  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running?.catch(ignoreError('a round logs its own failure; stop only waits for it to end'));
  }

  private schedule() {
    if (this.stopped) return;
    const every = this.o.intervalMs ?? (Number(process.env.GIFEE_CA_REFRESH_MS) || DEFAULT_CA_REFRESH_MS);
    this.timer = setTimeout(() => {
      this.running = this.refresh()
        .catch((e) => this.o.log.warn('refreshing the CA bundle failed', { err: (e as Error).message }))
        .then(() => {
          this.running = undefined;
          this.schedule();
        });
    }, every);
    this.timer.unref();
  }
}
