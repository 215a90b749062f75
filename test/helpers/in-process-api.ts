// An API server alone, in this process (no controllers, scheduler or agent), on SQLite in a temporary
// data dir and a free loopback port, with an authorizer of the test's choosing; kubeconfigs for the
// admin (system:masters) and for any user the test names, and kubectl to drive it. For tests of the
// API server's own features (reviews, impersonation) that need no workloads.

import { execFile } from 'node:child_process';
import https from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ApiServer } from '../../src/apiserver/server.js';
import { startApiServer } from '../../src/apiserver/server.js';
import type { Authorizer } from '../../src/apiserver/authz/types.js';
import type { ApiState } from '../../src/apiserver/context.js';
import type { TokenAuthenticator } from '../../src/apiserver/authn.js';
import { ensurePki, issueCert, type Pki } from '../../src/cli/pki.js';
import { buildKubeconfig } from '../../src/cli/kubeconfig.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { logger } from '../../src/util/log.js';
import { kubectlBinary, type KubectlResult } from './cluster.js';

export interface InProcessApi {
  server: ApiServer;
  pki: Pki;
  dataDir: string;
  /** The admin's kubeconfig (system:admin in system:masters). */
  kubeconfig: string;
  /** A kubeconfig for a client certificate with this name and groups (organizations). */
  userKubeconfig(name: string, groups?: string[]): Promise<string>;
  /** A kubeconfig presenting a bearer token (no client certificate). */
  tokenKubeconfig(token: string): Promise<string>;
  kubectl(args: string[], opts?: { kubeconfig?: string; binary?: string; input?: string; allowFail?: boolean }): Promise<KubectlResult>;
  /** A raw HTTPS request as the admin (or with the given client certificate), for what kubectl cannot send. */
  request(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string | string[]>; cert?: { cert: string; key: string } }): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

/** serviceAccounts: issue and accept service account tokens (signed with the test PKI's key), as `gifee server` does. */
export async function startInProcessApi(opts: { authorizer?: Authorizer | ((state: ApiState) => Authorizer); tokenAuthenticators?: TokenAuthenticator[]; serviceAccounts?: boolean } = {}): Promise<InProcessApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gifee-api-'));
  let store: Store | undefined;
  let server: ApiServer | undefined;
  try {
    const pki = await ensurePki(dataDir);
    store = await openStore({ backend: 'sqlite', dataDir, log: logger('store') });
    server = await startApiServer({
      store,
      host: '127.0.0.1',
      port: 0,
      tls: { cert: pki.server.cert, key: pki.server.key, clientCA: pki.ca.cert },
      log: logger('apiserver'),
      compactionIntervalMs: 0,
      authorizer: opts.authorizer,
      tokenAuthenticators: opts.tokenAuthenticators,
      ...(opts.serviceAccounts ? { serviceAccounts: { signingKey: pki.serviceAccount.key, publicKeys: [pki.serviceAccount.pub], issuer: 'https://kubernetes.default.svc.cluster.local' } } : {}),
    });
    const api = server;
    const st = store;
    let n = 0;
    const write = async (kc: object) => {
      const p = join(dataDir, `kubeconfig-${n++}.yaml`);
      await writeFile(p, stringify(kc), { mode: 0o600 });
      return p;
    };
    const kubeconfig = await write(buildKubeconfig({ name: 'gifee', server: api.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key }));
    // A discovery cache of this server's own: kubectl's default one is keyed by host and port, which
    // another test's server may have used before with other resources.
    const kubectl = (args: string[], o: { kubeconfig?: string; binary?: string; input?: string; allowFail?: boolean } = {}) =>
      new Promise<KubectlResult>((resolve, reject) => {
        const child = execFile(o.binary ?? kubectlBinary, ['--kubeconfig', o.kubeconfig ?? kubeconfig, '--cache-dir', join(dataDir, 'kubectl-cache'), ...args], { timeout: 60_000, env: { ...process.env, KUBECONFIG: '' } }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          if (err && !o.allowFail) return reject(Object.assign(new Error(`kubectl ${args.join(' ')} failed (${code}): ${stderr}`), { stdout, stderr, code }));
          resolve({ stdout: String(stdout), stderr: String(stderr), code });
        });
        if (o.input !== undefined) child.stdin!.end(o.input);
      });
    return {
      server: api,
      pki,
      dataDir,
      kubeconfig,
      async userKubeconfig(name, groups = []) {
        const cert = await issueCert(pki.ca, { commonName: name, organizations: groups, usage: 'client' });
        return write(buildKubeconfig({ name: 'gifee', server: api.url, ca: pki.ca.cert, cert: cert.cert, key: cert.key }));
      },
      async tokenKubeconfig(token) {
        const kc = buildKubeconfig({ name: 'gifee', server: api.url, ca: pki.ca.cert, cert: '', key: '' });
        kc.users = [{ name: 'gifee', user: { token } }];
        return write(kc);
      },
      kubectl,
      request(method, path, o = {}) {
        const cert = o.cert ?? pki.admin;
        const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
        return new Promise((resolve, reject) => {
          const r = https.request(`${api.url}${path}`, { method, ca: pki.ca.cert, cert: cert.cert, key: cert.key, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...o.headers } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString();
              let json: unknown;
              try {
                json = JSON.parse(text);
              } catch {
                json = text;
              }
              resolve({ status: res.statusCode ?? 0, json });
            });
          });
          r.on('error', reject);
          r.end(payload);
        });
      },
      async stop() {
        await api.close();
        await st.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await server?.close().catch(() => {});
    await store?.close().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}
