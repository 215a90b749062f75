// The ciphers of Kubernetes' EncryptionConfiguration, each bound to one named key: aesgcm (AES-GCM,
// a 12-byte random nonce, the storage key as additional data so a value copied under another key
// fails), aescbc (AES-CBC with PKCS#7 padding and a 16-byte random IV, unauthenticated as in
// Kubernetes), secretbox (XSalsa20-Poly1305 with a 24-byte random nonce) and identity (no change).
// Stored values are `k8s:enc:<type>:v1:<keyname>:` followed by the sealed bytes, as Kubernetes writes.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';

export type ProviderType = 'aesgcm' | 'aescbc' | 'secretbox' | 'identity';

export interface Provider {
  readonly type: ProviderType;
  /** The key's name ('' for identity). */
  readonly keyName: string;
  /** What every value this provider wrote starts with ('' for identity: it matches anything). */
  readonly prefix: string;
  /** Seal `plain`, bound to the storage key `context` where the cipher can carry it. */
  seal(plain: Buffer, context: string): Buffer;
  /** Open what seal wrote (without the prefix); throws on a wrong key or tampered bytes. */
  open(sealed: Buffer, context: string): Buffer;
}

export const prefixOf = (type: ProviderType, keyName: string) => (type === 'identity' ? '' : `k8s:enc:${type}:v1:${keyName}:`);

export const identityProvider: Provider = { type: 'identity', keyName: '', prefix: '', seal: (p) => p, open: (s) => s };

/** A keyed provider; the key's length is checked by the caller (config.ts) with the user's words. */
export function keyedProvider(type: Exclude<ProviderType, 'identity'>, keyName: string, key: Buffer): Provider {
  const prefix = prefixOf(type, keyName);
  switch (type) {
    case 'aesgcm':
      return { type, keyName, prefix, seal: (p, ctx) => gcmSeal(key, p, ctx), open: (s, ctx) => gcmOpen(key, s, ctx) };
    case 'aescbc':
      return { type, keyName, prefix, seal: (p) => cbcSeal(key, p), open: (s) => cbcOpen(key, s) };
    case 'secretbox':
      return { type, keyName, prefix, seal: (p) => boxSeal(key, p), open: (s) => boxOpen(key, s) };
  }
}

const GCM_NONCE = 12;
const GCM_TAG = 16;

function gcmSeal(key: Buffer, plain: Buffer, context: string): Buffer {
  const nonce = randomBytes(GCM_NONCE);
  const c = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, nonce, { authTagLength: GCM_TAG });
  c.setAAD(Buffer.from(context));
  return Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
}

function gcmOpen(key: Buffer, sealed: Buffer, context: string): Buffer {
  if (sealed.length < GCM_NONCE + GCM_TAG) throw new Error('the data is too short for AES-GCM');
  const d = createDecipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, sealed.subarray(0, GCM_NONCE), { authTagLength: GCM_TAG });
  d.setAAD(Buffer.from(context));
  d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG));
  return Buffer.concat([d.update(sealed.subarray(GCM_NONCE, sealed.length - GCM_TAG)), d.final()]);
}

const CBC_IV = 16;

function cbcSeal(key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(CBC_IV);
  const c = createCipheriv(`aes-${key.length * 8}-cbc` as 'aes-256-cbc', key, iv);
  return Buffer.concat([iv, c.update(plain), c.final()]);
}

function cbcOpen(key: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < 2 * CBC_IV || sealed.length % CBC_IV !== 0) throw new Error('the data is not a whole number of AES blocks');
  const d = createDecipheriv(`aes-${key.length * 8}-cbc` as 'aes-256-cbc', key, sealed.subarray(0, CBC_IV));
  return Buffer.concat([d.update(sealed.subarray(CBC_IV)), d.final()]);
}

const BOX_NONCE = 24;

function boxSeal(key: Buffer, plain: Buffer): Buffer {
  const nonce = randomBytes(BOX_NONCE);
  return Buffer.concat([nonce, xsalsa20poly1305(key, nonce).encrypt(plain)]);
}

function boxOpen(key: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < BOX_NONCE + 16) throw new Error('the data is too short for secretbox');
  return Buffer.from(xsalsa20poly1305(key, sealed.subarray(0, BOX_NONCE)).decrypt(sealed.subarray(BOX_NONCE)));
}
