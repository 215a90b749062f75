// Which of a running server's certificates its rotation loop renews, and where each renewed pair
// goes: the API server's serving certificate to its listener, the kubelet-client one to its
// connections to node agents, the controllers', scheduler's and embedded agent's to their processes
// (which swap them into their clients and, for the agent, its listener). The admin certificate is
// not among them: it lives in kubeconfigs the server does not own (ten years, as before), nor are
// the CAs (rotate-ca) or the front proxy's (renewed at start).

import type { EmbeddedAgentOptions } from '../agent.js';
import type { ComponentsConfig } from '../components.js';
import type { CertPair } from '../pki.js';
import type { RotatedLeaf } from './leaf-rotation.js';
import { reissue } from './reissue.js';

/** A part of the server that took settings holding certificates and can be handed renewed ones. */
export interface Updatable<T> {
  config: T;
  update(config: T): void;
}

export interface ServerLeaves {
  ca: CertPair;
  server: CertPair;
  /** Sent after the serving and the kubelet-client certificates (Pki.chain: the cross-signed new CA during a CA rotation). */
  serverChain?: string;
  kubeletClient: CertPair;
  api: { setServingCertificate(cert: string, key: string): void; setKubeletClientCertificate(cert: string, key: string): void };
  components?: Updatable<ComponentsConfig>;
  /** The embedded agent and its node name (its files are node-NAME-client and agent-NAME). */
  agent?: Updatable<EmbeddedAgentOptions>;
}

export function serverLeaves(s: ServerLeaves): RotatedLeaf[] {
  const leaf = (name: string, current: CertPair, use: (pair: CertPair) => void): RotatedLeaf => ({ name, current, issue: (held, validityMs) => reissue(s.ca, held.cert, validityMs), use });
  const leaves: RotatedLeaf[] = [leaf('server', s.server, (p) => s.api.setServingCertificate(p.cert + (s.serverChain ?? ''), p.key)), leaf('kube-apiserver-kubelet-client', s.kubeletClient, (p) => s.api.setKubeletClientCertificate(p.cert + (s.serverChain ?? ''), p.key))];
  const c = s.components;
  if (c) {
    const set = (change: Partial<ComponentsConfig>) => {
      c.config = { ...c.config, ...change };
      c.update(c.config);
    };
    leaves.push(leaf('kube-controller-manager', c.config.controllerManager, (p) => set({ controllerManager: p })));
    leaves.push(leaf('kube-scheduler', c.config.scheduler, (p) => set({ scheduler: p })));
    for (const [name, pair] of Object.entries(c.config.controllers ?? {})) leaves.push(leaf(`sa-kube-system-${name}`, pair, (p) => set({ controllers: { ...c.config.controllers, [name]: p } })));
  }
  const a = s.agent;
  if (a) {
    const set = (change: Partial<EmbeddedAgentOptions>) => {
      a.config = { ...a.config, ...change };
      a.update(a.config);
    };
    leaves.push(leaf(`node-${a.config.nodeName}-client`, a.config.client, (p) => set({ client: p })));
    leaves.push(leaf(`agent-${a.config.nodeName}`, a.config.serving, (p) => set({ serving: p })));
  }
  return leaves;
}
