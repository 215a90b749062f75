// The kubelet API's stream paths and their query parameters. Both spellings of the stdio flags are
// accepted: the kubelet's own (input/output/error) and kubectl's (stdin/stdout/stderr).

import { StreamTargetError } from './target.js';
import { pathSegments } from '../../util/http/request-target.js';
import { queryBool } from '../../util/http/query-bool.js';

export type StreamKind = 'containerLogs' | 'exec' | 'attach' | 'portForward';

export interface StreamPath {
  kind: StreamKind;
  namespace: string;
  pod: string;
  /** Absent for portForward. */
  container?: string;
}

const KINDS = new Set<string>(['containerLogs', 'exec', 'attach', 'portForward']);

/** /{kind}/{namespace}/{pod}[/{uid}]/{container}, or /portForward/{namespace}/{pod}[/{uid}]. */
export function parseStreamPath(pathname: string): StreamPath | undefined {
  const parts = pathSegments(pathname);
  const [kind, namespace, pod, ...rest] = parts;
  if (!kind || !KINDS.has(kind) || !namespace || !pod) return undefined;
  if (kind === 'portForward') return rest.length <= 1 ? { kind, namespace, pod } : undefined;
  if (rest.length < 1 || rest.length > 2) return undefined;
  return { kind: kind as StreamKind, namespace, pod, container: rest[rest.length - 1] };
}

export interface StdioFlags {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

// Each spelling read as the API server's parameter codec reads it (stdin=False is false).
const flag = (q: URLSearchParams, ...names: string[]) => names.some((n) => queryBool(q, n) === true);

export function parseStdio(q: URLSearchParams): StdioFlags {
  const f = { stdin: flag(q, 'stdin', 'input'), stdout: flag(q, 'stdout', 'output'), stderr: flag(q, 'stderr', 'error'), tty: flag(q, 'tty') };
  if (!f.stdin && !f.stdout && !f.stderr) throw new StreamTargetError(400, 'you must specify at least 1 of stdin, stdout, stderr');
  // With a TTY the terminal merges stderr into stdout, as in Kubernetes.
  if (f.tty) f.stderr = false;
  return f;
}

export function parseCommand(q: URLSearchParams): string[] {
  const command = q.getAll('command');
  if (command.length === 0) throw new StreamTargetError(400, 'you must specify at least one command for the container');
  return command;
}
