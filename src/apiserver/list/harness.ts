// For tests: the resource API of gifee over plain HTTP on loopback, in this process, over a store the
// test holds, so it can write thousands of objects straight into the store, compact it, and see what
// list and watch answer. Authentication and TLS are the real server's business, not these tests'.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../../store/types.js';
import { KindRegistry } from '../../api/registry.js';
import { builtinKinds } from '../../api/kinds/index.js';
import { logger } from '../../util/log.js';
import { ApiState } from '../context.js';
import { parseRequestInfo } from '../request-info.js';
import { routeResource } from '../router.js';
import { sendError } from '../respond.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface TestApi {
  url: string;
  state: ApiState;
  request(method: string, path: string, headers?: Record<string, string>): Promise<Reply>;
  /** Open a watch; resolves with its lines once `enough` says so (or the server ends it). */
  watch(path: string, enough: (lines: any[]) => boolean): Promise<any[]>;
  close(): Promise<void>;
}

export async function startTestApi(store: Store, timings: Partial<ApiState['timings']> = {}): Promise<TestApi> {
  const state = new ApiState(store, new KindRegistry(builtinKinds), logger('test-api'));
  Object.assign(state.timings, timings);
  const user = { name: 'test', groups: ['system:masters'] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://test');
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    if (info.kind !== 'resource') return void res.writeHead(404).end();
    routeResource(state, req, res, url, info, user).catch((e) => sendError(res, e));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new http.Agent({ keepAlive: true });
  return {
    url,
    state,
    request: (method, path, headers = {}) =>
      new Promise((resolve, reject) => {
        const req = http.request(url + path, { method, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString();
            let json: any;
            try {
              json = JSON.parse(body);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
          });
        });
        req.on('error', reject);
        req.end();
      }),
    watch: (path, enough) =>
      new Promise((resolve, reject) => {
        const lines: any[] = [];
        // A server that never sends what the test waits for fails the test's assertions instead of hanging it.
        const guard = setTimeout(() => {
          req.destroy();
          resolve(lines);
        }, 20_000);
        const req = http.get(url + path, (res) => {
          let buf = '';
          res.on('data', (d) => {
            buf += d;
            let i: number;
            while ((i = buf.indexOf('\n')) >= 0) {
              lines.push(JSON.parse(buf.slice(0, i)));
              buf = buf.slice(i + 1);
            }
            if (enough(lines)) {
              clearTimeout(guard);
              req.destroy();
              resolve(lines);
            }
          });
          res.on('end', () => {
            clearTimeout(guard);
            resolve(lines);
          });
        });
        req.on('error', (e) => ((e as any).code === 'ECONNRESET' ? resolve(lines) : reject(e)));
      }),
    close: async () => {
      agent.destroy();
      state.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
