// Issuing a certificate for a CSR's public key with the cluster CA (kube-controller-manager's
// --cluster-signing-cert-file/--cluster-signing-key-file): subject CN/O and the subject alternative
// names from the request, key usages from spec.usages, validity backdated 5 minutes for clock skew
// and never past the CA's own expiry.

import { createPrivateKey, randomBytes, webcrypto, X509Certificate as NodeCert } from 'node:crypto';
import type { ParsedRequest } from '../../api/kinds/certificates/csr-request.js';

export interface SigningCA {
  cert: string;
  key: string;
}

const BACKDATE_MS = 5 * 60_000;

async function lib() {
  await import('reflect-metadata');
  const x = await import('@peculiar/x509');
  x.cryptoProvider.set(webcrypto as unknown as Crypto);
  return x;
}

/** The CA's private key as WebCrypto wants it, whatever PEM flavour it is in. */
async function caSigningKey(pem: string): Promise<{ key: CryptoKey; alg: EcdsaParams | RsaHashedImportParams }> {
  const k = createPrivateKey(pem);
  const pkcs8 = k.export({ type: 'pkcs8', format: 'der' });
  if (k.asymmetricKeyType === 'ec') {
    const curve = k.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
    const alg = { name: 'ECDSA', namedCurve: curve, hash: curve === 'P-384' ? 'SHA-384' : 'SHA-256' } as EcdsaParams & { namedCurve: string };
    return { key: await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: curve }, false, ['sign']), alg };
  }
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return { key: await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']), alg };
}

const escapeRdn = (v: string) => v.replace(/([,+"\\<>;=#])/g, '\\$1');

export async function signRequest(ca: SigningCA, req: ParsedRequest, usages: string[], seconds: number, now = Date.now()): Promise<string> {
  const x = await lib();
  const caCert = new x.X509Certificate(ca.cert);
  const { key, alg } = await caSigningKey(ca.key);
  const caEnd = Date.parse(new NodeCert(ca.cert).validTo);
  let flags = 0;
  if (usages.includes('digital signature') || usages.includes('signing')) flags |= x.KeyUsageFlags.digitalSignature;
  if (usages.includes('key encipherment')) flags |= x.KeyUsageFlags.keyEncipherment;
  const eku = [...(usages.includes('client auth') ? [x.ExtendedKeyUsage.clientAuth] : []), ...(usages.includes('server auth') ? [x.ExtendedKeyUsage.serverAuth] : [])];
  const extensions: import('@peculiar/x509').Extension[] = [new x.BasicConstraintsExtension(false, undefined, true), await x.AuthorityKeyIdentifierExtension.create(caCert, false)];
  if (flags) extensions.push(new x.KeyUsagesExtension(flags, true));
  if (eku.length) extensions.push(new x.ExtendedKeyUsageExtension(eku, false));
  const names = [...req.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...req.ips.map((value) => ({ type: 'ip' as const, value }))];
  if (names.length) extensions.push(new x.SubjectAlternativeNameExtension(names, false));
  const subject = [...req.organizations.map((o) => `O=${escapeRdn(o)}`), `CN=${escapeRdn(req.commonName)}`].join(', ');
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(Math.min(now + seconds * 1000, caEnd)),
    signingKey: key,
    publicKey: new x.PublicKey(new Uint8Array(req.spki)),
    signingAlgorithm: alg,
    extensions,
  });
  return cert.toString('pem') + '\n';
}
