// Large YAML bodies are decoded in one worker thread, so parsing them does not hold the event loop;
// small ones (most) are decoded in place, where a round trip to the worker would cost more. If the
// worker cannot start or dies, bodies are decoded in place as before: slower for others, still correct.

import { Worker } from 'node:worker_threads';
import { ApiError, type StatusReason } from '../api/errors.js';
import { decodeYaml } from './yaml-decode.js';

/** Below this size the yaml library stays within the event-loop budget (it measured about 1.6 ms per KiB on a busy 2-core machine). */
export const OFFLOAD_YAML_BYTES = 16 * 1024;

type Decoded = { value: unknown; duplicates: string[] };
interface Pending {
  text: string;
  resolve: (d: Decoded) => void;
  reject: (e: unknown) => void;
}

let worker: Worker | undefined;
let broken = false;
let nextId = 0;
const pending = new Map<number, Pending>();

function decodeHere(p: Pending) {
  try {
    p.resolve(decodeYaml(p.text));
  } catch (e) {
    p.reject(e);
  }
}

function fail() {
  broken = true;
  worker = undefined;
  const left = [...pending.values()];
  pending.clear();
  for (const p of left) decodeHere(p);
}

function start(): Worker | undefined {
  if (worker || broken) return worker;
  try {
    const w = new Worker(new URL('./yaml-worker.js', import.meta.url));
    w.on('message', (m: { id: number; result?: Decoded; error?: { code: number; reason: StatusReason; message: string } }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (pending.size === 0) w.unref();
      if (m.error) p.reject(new ApiError(m.error.code, m.error.reason, m.error.message));
      else p.resolve(m.result!);
    });
    w.on('error', fail);
    w.on('exit', fail);
    w.unref(); // after the listeners (which ref it): an idle worker never keeps the process alive
    worker = w;
  } catch {
    broken = true; // e.g. running from TypeScript sources, where there is no compiled worker file
  }
  return worker;
}

/** Decode a YAML body; large ones in the worker. Errors are the ApiErrors decodeYaml throws. */
export function decodeYamlAsync(text: string): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const p: Pending = { text, resolve, reject };
    const w = text.length >= OFFLOAD_YAML_BYTES ? start() : undefined;
    if (!w) return decodeHere(p);
    const id = nextId++;
    if (pending.size === 0) w.ref(); // a decode in flight keeps the process alive until it answers
    pending.set(id, p);
    w.postMessage({ id, text });
  });
}
