// One probe attempt, as the kubelet makes it: exec (exit code 0), httpGet (status 200-399),
// tcpSocket (connection accepted), each bounded by timeoutSeconds.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container, Probe } from '../pods/types.js';

export interface ProbeTarget {
  podIP: string;
  container: Container;
  /** Runs a command in the container; resolves with its exit code and output. */
  exec(command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
}

export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** A port number, or a named port of the container. */
export function resolvePort(port: number | string, c: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = c.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`port "${port}" is not a named port of container ${c.name}`);
  return p.containerPort;
}

export async function runProbe(probe: Probe, t: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.exec) {
      const r = await t.exec(probe.exec.command ?? [], timeoutMs);
      return r.exitCode === 0 ? { ok: true, message: '' } : { ok: false, message: `command ${JSON.stringify(probe.exec.command)} exited with ${r.exitCode}: ${r.output.trim().slice(0, 200)}` };
    }
    if (probe.httpGet) return await httpProbe(probe.httpGet, t, timeoutMs);
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket.host ?? t.podIP, resolvePort(probe.tcpSocket.port, t.container), timeoutMs);
    return { ok: false, message: 'probe has no handler' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function httpProbe(g: NonNullable<Probe['httpGet']>, t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const host = g.host ?? t.podIP;
  const port = resolvePort(g.port, t.container);
  const scheme = (g.scheme ?? 'HTTP').toLowerCase();
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${g.path ?? '/'}`;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const mod = scheme === 'https' ? https : http;
    const req = mod.get(url, { headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e) => resolve({ ok: false, message: `Get "${url}": ${e.message}` }));
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve({ ok: true, message: '' });
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    });
    s.once('error', (e) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}
