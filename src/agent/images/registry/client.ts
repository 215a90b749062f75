// A Docker Registry HTTP API v2 client for one repository: ping, authenticate once (and again when
// a token expires), fetch manifests and blobs.

import type { IncomingMessage } from 'node:http';
import type { PullAuth } from '../types.js';
import { sha256Digest } from '../digest.js';
import { manifestAccept } from '../manifest.js';
import { authorize, AuthError, parseChallenge } from './auth.js';
import { readBody, request } from './http.js';

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Registries reached over plain HTTP: loopback always, others when configured as insecure. */
export function usesPlainHttp(domain: string, insecure: string[]): boolean {
  const host = domain.replace(/:\d+$/, '');
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.startsWith('127.') || insecure.includes(domain) || insecure.includes(host);
}

/** What the registry's error body says ({"errors":[{"code","message"}]}), for messages. */
async function registryReason(res: IncomingMessage): Promise<string> {
  const body = await readBody(res, 64 << 10).catch(() => Buffer.alloc(0));
  try {
    const errs = JSON.parse(body.toString('utf8')).errors as Array<{ code?: string; message?: string }>;
    if (errs?.length) return ` (${errs.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ')})`;
  } catch {
    /* not JSON */
  }
  return '';
}

export interface FetchedManifest {
  bytes: Buffer;
  digest: string;
  mediaType?: string;
}

export class RegistryClient {
  readonly base: string;
  private authorization?: string;

  constructor(
    readonly domain: string,
    readonly repository: string,
    private readonly auth: PullAuth | undefined,
    insecure: string[],
  ) {
    const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
    this.base = `${usesPlainHttp(domain, insecure) ? 'http' : 'https'}://${host}`;
  }

  /** GET with this client's authorization, authenticating on a 401 challenge (once per request). */
  private async get(path: string, accept?: string): Promise<IncomingMessage> {
    const url = new URL(path, this.base);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      if (this.authorization) headers.authorization = this.authorization;
      const res = await request(url, { headers });
      if (res.statusCode !== 401 || attempt > 0) return res;
      const challenge = parseChallenge(res.headers['www-authenticate'] as string | undefined);
      if (!challenge) return res;
      res.resume();
      try {
        this.authorization = await authorize(challenge, this.repository, this.auth, this.domain);
      } catch (e) {
        if (e instanceof AuthError) throw new RegistryError(e.message, e.status);
        throw e;
      }
    }
  }

  private async fail(res: IncomingMessage, what: string): Promise<never> {
    const status = res.statusCode ?? 0;
    const reason = await registryReason(res);
    if (status === 401 || status === 403) {
      throw new RegistryError(`registry ${this.domain} refused access to ${what} (${status})${reason}: ${this.auth?.username || this.auth?.token ? "check the pull secret's credentials" : 'the repository may be private (add an imagePullSecret)'}`, status);
    }
    throw new RegistryError(`registry ${this.domain} answered ${status} for ${what}${reason}`, status);
  }

  async manifest(reference: string): Promise<FetchedManifest> {
    const res = await this.get(`/v2/${this.repository}/manifests/${reference}`, manifestAccept);
    if (res.statusCode !== 200) return this.fail(res, `manifest "${reference}" of ${this.repository}`);
    const bytes = await readBody(res, 4 << 20);
    const type = (res.headers['content-type'] ?? '').split(';')[0].trim() || undefined;
    return { bytes, digest: sha256Digest(bytes), mediaType: type };
  }

  /** The blob's body stream (check the status was 200 by the promise resolving). */
  async blob(digest: string): Promise<IncomingMessage> {
    const res = await this.get(`/v2/${this.repository}/blobs/${digest}`);
    if (res.statusCode !== 200) return this.fail(res, `blob ${digest} of ${this.repository}`);
    return res;
  }
}
