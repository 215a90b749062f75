// HTTP(S) requests for the registry client, on node:http/https: redirects followed (credentials
// dropped when the host changes, as registries redirect blob downloads to object storage), and
// timeouts so a stuck registry fails a pull instead of hanging it.

import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: OutgoingHttpHeaders;
  /** Time to wait for the response headers, and for each chunk of the body. */
  timeoutMs?: number;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export async function request(url: URL, opts: RequestOptions = {}, redirects = 5): Promise<IncomingMessage> {
  const res = await once(url, opts);
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    if (redirects === 0) throw new HttpError(`too many redirects fetching ${url.origin}${url.pathname}`);
    const next = new URL(res.headers.location, url);
    const headers = { ...opts.headers };
    if (next.host !== url.host) delete headers.authorization;
    return request(next, { ...opts, headers }, redirects - 1);
  }
  return res;
}

function once(url: URL, opts: RequestOptions): Promise<IncomingMessage> {
  const timeout = opts.timeoutMs ?? 30_000;
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: opts.method ?? 'GET', headers: { 'user-agent': 'gifee-agent', ...opts.headers } }, (res) => {
      res.setTimeout(timeout, () => res.destroy(new HttpError(`no data from ${url.host} for ${timeout / 1000}s`, 'ETIMEDOUT')));
      resolve(res);
    });
    req.setTimeout(timeout, () => req.destroy(new HttpError(`no answer from ${url.host} within ${timeout / 1000}s`, 'ETIMEDOUT')));
    req.on('error', (e: NodeJS.ErrnoException) => reject(new HttpError(`cannot reach ${url.host}: ${e.message}`, e.code)));
    req.end();
  });
}

export async function readBody(res: IncomingMessage, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new HttpError(`registry response is larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
