// Bridges an exec/attach session to a WebSocket speaking the channel protocol: stdin and resize in,
// stdout and stderr out, then the exit status on the error channel and a normal close.

import type { WebSocket } from 'ws';
import type { Readable } from 'node:stream';
import type { ExecSession } from '../target.js';
import { exitStatus, internalErrorStatus } from '../status.js';
import { CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT, frame, parseResize, statusOnErrorChannel, supportsClose, type ChannelProtocol } from './protocol.js';

const MAX_IN_FLIGHT = 32;

export interface BridgeOptions {
  protocol: ChannelProtocol;
  /** Which outputs the client asked for; unrequested ones are drained and dropped. */
  stdout: boolean;
  stderr: boolean;
  /** For the exit status message. */
  command: string[];
}

export function bridgeChannels(ws: WebSocket, session: ExecSession, o: BridgeOptions): Promise<void> {
  let inFlight = 0;
  const paused = new Set<Readable>();
  const sent = () => {
    inFlight--;
    if (inFlight < MAX_IN_FLIGHT / 2) for (const s of paused) s.resume();
    paused.clear();
  };

  const pump = (src: Readable | undefined, channel: number, wanted: boolean): Promise<void> => {
    if (!src) return Promise.resolve();
    return new Promise((resolve) => {
      src.on('data', (chunk: Buffer) => {
        if (!wanted || ws.readyState !== ws.OPEN) return;
        inFlight++;
        ws.send(frame(channel, chunk), { binary: true }, sent);
        if (inFlight >= MAX_IN_FLIGHT) {
          src.pause();
          paused.add(src);
        }
      });
      src.once('end', resolve);
      src.once('error', () => resolve());
      src.once('close', resolve);
    });
  };

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const payload = data.subarray(1);
    switch (data[0]) {
      case STDIN:
        session.stdin?.write(payload);
        break;
      case RESIZE: {
        const size = parseResize(payload);
        if (size) session.resize(size.cols, size.rows);
        break;
      }
      case CLOSE:
        if (supportsClose(o.protocol) && payload[0] === STDIN) session.stdin?.end();
        break;
    }
  });
  session.stdin?.on('error', () => {}); // the process may exit before reading all of stdin

  let finished = false;
  ws.on('close', () => {
    if (!finished) session.kill();
    session.stdin?.end();
  });
  ws.on('error', () => {});

  const outputs = Promise.all([pump(session.stdout, STDOUT, o.stdout), pump(session.stderr, STDERR, o.stderr)]);
  return Promise.all([session.exited, outputs]).then(
    ([{ exitCode }]) => finish(exitCode),
    (e: unknown) => finish(undefined, e instanceof Error ? e.message : String(e)),
  );

  function finish(exitCode: number | undefined, error?: string) {
    finished = true;
    if (ws.readyState !== ws.OPEN) return;
    if (statusOnErrorChannel(o.protocol)) {
      const status = error !== undefined ? internalErrorStatus(error) : exitStatus(o.command, exitCode!);
      ws.send(frame(ERROR, JSON.stringify(status)), { binary: true });
    } else if (error !== undefined || exitCode !== 0) {
      ws.send(frame(ERROR, error ?? `command terminated with non-zero exit code: exit code ${exitCode}`), { binary: true });
    }
    ws.close(1000);
  }
}
