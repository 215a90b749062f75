// What the kubelet endpoint of simulated nodes answers, as kwok's does: there are no containers, so
// - logs: one synthetic line per container (written once to a small CRI-format file, so the agent's
//   own log server applies follow, tailLines, timestamps, since and limitBytes exactly as for real
//   containers; a follow ends when the pod goes);
// - exec and attach: nothing runs; the session prints why on stderr and exits with code 126
//   (POSIX's "command found but cannot be executed"), which kubectl reports as the exit code;
// - port-forward: refused before the upgrade, with a message kubectl prints.
// Only pods bound to this process's nodes are served; anything else is "not found" on this node.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { StreamTargetError, type ExecOptions, type ExecSession, type LogFiles, type StreamTarget } from '../agent/streams/target.js';
import type { SimPod } from './pod-status.js';
import { ifMissing } from '../util/best-effort.js';

/** Exit code of every exec/attach on a simulated node. */
export const SIM_EXEC_EXIT_CODE = 126;

/** The pods the target may serve: those bound to one of this process's simulated nodes. */
export interface SimPodLookup {
  /** The pod if it is bound to one of our nodes. */
  get(namespace: string, name: string): SimPod | undefined;
  /** The pods bound to a node of ours (its synthetic /metrics/resource). */
  onNode?(node: string): SimPod[];
}

/** RFC3339Nano, as CRI log lines carry. */
const rfc3339Nano = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');

/** The synthetic log line of a container. */
export function syntheticLogLine(pod: SimPod, container: string): string {
  const c = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === container);
  const image = c?.image ? ` (image ${c.image})` : '';
  return `gifee sim: container "${container}"${image} of pod ${pod.metadata?.namespace}/${pod.metadata?.name} runs on simulated node ${pod.spec?.nodeName}: no process runs, so this is its only log line`;
}

export function execRefusal(pod: SimPod, container: string, what: 'exec' | 'attach'): string {
  return `gifee sim: cannot ${what} ${what === 'exec' ? 'in' : 'to'} container "${container}" of pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${pod.spec?.nodeName} is a simulated node (gifee sim nodes) and runs no processes`;
}

export function portForwardRefusal(pod: SimPod): string {
  return `gifee sim: cannot forward ports to pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${pod.spec?.nodeName} is a simulated node (gifee sim nodes); nothing listens in its pods`;
}

/** A session that runs nothing: the message on stderr (stdout with a TTY), then exit code 126. */
function refusedSession(message: string, opts: ExecOptions): ExecSession {
  const stdout = new PassThrough();
  const stderr = opts.tty ? undefined : new PassThrough();
  const nl = opts.tty ? '\r\n' : '\n';
  (stderr ?? stdout).end(`${message}${nl}`);
  if (stderr) stdout.end();
  return {
    stdin: opts.stdin ? new Writable({ write: (_c, _e, cb) => cb() }) : undefined,
    stdout,
    stderr,
    resize() {},
    exited: Promise.resolve({ exitCode: SIM_EXEC_EXIT_CODE }),
    kill() {},
  };
}

export class SimStreamTarget implements StreamTarget {
  /** Log files written so far, by pod uid; and what ends a follow of that pod. */
  private written = new Map<string, { files: Map<string, string>; gone: Promise<void>; end: () => void }>();
  private dirReady?: Promise<string | undefined>;

  constructor(
    private pods: SimPodLookup,
    /** Where the synthetic log files go (removed by close()). */
    private dir: string,
  ) {}

  private mustGet(namespace: string, name: string): SimPod {
    const pod = this.pods.get(namespace, name);
    if (!pod) throw new StreamTargetError(404, `pod ${namespace}/${name} is not on any simulated node served here`);
    return pod;
  }

  async logs(namespace: string, name: string, container: string, previous: boolean): Promise<LogFiles> {
    const pod = this.mustGet(namespace, name);
    // Simulated containers never restart: there is no previous instance, as a kubelet says.
    if (previous) throw new StreamTargetError(400, `previous terminated container "${container}" in pod "${name}" not found`);
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const st = statuses.find((s) => s.name === container)?.state;
    const startedAt = st?.running?.startedAt ?? st?.terminated?.startedAt;
    if (!startedAt) throw new StreamTargetError(400, `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
    const uid = pod.metadata?.uid ?? `${namespace}/${name}`;
    let entry = this.written.get(uid);
    if (!entry) {
      let end = () => {};
      const gone = new Promise<void>((r) => (end = r));
      this.written.set(uid, (entry = { files: new Map(), gone, end }));
    }
    let file = entry.files.get(container);
    if (!file) {
      const dir = await this.ensureDir();
      file = join(dir, `${uid.replace(/[^A-Za-z0-9-]/g, '_')}-${Buffer.from(container).toString('hex')}.log`);
      await writeFile(file, `${rfc3339Nano(Date.parse(startedAt) || Date.now())} stdout F ${syntheticLogLine(pod, container)}\n`);
      entry.files.set(container, file);
    }
    return { files: [file], running: !!st?.running, stopped: entry.gone };
  }

  async exec(namespace: string, name: string, container: string, _command: string[], opts: ExecOptions): Promise<ExecSession> {
    return refusedSession(execRefusal(this.mustGet(namespace, name), container, 'exec'), opts);
  }

  async attach(namespace: string, name: string, container: string, opts: ExecOptions): Promise<ExecSession> {
    return refusedSession(execRefusal(this.mustGet(namespace, name), container, 'attach'), opts);
  }

  async checkPortForward(namespace: string, name: string): Promise<void> {
    throw new StreamTargetError(400, portForwardRefusal(this.mustGet(namespace, name)));
  }

  async portForward(namespace: string, name: string): Promise<never> {
    throw new StreamTargetError(400, portForwardRefusal(this.mustGet(namespace, name)));
  }

  /** The pod is gone or its containers stopped: end its follows and remove its log files. */
  forget(uid: string) {
    const entry = this.written.get(uid);
    if (!entry) return;
    this.written.delete(uid);
    entry.end();
    for (const f of entry.files.values()) void rm(f, { force: true }).catch(ifMissing);
  }

  async close() {
    for (const uid of [...this.written.keys()]) this.forget(uid);
    await rm(this.dir, { recursive: true, force: true }).catch(ifMissing);
  }

  private async ensureDir(): Promise<string> {
    this.dirReady ??= mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.dirReady;
    return this.dir;
  }
}
