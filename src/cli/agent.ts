// Starting the node agent from the CLI: embedded in `gifee server`/`gifee up` (sharing the
// server's PKI), with a serving certificate for its stream port signed by the cluster CA.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '../agent/agent.js';
import { logger } from '../util/log.js';
import { issueCert, type CertPair, type Pki } from './pki.js';

/** The machine's first non-loopback IPv4 address: what other nodes and the API server reach it at. */
export function detectNodeIP(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

async function agentServingCert(dataDir: string, ca: CertPair, nodeName: string, nodeIP: string): Promise<CertPair> {
  const crt = join(dataDir, 'pki', `agent-${nodeName}.crt`);
  const key = join(dataDir, 'pki', `agent-${nodeName}.key`);
  if (existsSync(crt) && existsSync(key)) return { cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') };
  const pair = await issueCert(ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'both', dnsNames: [nodeName, 'localhost'], ips: [nodeIP, '127.0.0.1'] });
  await writeFile(key, pair.key, { mode: 0o600 });
  await writeFile(crt, pair.cert);
  return pair;
}

export async function startEmbeddedAgent(o: { dataDir: string; serverUrl: string; pki: Pki; nodeName?: string; nodeIP?: string; port: number; bridge?: string }): Promise<Agent> {
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  const nodeIP = o.nodeIP ?? detectNodeIP();
  const serving = await agentServingCert(o.dataDir, o.pki.ca, nodeName, nodeIP);
  const { startAgent } = await import('../agent/agent.js');
  return startAgent({
    client: { server: o.serverUrl, ca: o.pki.ca.cert, cert: o.pki.admin.cert, key: o.pki.admin.key },
    dataDir: o.dataDir,
    nodeName,
    nodeIP,
    port: o.port,
    bridge: o.bridge,
    tls: { cert: serving.cert, key: serving.key, clientCA: o.pki.ca.cert },
    restartBackoffMs: process.env.GIFEE_RESTART_BACKOFF_MS ? Number(process.env.GIFEE_RESTART_BACKOFF_MS) : undefined,
    log: logger('agent'),
  });
}
