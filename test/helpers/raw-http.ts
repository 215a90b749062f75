// Raw HTTP/1.1 over TLS for tests that send what no HTTP client would: invalid percent-escapes,
// absolute-form targets with bad ports, stalled headers and bodies. Only ever to 127.0.0.0/8.

import net from 'node:net';
import tls from 'node:tls';

export interface RawResponse {
  /** Undefined when the connection closed without a (complete) status line. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent. */
  raw: string;
  /** The connection was reset (or closed) before a complete response arrived. */
  reset: boolean;
}

export interface RawOptions {
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Source address on loopback (127.0.0.2...): separates this connection's per-address counts. */
  localAddress?: string;
  /** Give up on an answer after this long (resolves with reset: true, raw: 'client timeout'). */
  timeoutMs?: number;
  /** A 2xx answer without Content-Length (a watch, a followed log) is complete at its headers. */
  stopAtStreamHeaders?: boolean;
}

/** Opens a TLS connection (server certificate not verified: the test knows whom it dials). */
export function connectTls(port: number, o: RawOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const tcp = net.connect({ host: '127.0.0.1', port, localAddress: o.localAddress });
    tcp.on('error', (e) => s.destroy(e));
    const s = tls.connect({ socket: tcp, rejectUnauthorized: false, cert: o.cert, key: o.key });
    s.once('secureConnect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Reads one response from a socket: resolves at its end (Content-Length or close). */
export function readResponse(s: tls.TLSSocket, timeoutMs?: number, stopAtStreamHeaders = false): Promise<RawResponse> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const timer = timeoutMs
      ? setTimeout(() => {
          if (done) return;
          done = true;
          s.destroy();
          resolve({ ...parse(buf, true), reset: true, raw: `client timeout after ${timeoutMs}ms; got: ${buf.toString('latin1').slice(0, 200)}` });
        }, timeoutMs)
      : undefined;
    const finish = (reset: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve(parse(buf, reset));
    };
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const r = parse(buf, false);
      const len = Number(r.headers['content-length'] ?? NaN);
      if (r.status !== undefined && Number.isFinite(len) && Buffer.byteLength(r.body) >= len) finish(false);
      // 101 Switching Protocols: the answer is complete, what follows is another protocol.
      else if (r.status === 101) finish(false);
      else if (stopAtStreamHeaders && r.status !== undefined && r.status < 300 && !Number.isFinite(len)) finish(false);
    });
    s.on('error', () => finish(true));
    s.on('close', () => finish(parse(buf, false).status === undefined));
  });
}

/** Sends the bytes on a fresh connection and reads the answer. */
export async function rawRequest(port: number, bytes: string | Buffer, o: RawOptions = {}): Promise<RawResponse> {
  const s = await connectTls(port, o);
  const answer = readResponse(s, o.timeoutMs, o.stopAtStreamHeaders);
  s.write(bytes);
  return answer;
}

function parse(buf: Buffer, reset: boolean): RawResponse {
  const raw = buf.toString('latin1');
  const end = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  if (end < 0) return { headers, body: '', raw, reset };
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: m ? Number(m[1]) : undefined, headers, body: buf.subarray(Buffer.byteLength(raw.slice(0, end + 4), 'latin1')).toString('utf8'), raw, reset };
}

/** Resolves when the server closes the connection (or it errors). */
export function closed(s: tls.TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.once('close', () => resolve());
    s.on('error', () => {});
    s.resume(); // a paused socket would never see the server's end
  });
}

/** The admin client certificate and key from a cluster's kubeconfig. */
export async function adminCredentials(kubeconfig: string): Promise<{ cert: Buffer; key: Buffer; ca: Buffer }> {
  const { readFile } = await import('node:fs/promises');
  const { parse: parseYaml } = await import('yaml');
  const kc = parseYaml(await readFile(kubeconfig, 'utf8'));
  const user = kc.users[0].user;
  return {
    cert: Buffer.from(user['client-certificate-data'], 'base64'),
    key: Buffer.from(user['client-key-data'], 'base64'),
    ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64'),
  };
}
