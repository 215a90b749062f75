// The node agent's ingress controller flags (docs/ingress.md): the ports its HTTP and HTTPS
// listeners take on every node (default 80 and 443, as k3s' Traefik; 0 picks a free one; off turns
// that listener off) and the address they listen on.

import { isIP } from 'node:net';
import { type FlagTable, UsageError } from './args.js';

export const INGRESS_FLAG_TABLE: FlagTable = {
  'ingress-http-port': { type: 'string', value: 'N|off', help: "the ingress controller's HTTP port on this node (default 80; 0 picks one; off: none)" },
  'ingress-https-port': { type: 'string', value: 'N|off', help: "the ingress controller's HTTPS port on this node (default 443; 0 picks one; off: none)" },
  'ingress-bind-address': { type: 'string', value: 'ADDR', help: "address the ingress controller listens on (default all of this node's)" },
};

export interface IngressSettings {
  /** undefined: that listener is off. */
  ingress?: { httpPort?: number; httpsPort?: number; bindAddress?: string };
}

function portOf(flag: string, v: string | boolean | undefined, dflt: number): number | undefined {
  if (v === undefined) return dflt;
  if (v === 'off') return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag} must be a port number (0-65535) or off, not "${String(v)}"`);
  return n;
}

export function ingressSettingsOf(f: Record<string, string | boolean | undefined>): IngressSettings {
  const httpPort = portOf('ingress-http-port', f['ingress-http-port'], 80);
  const httpsPort = portOf('ingress-https-port', f['ingress-https-port'], 443);
  const bind = f['ingress-bind-address'];
  if (bind !== undefined && (typeof bind !== 'string' || !isIP(bind))) throw new UsageError(`--ingress-bind-address must be an IP address, not "${String(bind)}"`);
  if (httpPort === undefined && httpsPort === undefined) return {};
  return { ingress: { httpPort, httpsPort, bindAddress: bind as string | undefined } };
}
