// How the API server reaches node agents: HTTPS with a client certificate the agents trust (signed by
// the cluster CA). Like kube-apiserver's default, the agent's serving certificate is not verified:
// agents serve with self-signed certificates unless given one, and the node's address comes from
// the API anyway. Without a configured certificate, GIFEE_KUBELET_CLIENT_CERT_FILE and
// GIFEE_KUBELET_CLIENT_KEY_FILE name one (how tests start a server); else no certificate is presented
// and agents will refuse with 401.

import https from 'node:https';
import tls from 'node:tls';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import type { ApiState } from '../context.js';

export interface KubeletClientCert {
  cert: string;
  key: string;
}

export interface KubeletEndpoint {
  host: string;
  port: number;
}

export class KubeletClient {
  readonly agent: https.Agent;

  constructor(readonly cert: KubeletClientCert | undefined) {
    this.agent = new https.Agent({ ...this.tlsOptions(), keepAlive: true });
  }

  private tlsOptions() {
    return { cert: this.cert?.cert, key: this.cert?.key, rejectUnauthorized: false };
  }

  /** A TLS connection to the agent, for an upgrade request we relay byte for byte. */
  connect(ep: KubeletEndpoint): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: ep.host, port: ep.port, servername: isIP(ep.host) ? undefined : ep.host, ...this.tlsOptions() });
      s.once('secureConnect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
      s.setTimeout(10_000, () => s.destroy(new Error(`timed out connecting to ${ep.host}:${ep.port}`)));
      s.once('secureConnect', () => s.setTimeout(0));
    });
  }

  close() {
    this.agent.destroy();
  }
}

function fromEnv(): KubeletClientCert | undefined {
  const certFile = process.env.GIFEE_KUBELET_CLIENT_CERT_FILE;
  const keyFile = process.env.GIFEE_KUBELET_CLIENT_KEY_FILE;
  if (!certFile || !keyFile) return undefined;
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

const clients = new WeakMap<ApiState, KubeletClient>();

export function setKubeletClient(state: ApiState, cert: KubeletClientCert | undefined): KubeletClient {
  const c = new KubeletClient(cert ?? fromEnv());
  clients.set(state, c);
  return c;
}

export function kubeletClientOf(state: ApiState): KubeletClient {
  return clients.get(state) ?? setKubeletClient(state, undefined);
}
