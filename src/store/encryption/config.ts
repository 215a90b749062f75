// Kubernetes' EncryptionConfiguration (apiserver.config.k8s.io/v1), read from --encryption-provider-config:
// which resources are encrypted, and with which providers. The first provider of a rule encrypts
// new writes; all of them are tried on reads, so a new key goes first and old ones stay until every
// value has been rewritten (key rotation). Every mistake is an Error saying where it is in the file.

import { parse } from 'yaml';
import { identityProvider, keyedProvider, type Provider } from './providers.js';

export interface EncryptionRule {
  /** The resources as written ("secrets", "deployments.apps", "*.apps", "*.", "*.*"). */
  resources: string[];
  providers: Provider[];
}

export interface EncryptionConfig {
  rules: EncryptionRule[];
}

const KEY_SIZES: Record<string, number[]> = { aesgcm: [16, 24, 32], aescbc: [16, 24, 32], secretbox: [32] };
const PROVIDER_TYPES = ['aesgcm', 'aescbc', 'secretbox', 'identity', 'kms'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the file's text; throws an Error naming the field (resources[0].providers[1].aesgcm.keys[0].secret...). */
export function parseEncryptionConfig(text: string): EncryptionConfig {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 10 });
  } catch (e) {
    throw new Error(`not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new Error('expected an EncryptionConfiguration object');
  if (doc.kind !== 'EncryptionConfiguration') throw new Error(`kind must be EncryptionConfiguration, not ${JSON.stringify(doc.kind)}`);
  if (doc.apiVersion !== 'apiserver.config.k8s.io/v1') throw new Error(`apiVersion must be apiserver.config.k8s.io/v1, not ${JSON.stringify(doc.apiVersion)}`);
  if (!Array.isArray(doc.resources) || doc.resources.length === 0) throw new Error('resources: at least one entry is required');
  const seen = new Map<string, string>();
  const rules = doc.resources.map((r, i) => parseRule(r, `resources[${i}]`, seen));
  return { rules };
}

function parseRule(r: unknown, at: string, seen: Map<string, string>): EncryptionRule {
  if (!isObject(r)) throw new Error(`${at}: expected an object with resources and providers`);
  if (!Array.isArray(r.resources) || r.resources.length === 0) throw new Error(`${at}.resources: at least one resource is required`);
  const resources = r.resources.map((name, j) => {
    const where = `${at}.resources[${j}]`;
    if (typeof name !== 'string' || !isResourcePattern(name)) throw new Error(`${where}: ${JSON.stringify(name)} is not a resource (lowercase plural, plural.group, *.group, *. or *.*)`);
    if (name === '*') throw new Error(`${where}: use "*." for every core resource or "*.*" for every resource`);
    // A rule earlier in the file that already covers this resource would make this one dead.
    for (const [earlier, earlierAt] of seen) if (earlier === name || covers(earlier, name)) throw new Error(`${where}: ${JSON.stringify(name)} is masked by ${JSON.stringify(earlier)} at ${earlierAt}`);
    seen.set(name, where);
    return name;
  });
  if (!Array.isArray(r.providers) || r.providers.length === 0) throw new Error(`${at}.providers: at least one provider is required`);
  const providers = r.providers.flatMap((p, j) => parseProvider(p, `${at}.providers[${j}]`));
  const names = new Set<string>();
  for (const p of providers) {
    if (p.type === 'identity') continue;
    const id = `${p.type}:${p.keyName}`;
    if (names.has(id)) throw new Error(`${at}.providers: the ${p.type} key name ${JSON.stringify(p.keyName)} is used twice`);
    names.add(id);
  }
  return { resources, providers };
}

function parseProvider(p: unknown, at: string): Provider[] {
  if (!isObject(p)) throw new Error(`${at}: expected one of ${PROVIDER_TYPES.join(', ')}`);
  const types = Object.keys(p);
  if (types.length !== 1 || !PROVIDER_TYPES.includes(types[0])) throw new Error(`${at}: exactly one of ${PROVIDER_TYPES.join(', ')} is required, found ${JSON.stringify(types)}`);
  const type = types[0];
  if (type === 'identity') return [identityProvider];
  if (type === 'kms') throw new Error(`${at}.kms: KMS providers are not supported by gifee; use aesgcm, aescbc or secretbox`);
  const body = p[type];
  if (!isObject(body) || !Array.isArray(body.keys) || body.keys.length === 0) throw new Error(`${at}.${type}.keys: at least one key is required`);
  return body.keys.map((k, i) => {
    const where = `${at}.${type}.keys[${i}]`;
    if (!isObject(k)) throw new Error(`${where}: expected {name, secret}`);
    if (typeof k.name !== 'string' || k.name === '' || k.name.includes(':')) throw new Error(`${where}.name: a non-empty name without ":" is required`);
    if (typeof k.secret !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(k.secret.trim()) || k.secret.trim().length % 4 !== 0) throw new Error(`${where}.secret: must be base64`);
    const key = Buffer.from(k.secret.trim(), 'base64');
    const sizes = KEY_SIZES[type];
    if (!sizes.includes(key.length)) throw new Error(`${where}.secret: a ${type} key must be ${sizes.join(', ').replace(/, (\d+)$/, ' or $1')} bytes, not ${key.length}`);
    return keyedProvider(type as 'aesgcm' | 'aescbc' | 'secretbox', k.name, key);
  });
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** plural, plural.group, *.group, *. or *.* (a group is dot-separated DNS labels). */
function isResourcePattern(s: string): boolean {
  const dot = s.indexOf('.');
  if (dot < 0) return DNS_LABEL.test(s);
  const [plural, group] = [s.slice(0, dot), s.slice(dot + 1)];
  if (plural !== '*' && !DNS_LABEL.test(plural)) return false;
  if (group === '') return plural === '*';
  return group === '*' ? plural === '*' : group.split('.').every((l) => DNS_LABEL.test(l));
}

/** Whether the resource pattern `a` covers every resource `b` names. */
function covers(a: string, b: string): boolean {
  if (a === '*.*') return true;
  if (a === '*.') return b === '*.' || !b.includes('.');
  if (a.startsWith('*.')) return b.endsWith(a.slice(1)) && (b.startsWith('*.') || !b.slice(0, b.length - a.length + 1).includes('.'));
  return false;
}

/** Whether a resource pattern matches the resource (plural, group '' for core). */
export function matchesResource(pattern: string, plural: string, group: string): boolean {
  if (pattern === '*.*') return true;
  if (pattern === '*.') return group === '';
  const dot = pattern.indexOf('.');
  const [p, g] = dot < 0 ? [pattern, ''] : [pattern.slice(0, dot), pattern.slice(dot + 1)];
  return (p === '*' || p === plural) && g === group;
}

/** A fresh configuration for `gifee up`: Secrets with one new AES-CBC key, identity to read older plain values. */
export function generatedConfigYaml(secret: string): string {
  return `# Written by gifee: Secrets are encrypted at rest with this key. Keep this file private and backed up;
# without it the stored Secrets cannot be read. Rotation: docs/encryption-at-rest.md.
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${secret}
      - identity: {}
`;
}
