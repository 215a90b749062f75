// The agent's side of the stream contract: finds a pod's worker and container for the stream
// server (logs, exec, attach, port-forward) and answers with the Kubernetes-style errors kubectl shows.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Duplex } from 'node:stream';
import type { PodManager } from '../pods/manager.js';
import type { PodWorker } from '../pods/worker.js';
import type { Runtime } from '../runtime/types.js';
import { connectHostPort } from '../runtime/process.js';
import { StreamTargetError, type ExecOptions, type ExecSession, type LogFiles, type StreamTarget } from './target.js';

export class PodStreamTarget implements StreamTarget {
  constructor(
    private pods: PodManager,
    private runtime: Runtime,
  ) {}

  private worker(namespace: string, pod: string): PodWorker {
    const w = this.pods.worker(namespace, pod);
    if (!w) throw new StreamTargetError(404, `pod "${pod}" not found on this node`);
    return w;
  }

  private running(namespace: string, pod: string, container: string): string {
    const w = this.worker(namespace, pod);
    const r = w.containerRecord(container);
    if (!r) throw new StreamTargetError(400, `container ${container} is not valid for pod ${pod}`);
    if (r.current?.state !== 'running') {
      const why = r.waiting?.reason ?? (r.current?.state === 'exited' ? 'the container has terminated' : 'ContainerCreating');
      throw new StreamTargetError(400, `container ${container} is not running in pod ${pod}: ${why}`);
    }
    return r.current.id;
  }

  async logs(namespace: string, pod: string, container: string, previous: boolean): Promise<LogFiles> {
    const w = this.worker(namespace, pod);
    const r = w.containerRecord(container);
    if (!r) throw new StreamTargetError(400, `container ${container} is not valid for pod ${pod}`);
    const f = w.logFile(container, previous);
    if (!f) {
      if (previous) throw new StreamTargetError(400, `previous terminated container "${container}" in pod "${pod}" not found`);
      throw new StreamTargetError(400, `container "${container}" in pod "${pod}" is waiting to start: ${r.waiting?.reason ?? 'ContainerCreating'}`);
    }
    const files = [f.path, `${f.path}.1`].filter((p) => existsSync(p));
    return { files: files.length ? files : [f.path], running: f.running, stopped: f.stopped };
  }

  async exec(namespace: string, pod: string, container: string, command: string[], opts: ExecOptions): Promise<ExecSession> {
    const id = this.running(namespace, pod, container);
    return this.runtime.exec(id, command, opts);
  }

  async attach(namespace: string, pod: string, container: string, opts: ExecOptions): Promise<ExecSession> {
    const id = this.running(namespace, pod, container);
    return this.runtime.attach(id, opts);
  }

  /** A connection to 127.0.0.1:port inside the pod's network namespace (reaches loopback-bound servers too). */
  async portForward(namespace: string, pod: string, port: number): Promise<Duplex> {
    const w = this.worker(namespace, pod);
    const netns = w.netnsPath;
    if (!netns && (!this.runtime.capabilities.podNetwork || w.pod.spec.hostNetwork)) return connectHostPort(port); // pods on the host's network
    if (!netns) throw new StreamTargetError(400, `pod ${pod} has no network namespace yet (it is not running)`);
    const child = spawn('nsenter', [`--net=${netns}`, 'busybox', 'nc', '127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdin.on('error', () => undefined); // nc gone: the readable side reports how it ended
    const duplex = new Duplex({
      write(chunk, _enc, cb) {
        if (child.stdin.writable) child.stdin.write(chunk, () => cb());
        else cb();
      },
      final(cb) {
        child.stdin.end();
        cb();
      },
      read() {
        child.stdout.resume();
      },
      destroy(e, cb) {
        child.kill();
        cb(e);
      },
    });
    child.stdout.on('data', (d: Buffer) => {
      if (!duplex.push(d)) child.stdout.pause();
    });
    child.stdout.once('end', () => duplex.push(null));
    child.once('exit', (code) => {
      // nc exits 1 when nothing listens: that is kubectl's "connection refused".
      if (code && code !== 0 && duplex.readableLength === 0) duplex.destroy(new Error(`an error occurred forwarding ${port} -> ${port}: ${err.trim() || 'connection refused'}`));
    });
    return duplex;
  }
}
