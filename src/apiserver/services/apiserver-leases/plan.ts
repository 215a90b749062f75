// The pure half of the kubernetes Service's endpoint reconciler: from the API servers' identity
// Leases (kube-system, label apiserver.kubernetes.io/identity=kube-apiserver) and the time, which
// addresses `default/kubernetes` should list. Every API server runs the same plan over the same
// leases, so they agree on the answer and none of them rewrites what another just wrote.
//
// A lease is anyone's to write who may write Leases in kube-system: every field is checked, a lease
// that does not parse is ignored, and at most maxServers are honoured.

import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { KObject } from '../../../api/kind.js';

export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
export const IDENTITY_VALUE = 'kube-apiserver';
/** Where each lease records the endpoint its server advertises (the holder identity names the process). */
export const ADDRESS_ANNOTATION = 'gifee.io/advertise-address';
export const PORT_ANNOTATION = 'gifee.io/advertise-port';
/** The gifee version of the server holding the lease, for the servers' skew check (version-skew.ts). */
export const VERSION_ANNOTATION = 'gifee.io/version';
/** Lease durations above this are treated as this: a lease cannot keep a dead address listed for long. */
export const MAX_LEASE_SECONDS = 3600;

export interface Endpoint {
  address: string;
  port: number;
}

export interface Desired {
  port: number;
  /** Sorted, never empty. */
  addresses: string[];
  addressType: 'IPv4' | 'IPv6';
}

/**
 * The lease of the server advertising address:port: one per endpoint, so a server restarted at the
 * same address takes over its own lease instead of leaving a second one to expire.
 */
export function leaseNameFor(e: Endpoint): string {
  return `apiserver-${createHash('sha256').update(`${e.address}:${e.port}`).digest('hex').slice(0, 26)}`;
}

/** The endpoint a lease vouches for until expiresAt (ms), or undefined when it is not one of ours or is malformed. */
export function parseLease(o: KObject): (Endpoint & { expiresAt: number; renewedAt: number; version?: string }) | undefined {
  const meta = o?.metadata;
  if (meta?.labels?.[IDENTITY_LABEL] !== IDENTITY_VALUE) return undefined;
  const address = meta.annotations?.[ADDRESS_ANNOTATION];
  const portText = meta.annotations?.[PORT_ANNOTATION];
  if (typeof address !== 'string' || address.length > 64 || !isIP(address)) return undefined;
  if (typeof portText !== 'string' || !/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  const spec = (o.spec ?? {}) as { renewTime?: unknown; leaseDurationSeconds?: unknown };
  const seconds = spec.leaseDurationSeconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  if (typeof spec.renewTime !== 'string' || spec.renewTime.length > 40) return undefined;
  const renewedAt = Date.parse(spec.renewTime);
  if (!Number.isFinite(renewedAt)) return undefined;
  const version = meta.annotations?.[VERSION_ANNOTATION];
  return { address, port, renewedAt, expiresAt: renewedAt + Math.min(seconds, MAX_LEASE_SECONDS) * 1000, ...(typeof version === 'string' ? { version } : {}) };
}

/** Live (renewed, not expired, not renewed impossibly far ahead) at now. */
export function leaseLive(l: { expiresAt: number; renewedAt: number }, now: number): boolean {
  return l.expiresAt > now && l.renewedAt - (l.expiresAt - l.renewedAt) <= now;
}

/** IPv4 in numeric order (127.0.0.2 before 127.0.0.10), IPv6 as text: stable across servers. */
export function compareAddresses(a: string, b: string): number {
  if (isIP(a) === 4 && isIP(b) === 4) {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface PlanInput {
  leases: KObject[];
  /** Wall-clock ms. */
  now: number;
  /** This server. */
  self: Endpoint;
  /** false while stopping cleanly: this server's own address goes (its lease is being deleted). */
  includeSelf: boolean;
  /** At most this many addresses are listed (this server's own always among them while it is included). */
  maxServers: number;
}

/**
 * The addresses `default/kubernetes` should list, or undefined to leave it as it is (no live server
 * at all: as Kubernetes' lease reconciler, never erase every endpoint).
 *
 * Live: renewed, and not yet expired. A renewTime further in the future than its own duration is a
 * clock that is badly off or a forged lease: not honoured. Only this server's address family is
 * listed (an EndpointSlice holds one). The Endpoints and the EndpointSlice name one port; when
 * servers disagree on it, the port most of them use wins (ties: the lowest), the same choice on
 * every server.
 */
export function planEndpoints(input: PlanInput): Desired | undefined {
  const family = isIP(input.self.address);
  const key = (e: Endpoint) => `${e.address}|${e.port}`;
  const selfKey = key(input.self);
  const live = new Map<string, Endpoint>();
  for (const o of input.leases) {
    const l = parseLease(o);
    if (!l || isIP(l.address) !== family) continue;
    if (!leaseLive(l, input.now)) continue;
    live.set(key(l), { address: l.address, port: l.port });
  }
  live.delete(selfKey);
  // Bounded, deterministically: this server first, then the others in address order.
  const others = [...live.values()].sort((a, b) => compareAddresses(a.address, b.address) || a.port - b.port);
  const honoured = [...(input.includeSelf ? [input.self] : []), ...others].slice(0, Math.max(1, input.maxServers));
  if (!honoured.length) return undefined;
  const perPort = new Map<number, Set<string>>();
  for (const e of honoured) {
    let s = perPort.get(e.port);
    if (!s) perPort.set(e.port, (s = new Set()));
    s.add(e.address);
  }
  const [port, addrs] = [...perPort].sort((a, b) => b[1].size - a[1].size || a[0] - b[0])[0];
  return { port, addresses: [...addrs].sort(compareAddresses), addressType: family === 6 ? 'IPv6' : 'IPv4' };
}
