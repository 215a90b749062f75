// `gifee certs rotate-ca [--finish]` on a stopped server's data dir: a new cluster CA, with both
// CAs trusted during the switch.
//   rotate-ca: a new CA signs from now on (ca.crt/ca.key); the old certificate stays trusted as
//     ca-previous.crt, so the trust bundle (what the server's clients, node agents and kubeconfigs
//     get, see Pki.trust) is new + old; every leaf the old CA signed is reissued by the new one.
//   rotate-ca --finish: once every client has the bundle (a restarted server rewrote its
//     kubeconfigs; joined agents took it from /cacerts, cli/ca-bundle.ts), the old CA is dropped.
// Each step writes whole files (temporary file, then rename) in an order where every moment's PKI is
// usable, and the command can be run again to finish a step cut short:
//   1. ca-next.{key,crt} (the new CA), ca-cross.crt (the new CA cross-signed by the old one: the
//      server sends it after its certificate, so clients that trust only the old CA still verify
//      it; the old key is gone after step 2) and ca-previous.crt (the old certificate)
//   2. ca-next.key → ca.key, ca-next.crt → ca.crt (a cut between them: ca-next.crt is still there)
//   3. each leaf signed by a CA other than ca.crt, reissued (key, then certificate)

import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CertPair, CROSS_CA_FILE, createCa, crossSign, issueCert, keyMatches, PREVIOUS_CA_FILE, writePair } from '../pki.js';
import { reissueOptions } from './reissue.js';

const NEXT = 'ca-next';
/** A PKI holds a few dozen files; past this it is not one gifee made. */
const MAX_FILES = 500;

async function writeWhole(path: string, text: string, mode: number) {
  await writeFile(`${path}.tmp`, text, { mode });
  await rename(`${path}.tmp`, path);
}

const read = (path: string) => readFile(path, 'utf8');

/** Leaf certificate files (NAME.crt with NAME.key beside it), not the CAs'. */
async function leafFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  if (names.length > MAX_FILES) throw new Error(`${dir} holds ${names.length} files, more than a gifee PKI`);
  return names.filter((n) => n.endsWith('.crt') && !['ca.crt', PREVIOUS_CA_FILE, CROSS_CA_FILE, `${NEXT}.crt`, 'front-proxy-ca.crt'].includes(n) && names.includes(n.replace(/\.crt$/, '.key'))).map((n) => n.replace(/\.crt$/, ''));
}

export interface RotateCaResult {
  /** The leaf certificates reissued by the new CA. */
  reissued: string[];
  newCa: string;
}

/** Steps 1-3 above, resuming a run cut short. */
export async function rotateCa(pkiDir: string): Promise<RotateCaResult> {
  const caCrt = join(pkiDir, 'ca.crt');
  const caKey = join(pkiDir, 'ca.key');
  const previous = join(pkiDir, PREVIOUS_CA_FILE);
  const nextCrt = join(pkiDir, `${NEXT}.crt`);
  const nextKey = join(pkiDir, `${NEXT}.key`);
  if (!existsSync(caCrt) || !existsSync(caKey)) throw new Error(`no PKI in ${pkiDir} (ca.crt and ca.key): pass the server's --data-dir (gifee up's is the default)`);
  if (!existsSync(previous)) {
    // Step 1. The new CA's name tells the two apart in `gifee certs check` (and for chain building).
    const next = await createCa(`gifee-ca-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`);
    await writeWhole(nextKey, next.key, 0o600);
    await writeWhole(nextCrt, next.cert, 0o644);
    // Signed with the old key while it is still here (step 2 replaces it).
    await writeWhole(join(pkiDir, CROSS_CA_FILE), await crossSign({ cert: await read(caCrt), key: await read(caKey) }, next.cert), 0o644);
    await writeWhole(previous, await read(caCrt), 0o644);
  }
  // Step 2 (or its rest).
  if (existsSync(nextCrt)) {
    if (existsSync(nextKey)) await rename(nextKey, caKey);
    await rename(nextCrt, caCrt);
  }
  const ca: CertPair = { cert: await read(caCrt), key: await read(caKey) };
  if (!keyMatches(ca)) throw new Error(`${caKey} is not the key of ${caCrt}: restore DATA/pki from a snapshot`);
  // Step 3: every leaf signed by the old CA, now by the new one, for as long as it was issued for.
  const signer = new X509Certificate(ca.cert);
  const old = new X509Certificate(await read(previous));
  const reissued: string[] = [];
  for (const name of await leafFiles(pkiDir)) {
    const pem = await read(join(pkiDir, `${name}.crt`));
    let c: X509Certificate;
    try {
      c = new X509Certificate(pem);
    } catch {
      continue; // not a certificate: `gifee certs check` reports it
    }
    // Only what the old cluster CA signed (the front proxy's client has a CA of its own).
    if (c.ca || !c.checkIssued(old) || !c.verify(old.publicKey) || (c.checkIssued(signer) && c.verify(signer.publicKey))) continue;
    const lifetime = Date.parse(c.validTo) - Date.parse(c.validFrom);
    await writePair(pkiDir, name, await issueCert(ca, reissueOptions(pem, lifetime)));
    reissued.push(name);
  }
  return { reissued, newCa: signer.subject };
}

/** Drops the old CA from the trust bundle; refuses while a leaf or the CA itself is not yet the new CA's. */
export async function finishCaRotation(pkiDir: string): Promise<{ dropped: string }> {
  const previous = join(pkiDir, PREVIOUS_CA_FILE);
  if (!existsSync(previous)) throw new Error('no CA rotation is under way (start one with gifee certs rotate-ca)');
  if (existsSync(join(pkiDir, `${NEXT}.crt`))) throw new Error('the rotation was cut short: run gifee certs rotate-ca again to finish its steps, then --finish');
  const old = new X509Certificate(await read(previous));
  for (const name of await leafFiles(pkiDir)) {
    const c = new X509Certificate(await read(join(pkiDir, `${name}.crt`)));
    if (!c.ca && c.checkIssued(old) && c.verify(old.publicKey)) throw new Error(`${name}.crt is still signed by the old CA: run gifee certs rotate-ca again to reissue it, then --finish`);
  }
  // The cross-signed certificate first: a cut between the two leaves a rotation --finish completes.
  await unlink(join(pkiDir, CROSS_CA_FILE)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  await unlink(previous);
  return { dropped: old.subject };
}
