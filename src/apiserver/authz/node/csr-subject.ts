// The subject CN of a PEM certificate request, for NodeRestriction's check that a node asks for its
// own client certificate only. Bounded: oversized input is refused before parsing.

import { webcrypto } from 'node:crypto';

const MAX_PEM = 64 * 1024;

export async function csrCommonName(pem: string): Promise<string | undefined> {
  if (pem.length > MAX_PEM) throw new Error('request too large');
  await import('reflect-metadata'); // @peculiar/x509's dependency injection needs it loaded first
  const x = await import('@peculiar/x509');
  x.cryptoProvider.set(webcrypto as unknown as Crypto);
  const req = new x.Pkcs10CertificateRequest(pem);
  const cn = req.subjectName.getField('CN');
  return cn.length === 1 ? cn[0] : undefined;
}
