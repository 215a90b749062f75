// How the API server reaches node agents: HTTPS with a client certificate the agents accept (the
// API server's kubelet-client identity, signed by the cluster CA). With a CA configured (as
// kube-apiserver's --kubelet-certificate-authority) the agent's serving certificate must chain to it
// and name both the node (a DNS name, or the subject system:node:NAME of a kubelet-serving
// certificate) and the address dialed: an address a Node lists cannot be answered by anything that
// merely listens there, nor by another node's agent a node pointed its address at. Without a certificate none is presented, and agents
// refuse with 401; without a CA the serving certificate is not checked (tests of other parts).

import https from 'node:https';
import tls, { type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import type { ApiState } from '../context.js';

export interface KubeletClientCert {
  cert: string;
  key: string;
  /** The CA node agents' serving certificates must be signed by. */
  ca?: string;
}

export interface KubeletEndpoint {
  host: string;
  port: number;
  /** The Node the address belongs to: its serving certificate must name it or the address. */
  node: string;
}

/** Accepts a serving certificate that names the node and covers the address dialed. */
export function checkAgentIdentity(ep: KubeletEndpoint, cert: PeerCertificate): Error | undefined {
  const cn = cert.subject?.CN;
  const namesNode = (Array.isArray(cn) ? cn[0] : cn) === `system:node:${ep.node}` || !tls.checkServerIdentity(ep.node, cert);
  if (!namesNode) return new Error(`the agent's serving certificate is not for node ${ep.node}`);
  return tls.checkServerIdentity(ep.host, cert) ? new Error(`the agent's serving certificate for node ${ep.node} does not cover ${ep.host}`) : undefined;
}

export class KubeletClient {
  readonly agent: https.Agent;

  constructor(readonly cert: KubeletClientCert | undefined) {
    this.agent = new https.Agent({ cert: this.cert?.cert, key: this.cert?.key, keepAlive: true });
  }

  /** TLS options for one endpoint; the node name is the SNI name too, so pooled connections are never shared between nodes. */
  tlsOptions(ep: KubeletEndpoint) {
    const verify = this.cert?.ca !== undefined;
    return {
      cert: this.cert?.cert,
      key: this.cert?.key,
      ca: this.cert?.ca,
      rejectUnauthorized: verify,
      servername: isIP(ep.node) ? undefined : ep.node,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => (verify ? checkAgentIdentity(ep, cert) : undefined),
    };
  }

  /** A TLS connection to the agent, for an upgrade request we relay byte for byte. */
  connect(ep: KubeletEndpoint): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: ep.host, port: ep.port, ...this.tlsOptions(ep) });
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
