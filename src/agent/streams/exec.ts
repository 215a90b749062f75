// exec and attach: start the session through the target, then bridge it to whichever streaming
// protocol the client upgraded to.

import type { WebSocket } from 'ws';
import type { ExecSession, StreamTarget } from './target.js';
import type { StreamPath } from './request.js';
import { parseCommand, parseStdio, type StdioFlags } from './request.js';
import { bridgeChannels } from './channel/bridge.js';
import type { ChannelProtocol } from './channel/protocol.js';

export interface StartedExec {
  session: ExecSession;
  flags: StdioFlags;
  /** The command (empty for attach), for the exit status message. */
  command: string[];
  bridge(ws: WebSocket, protocol: ChannelProtocol): Promise<void>;
}

export async function startExec(target: StreamTarget, p: StreamPath, q: URLSearchParams): Promise<StartedExec> {
  const flags = parseStdio(q);
  const command = p.kind === 'exec' ? parseCommand(q) : [];
  const opts = { tty: flags.tty, stdin: flags.stdin };
  const session = p.kind === 'exec' ? await target.exec(p.namespace, p.pod, p.container!, command, opts) : await target.attach(p.namespace, p.pod, p.container!, opts);
  return {
    session,
    flags,
    command,
    bridge: (ws, protocol) => bridgeChannels(ws, session, { protocol, stdout: flags.stdout, stderr: flags.stderr, command }),
  };
}
