// exec/attach over a plain SPDY upgrade (kubectl 1.27-1.30, and newer ones as a fallback): the client
// opens one stream per role (streamType error, stdin, stdout, stderr, resize). Once the expected ones
// are open we wire them to the session; at the end the exit Status goes on the error stream (v4 JSON,
// older protocols a plain message) and the connection is closed.

import type { SpdySession, SpdyStream } from './spdy/session.js';
import { RST } from './spdy/frames.js';
import type { StartedExec } from './exec.js';
import { exitStatus, internalErrorStatus } from './status.js';

const STREAMS_TIMEOUT_MS = 30_000;

export async function serveSpdyExec(conn: SpdySession, protocol: string, exec: StartedExec): Promise<void> {
  const { session, flags } = exec;
  const want = new Set(['error', ...(flags.stdin ? ['stdin'] : []), ...(flags.stdout ? ['stdout'] : []), ...(flags.stderr ? ['stderr'] : []), ...(flags.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io' ? ['resize'] : [])]);
  const streams = new Map<string, SpdyStream>();

  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), STREAMS_TIMEOUT_MS);
    conn.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
    conn.on('stream', (s) => {
      const type = s.header('streamtype') ?? '';
      if (!want.has(type) || streams.has(type)) return s.reset(RST.PROTOCOL_ERROR);
      streams.set(type, s);
      void s.reply();
      // kubectl sends the resize stream only after its others are answered; don't wait on it.
      if ([...want].every((t) => t === 'resize' || streams.has(t))) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  if (!ready) {
    session.kill();
    conn.close();
    return;
  }

  const stdin = streams.get('stdin');
  if (stdin && session.stdin) {
    session.stdin.on('error', () => {});
    stdin.pipe(session.stdin);
  } else stdin?.resume();

  const watchResize = (s: SpdyStream) => {
    let buf = '';
    // Go's json.Encoder ends every object with a newline.
    s.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        try {
          const v = JSON.parse(line) as { Width?: number; Height?: number };
          if (typeof v.Width === 'number' && typeof v.Height === 'number') session.resize(v.Width, v.Height);
        } catch {
          /* ignore a bad resize, as the kubelet does */
        }
      }
    });
  };
  const resize = streams.get('resize');
  if (resize) watchResize(resize);
  conn.on('stream', (s) => {
    if (s.header('streamtype') === 'resize') watchResize(s);
  });

  const copy = (src: NodeJS.ReadableStream | undefined, dst: SpdyStream | undefined) =>
    new Promise<void>((resolve) => {
      if (!src) return resolve();
      if (!dst) {
        (src as NodeJS.ReadableStream & { resume(): void }).resume();
        src.once('end', resolve);
        return;
      }
      src.pipe(dst);
      dst.once('finish', resolve);
      dst.once('close', resolve);
    });

  conn.once('close', () => session.kill());
  let error: string | undefined;
  let exitCode = 0;
  try {
    [{ exitCode }] = await Promise.all([session.exited, copy(session.stdout, streams.get('stdout')), copy(session.stderr, streams.get('stderr'))]);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const errStream = streams.get('error')!;
  if (!conn.closed) {
    if (protocol === 'v4.channel.k8s.io') errStream.end(JSON.stringify(error !== undefined ? internalErrorStatus(error) : exitStatus(exec.command, exitCode)));
    else errStream.end(error ?? (exitCode !== 0 ? `command terminated with non-zero exit code: exit code ${exitCode}` : ''));
    await new Promise((r) => errStream.once('finish', r));
    await conn.goAway();
  }
}
