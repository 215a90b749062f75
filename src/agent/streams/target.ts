// The contract between the agent's stream server (logs, exec, attach, port-forward: what kubectl
// reaches through the API server) and the pods the agent runs. The pod workers implement it; the
// stream server only speaks protocols and never touches containers itself.

import type { Duplex, Readable, Writable } from 'node:stream';

/** A process started inside a container for `kubectl exec` (or the container's own stdio for attach). */
export interface ExecSession {
  stdin?: Writable;
  stdout: Readable;
  /** Absent with a TTY: the terminal merges stderr into stdout. */
  stderr?: Readable;
  /** Change the TTY's size (ignored without a TTY). */
  resize(cols: number, rows: number): void;
  /** Resolves when the process exits, with its exit code (128+signal when killed). */
  exited: Promise<{ exitCode: number }>;
  /** Stop it early (the client went away). */
  kill(): void;
}

export interface ExecOptions {
  tty: boolean;
  stdin: boolean;
}

/** A container's log file in the CRI format: "<RFC3339Nano> <stdout|stderr> <F|P> <text>\n" per line. */
export interface LogFiles {
  /** Current file first, then older rotated files, newest to oldest; all may be read. */
  files: string[];
  /** True while the container runs, so `follow` should keep reading the current file. */
  running: boolean;
  /** Resolves when the container stops (ends a follow). */
  stopped: Promise<void>;
}

/** Thrown by a StreamTarget when a pod or container is not here or not in a state to serve: HTTP code + message. */
export class StreamTargetError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'StreamTargetError';
  }
}

export interface StreamTarget {
  /** Log files of a container; previous: those of the instance before the last restart. */
  logs(namespace: string, pod: string, container: string, previous: boolean): Promise<LogFiles>;
  /** Start a command in a running container. */
  exec(namespace: string, pod: string, container: string, command: string[], opts: ExecOptions): Promise<ExecSession>;
  /** Connect to the container's main process stdio (stdin only if the container has stdin: true). */
  attach(namespace: string, pod: string, container: string, opts: ExecOptions): Promise<ExecSession>;
  /** A TCP connection to a port inside the pod's network namespace. */
  portForward(namespace: string, pod: string, port: number): Promise<Duplex>;
  /** Optional: throws a StreamTargetError to refuse port-forward to this pod before the upgrade (a simulated node's pods have no ports). */
  checkPortForward?(namespace: string, pod: string): Promise<void>;
}
