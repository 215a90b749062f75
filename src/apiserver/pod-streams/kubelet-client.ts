// How the API server reaches node agents: HTTPS with a client certificate the agents trust (signed by
// the cluster CA). Like kube-apiserver's default, the agent's serving certificate is not verified:
// agents serve with self-signed certificates unless given one, and the node's address comes from
// the API anyway. Without a configured certificate none is presented, and agents refuse with 401
// (`gifee server` passes the admin certificate, as kube-apiserver's --kubelet-client-certificate).

import https from 'node:https';
import tls from 'node:tls';
import { isIP } from 'node:net';
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

const clients = new WeakMap<ApiState, KubeletClient>();

export function setKubeletClient(state: ApiState, cert: KubeletClientCert | undefined): KubeletClient {
  const c = new KubeletClient(cert);
  clients.set(state, c);
  return c;
}

export function kubeletClientOf(state: ApiState): KubeletClient {
  return clients.get(state) ?? setKubeletClient(state, undefined);
}
