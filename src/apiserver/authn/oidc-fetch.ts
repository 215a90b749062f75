// Fetches the OIDC provider's JSON documents (discovery, JWKS) over HTTPS, trusting the configured
// CA, with a deadline and a size cap: a slow or hostile provider costs bounded time and memory.

import https from 'node:https';
import http from 'node:http';

export interface FetchOptions {
  /** PEM CA bundle to trust (--oidc-ca-file); the system's roots without it. */
  ca?: string;
  /** Whole-request deadline. */
  timeoutMs: number;
  /** Largest body read. */
  maxBytes: number;
  /** Plain http allowed (tests only; never from flags). */
  allowInsecure?: boolean;
}

export async function fetchJson(url: string, o: FetchOptions): Promise<unknown> {
  const u = new URL(url);
  if (u.protocol !== 'https:' && !(o.allowInsecure && u.protocol === 'http:')) throw new Error(`refusing to fetch ${u.protocol} URL ${url}: OIDC documents are fetched over https only`);
  const get = u.protocol === 'https:' ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(u, { ca: o.ca, headers: { accept: 'application/json' }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBytes) {
          req.destroy(new Error(`GET ${url}: body larger than ${o.maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(new Error(`GET ${url}: the body is not JSON`));
        }
      });
      res.on('error', reject);
    });
    req.setTimeout(o.timeoutMs, () => req.destroy(new Error(`GET ${url}: no answer within ${o.timeoutMs}ms`)));
    // A whole-request deadline too: a provider trickling bytes must not hold the fetch open.
    const deadline = setTimeout(() => req.destroy(new Error(`GET ${url}: not done within ${o.timeoutMs}ms`)), o.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
  });
}
