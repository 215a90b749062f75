// The cluster's PKI: a CA, the API server's serving certificate (with every name clients use), and
// client certificates whose CN is the user and O the groups, as Kubernetes reads them. Keys are
// ECDSA P-256: fast to generate, so a fresh `gifee up` stays quick. Files are reused when present.

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, webcrypto, randomBytes, X509Certificate } from 'node:crypto';

export interface CertPair {
  cert: string;
  key: string;
}

export interface Pki {
  /** The CA that signs. */
  ca: CertPair;
  /** The CA certificates to trust (PEM): the signing CA's, and during a CA rotation the previous one's (certs/rotate-ca.ts). */
  trust: string;
  /**
   * Sent after the serving certificate during a CA rotation: the new CA cross-signed by the old one
   * (CROSS_CA_FILE), so clients that trust only the old CA still verify the server; '' otherwise.
   */
  chain: string;
  server: CertPair;
  admin: CertPair;
  /** The service account token signing key pair (PEM: PKCS#8 private, SPKI public; ES256). */
  serviceAccount: { key: string; pub: string };
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR = 365 * 24 * 3600 * 1000;

async function x509() {
  await import('reflect-metadata'); // @peculiar/x509's dependency injection needs it loaded first
  const x = await import('@peculiar/x509');
  x.cryptoProvider.set(webcrypto as unknown as Crypto);
  return x;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
}

const serial = () =>
  randomBytes(16)
    .toString('hex')
    .replace(/^[89a-f]/, '1');

export async function createCa(commonName = 'gifee-ca'): Promise<CertPair> {
  const x = await x509();
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 10 * YEAR),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x.BasicConstraintsExtension(true, undefined, true), new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign | x.KeyUsageFlags.digitalSignature, true), await x.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

/**
 * The new CA's certificate signed by the old CA: same subject, key and key identifier, issued by the
 * old CA (for the new one's lifetime, capped at the old one's). A leaf of the new CA then verifies
 * through it for a client that trusts the old CA only, and directly for one that trusts the new CA.
 */
export async function crossSign(oldCa: CertPair, newCaCert: string): Promise<string> {
  const x = await x509();
  const next = new x.X509Certificate(newCaCert);
  const old = new x.X509Certificate(oldCa.cert);
  const ski = next.getExtension(x.SubjectKeyIdentifierExtension);
  const notAfter = new Date(Math.min(next.notAfter.getTime(), old.notAfter.getTime()));
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: next.subject,
    issuer: old.subject,
    notBefore: next.notBefore,
    notAfter,
    signingKey: await importKey(oldCa.key),
    publicKey: next.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x.BasicConstraintsExtension(true, undefined, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign | x.KeyUsageFlags.digitalSignature, true),
      ...(ski ? [ski] : [await x.SubjectKeyIdentifierExtension.create(next.publicKey)]),
      await x.AuthorityKeyIdentifierExtension.create(old, false),
    ],
  });
  return cert.toString('pem') + '\n';
}

/** Whether `cross` is `ca`'s key and subject signed by `previous` (what crossSign makes). */
export function isCrossSigned(cross: string, ca: string, previous: string): boolean {
  try {
    const c = new X509Certificate(cross);
    const n = new X509Certificate(ca);
    const o = new X509Certificate(previous);
    return c.ca && c.subject === n.subject && samePublicKey(c, n) && c.checkIssued(o) && c.verify(o.publicKey);
  } catch {
    return false;
  }
}

export const samePublicKey = (a: X509Certificate, b: X509Certificate) => a.publicKey.export({ type: 'spki', format: 'der' }).equals(b.publicKey.export({ type: 'spki', format: 'der' }));

export interface IssueOptions {
  commonName: string;
  organizations?: string[];
  /** Server certificates: DNS names and IP addresses to cover. */
  dnsNames?: string[];
  ips?: string[];
  usage: 'server' | 'client' | 'both';
  years?: number;
  /** Validity in milliseconds (takes the place of years): the rotation loop's --leaf-cert-validity. */
  validityMs?: number;
}

