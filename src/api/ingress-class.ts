// Which Ingresses gifee's built-in controller serves, and how a node says its controller listens:
// shared by the agents' controllers (src/agent/ingress), which route them, and the controller
// manager's ingress-status controller (src/controllers/ingressstatus), which publishes where they
// are served.

import { GIFEE_INGRESS_CONTROLLER } from './auth/ingress-controller.js';
import { isSpecialIPv4 } from './load-balancer.js';

const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/**
 * Set by an agent on its own Node while its ingress controller listens: "http=80,https=443", with
 * ",bind=ADDR" when it listens on one address only. Absent: that node serves no Ingresses.
 */
export const NODE_INGRESS_ANNOTATION = 'ingress.gifee.dev/listening';

interface IngressLike {
  metadata?: { annotations?: Record<string, string> };
  spec?: { ingressClassName?: string };
}
interface IngressClassLike {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: { controller?: string };
}

/** Whether an Ingress is gifee's: its class is one of ours, or it names none and one of ours is the default. */
export function isGifeeIngress(ing: IngressLike, classes: readonly IngressClassLike[]): boolean {
  const ours = classes.filter((c) => c.spec?.controller === GIFEE_INGRESS_CONTROLLER).map((c) => c.metadata?.name ?? '');
  const name = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  if (name !== undefined && name !== '') return ours.includes(name);
  const defaults = classes.filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  return defaults.length > 0 && defaults.every((c) => c.spec?.controller === GIFEE_INGRESS_CONTROLLER);
}

export interface IngressListening {
  httpPort?: number;
  httpsPort?: number;
  bindAddress?: string;
}

export function formatIngressListening(l: IngressListening): string {
  const parts = [l.httpPort !== undefined ? `http=${l.httpPort}` : '', l.httpsPort !== undefined ? `https=${l.httpsPort}` : '', l.bindAddress ? `bind=${l.bindAddress}` : ''];
  return parts.filter(Boolean).join(',');
}

/** The annotation read back; undefined when absent or not one an agent writes (a node's annotation is anyone-with-node-access's input). */
export function parseIngressListening(v: string | undefined): IngressListening | undefined {
  if (typeof v !== 'string' || v.length > 128) return undefined;
  const out: IngressListening = {};
  for (const part of v.split(',')) {
    const m = /^(http|https|bind)=([0-9a-fA-F.:]{1,45})$/.exec(part);
    if (!m) return undefined;
    if (m[1] === 'bind') out.bindAddress = m[2];
    else {
      const n = Number(m[2]);
      if (!Number.isInteger(n) || n < 1 || n > 65535) return undefined;
      if (m[1] === 'http') out.httpPort = n;
      else out.httpsPort = n;
    }
  }
  return out.httpPort !== undefined || out.httpsPort !== undefined ? out : undefined;
}

/** The address an Ingress is reached at on a node: its bind address when it has a usable one, else the node's. */
export function ingressAddressOf(l: IngressListening, nodeIP: string): string | undefined {
  const bind = l.bindAddress;
  if (!bind || bind === '0.0.0.0' || bind === '::') return nodeIP;
  return /^\d+\.\d+\.\d+\.\d+$/.test(bind) && !isSpecialIPv4(bind) ? bind : undefined;
}
