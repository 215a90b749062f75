// One GET to an extension API server as the aggregator itself (system:kube-aggregator in
// system:masters, as kube-aggregator asks for discovery and OpenAPI), over the front-proxy
// connection; the whole answer is read, bounded in size and time.

import https from 'node:https';
import type { APIService } from '../../api/kinds/apiregistration/apiservice.js';
import { tlsOptions, type ProxyClient } from './proxy.js';
import { forwardedHeaders } from './proxy-headers.js';
import type { Target } from '../services/resolve-endpoint.js';

const AGGREGATOR_USER = { name: 'system:kube-aggregator', groups: ['system:masters'] };

export function getFromExtension(target: Target, path: string, a: APIService, client: ProxyClient, limits: { maxBytes: number; timeoutMs: number }): Promise<{ status: number; body: string; contentType?: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: target.host,
      port: target.port,
      path,
      method: 'GET',
      agent: false,
      headers: { ...forwardedHeaders([], AGGREGATOR_USER, client.headers), accept: 'application/json', host: `${target.serverName}:${target.port}` },
      ...tlsOptions(a, target, client),
    });
    const timer = setTimeout(() => req.destroy(new Error(`Get "${path}": context deadline exceeded`)), limits.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > limits.maxBytes) return req.destroy(new Error(`response larger than ${limits.maxBytes} bytes`));
        chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] });
      });
    });
    req.end();
  });
}