export async function issueCert(ca: CertPair, o: IssueOptions): Promise<CertPair> {
  const x = await x509();
  const caCert = new x.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const validity = o.validityMs ?? (o.years ?? 1) * YEAR;
  // Backdated against clock skew: a minute, or a tenth of a short validity (tests' seconds-long leaves).
  const backdate = Math.min(60_000, validity / 10);
  const subject = [...(o.organizations ?? []).map((org) => `O=${org}`), `CN=${o.commonName}`].join(', ');
  const eku = o.usage === 'server' ? [x.ExtendedKeyUsage.serverAuth] : o.usage === 'client' ? [x.ExtendedKeyUsage.clientAuth] : [x.ExtendedKeyUsage.serverAuth, x.ExtendedKeyUsage.clientAuth];
  const extensions: import('@peculiar/x509').Extension[] = [
    new x.BasicConstraintsExtension(false, undefined, true),
    new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature | x.KeyUsageFlags.keyEncipherment, true),
    new x.ExtendedKeyUsageExtension(eku, false),
    await x.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  const names = [...(o.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) extensions.push(new x.SubjectAlternativeNameExtension(names, false));
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now - backdate),
    notAfter: new Date(now + validity),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions,
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

/** Names the API server's certificate covers: loopback, this host, the in-cluster service names. */
export function serverNames(extraHosts: string[] = []) {
  const dns = new Set(['localhost', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']);
  const ips = new Set(['127.0.0.1', '::1', '10.43.0.1']);
  for (const h of extraHosts) {
    if (!h || h === '0.0.0.0' || h === '::') continue;
    if (/^[\d.]+$/.test(h) || h.includes(':')) ips.add(h);
    else dns.add(h);
  }
  return { dnsNames: [...dns], ips: [...ips] };
}

async function writeSecret(path: string, text: string, mode = 0o600) {
  await writeFile(`${path}.tmp`, text, { mode });
  await rename(`${path}.tmp`, path);
}

/** DIR/NAME.key, then DIR/NAME.crt, each written whole: a crash in between leaves a pair keyMatches refuses, never a torn file. */
export async function writePair(dir: string, name: string, pair: CertPair) {
  await writeSecret(join(dir, `${name}.key`), pair.key);
  await writeSecret(join(dir, `${name}.crt`), pair.cert, 0o644);
}

/** Whether the key is the certificate's (false for unreadable ones too). */
export function keyMatches(pair: CertPair): boolean {
  try {
    return new X509Certificate(pair.cert).checkPrivateKey(createPrivateKey(pair.key));
  } catch {
    return false;
  }
}

export async function loadOrCreate(dir: string, name: string, make: () => Promise<CertPair>): Promise<CertPair> {
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (existsSync(crt) && existsSync(key)) {
    const held = { cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') };
    // Reissued a month before it expires (the CA, made for ten years, is kept as it is), or when the key is not
    // the certificate's (a renewal cut short between its two renames, see certs/leaf-rotation.ts).
    if (name === 'ca' || name === 'front-proxy-ca' || name === 'etcd-ca') return held;
    if (Date.parse(new X509Certificate(held.cert).validTo) > Date.now() + 30 * 24 * 3600 * 1000 && keyMatches(held)) return held;
  }
  const pair = await make();
  await writePair(dir, name, pair);
  return pair;
}

/** caPem, and during a CA rotation (PREVIOUS_CA_FILE, see certs/rotate-ca.ts) the previous CA too: both are trusted. */
export async function withPreviousCa(pkiDir: string, caPem: string): Promise<string> {
  const previous = join(pkiDir, PREVIOUS_CA_FILE);
  if (!existsSync(previous)) return caPem;
  return `${caPem.trimEnd()}\n${(await readFile(previous, 'utf8')).trimEnd()}\n`;
}

/** The old CA's certificate while a CA rotation is under way: trusted, no longer signing. */
export const PREVIOUS_CA_FILE = 'ca-previous.crt';
/** While a CA rotation is under way: the new CA cross-signed by the old one (crossSign), served after the leaf. */
export const CROSS_CA_FILE = 'ca-cross.crt';

/** CROSS_CA_FILE while PREVIOUS_CA_FILE is there and it is the signing CA's key signed by that one; else ''. */
export async function crossChain(pkiDir: string, caPem: string): Promise<string> {
  const previous = join(pkiDir, PREVIOUS_CA_FILE);
  const cross = join(pkiDir, CROSS_CA_FILE);
  if (!existsSync(previous) || !existsSync(cross)) return '';
  const pem = await readFile(cross, 'utf8');
  return isCrossSigned(pem, caPem, await readFile(previous, 'utf8')) ? pem : '';
}

/** The PKI under DIR/pki: created on first start, reused after (the server cert is reissued if it misses a name). */
export async function ensurePki(dataDir: string, extraHosts: string[] = []): Promise<Pki> {
  const dir = join(dataDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await loadOrCreate(dir, 'ca', () => createCa());
  const names = serverNames(extraHosts);
  let server = await loadOrCreate(dir, 'server', () => issueCert(ca, { commonName: 'gifee-apiserver', usage: 'server', ...names }));
  if (!covers(server.cert, names)) {
    server = await issueCert(ca, { commonName: 'gifee-apiserver', usage: 'server', ...names });
    await writePair(dir, 'server', server);
  }
  const admin = await loadOrCreate(dir, 'admin', () => issueCert(ca, { commonName: 'system:admin', organizations: ['system:masters'], usage: 'client', years: 10 }));
  const serviceAccount = await ensureServiceAccountKey(dir);
  return { ca, trust: await withPreviousCa(dir, ca.cert), chain: await crossChain(dir, ca.cert), server, admin, serviceAccount };
}

/** sa.key / sa.pub: the key pair that signs service account tokens (Kubernetes' --service-account-key-file), reused when present. */
async function ensureServiceAccountKey(dir: string): Promise<{ key: string; pub: string }> {
  const keyPath = join(dir, 'sa.key');
  const pubPath = join(dir, 'sa.pub');
  if (existsSync(keyPath) && existsSync(pubPath)) return { key: await readFile(keyPath, 'utf8'), pub: await readFile(pubPath, 'utf8') };
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const der = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const pub = `-----BEGIN PUBLIC KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PUBLIC KEY-----\n`;
  const key = await keyPem(keys.privateKey);
  await writeSecret(keyPath, key);
  await writeSecret(pubPath, pub);
  return { key, pub };
}

/** Identities of the control plane's own clients, each with the least it needs (see componentCerts). */
export interface ComponentCerts {
  scheduler: CertPair;
  controllerManager: CertPair;
  /** What the API server presents to node agents: bound to system:kubelet-api-admin by RBAC, never in system:masters. */
  kubeletClient: CertPair;
}

/** The user the API server is on node agents' ports; the only client certificate they accept. */
export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';

/** Client certificates for the scheduler, the controller manager and the API server's kubelet client (kept in DIR/pki, reused). */
export async function componentCerts(dataDir: string, ca: CertPair): Promise<ComponentCerts> {
  const dir = join(dataDir, 'pki');
  const client = (file: string, commonName: string, organizations: string[] = []) => loadOrCreate(dir, file, () => issueCert(ca, { commonName, organizations, usage: 'client' }));
  return {
    scheduler: await client('kube-scheduler', 'system:kube-scheduler'),
    controllerManager: await client('kube-controller-manager', 'system:kube-controller-manager'),
    kubeletClient: await client('kube-apiserver-kubelet-client', KUBELET_CLIENT_USER),
  };
}

/**
 * Client certificates for service accounts (CN system:serviceaccount:NS:NAME, O system:serviceaccounts
 * and system:serviceaccounts:NS), as Kubernetes names them: the controllers' own identities, bound to
 * their system:controller:* roles by the bootstrap policy. Kept in DIR/pki/sa-NS-NAME.*, reused.
 */
export async function serviceAccountCerts(dataDir: string, ca: CertPair, namespace: string, names: readonly string[]): Promise<Record<string, CertPair>> {
  const dir = join(dataDir, 'pki');
  const out: Record<string, CertPair> = {};
  for (const name of new Set(names)) {
    out[name] = await loadOrCreate(dir, `sa-${namespace}-${name}`, () => issueCert(ca, { commonName: `system:serviceaccount:${namespace}:${name}`, organizations: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`], usage: 'client' }));
  }
  return out;
}

/** A node agent's client certificate: system:node:NAME in system:nodes, as the Node authorizer reads it. */
export function issueNodeClientCert(ca: CertPair, nodeName: string, years = 1): Promise<CertPair> {
  return issueCert(ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'client', years });
}

/** The embedded agent's client certificate, kept in DIR/pki and reused. */
export function ensureNodeClientCert(dataDir: string, ca: CertPair, nodeName: string): Promise<CertPair> {
  return loadOrCreate(join(dataDir, 'pki'), `node-${nodeName}-client`, () => issueNodeClientCert(ca, nodeName));
}

function covers(certPem: string, names: { dnsNames: string[]; ips: string[] }): boolean {
  const c = new X509Certificate(certPem);
  if (Date.parse(c.validTo) < Date.now() + 30 * 24 * 3600 * 1000) return false;
  return names.ips.every((ip) => c.checkIP(ip) !== undefined) && names.dnsNames.every((d) => c.checkHost(d) !== undefined);
}

/** The front proxy's PKI (kubeadm's front-proxy-ca and front-proxy-client), for API aggregation. */
export interface FrontProxyPki {
  /** Signs the client certificate the API server presents to extension API servers (requestheader client CA). */
  ca: CertPair;
  /** What the API server presents when proxying to an extension API server (--proxy-client-cert-file). */
  client: CertPair;
}

/** The CN of the generated proxy client certificate: the one requestheader-allowed-names lists by default. */
export const FRONT_PROXY_CLIENT_NAME = 'front-proxy-client';

/** DIR/pki/front-proxy-ca.* and front-proxy-client.*: created on first start, reused after. A CA of its own, as kubeadm makes it: a certificate it signs never authenticates as its CN by itself. */
export async function ensureFrontProxyPki(dataDir: string): Promise<FrontProxyPki> {
  const dir = join(dataDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await loadOrCreate(dir, 'front-proxy-ca', () => createCa('front-proxy-ca'));
  const client = await loadOrCreate(dir, 'front-proxy-client', () => issueCert(ca, { commonName: FRONT_PROXY_CLIENT_NAME, usage: 'client' }));
  return { ca, client };
}
