// Turns a container's stdout/stderr byte streams into a log file in the CRI format that kubelets
// write and `kubectl logs` reads: "<RFC3339Nano> <stream> <F|P> <text>\n" per line (P marks a
// partial line split because it was too long). Rotates the file at a size limit, keeping one
// older file, so a chatty container cannot fill the disk.

import { createWriteStream, renameSync, statSync, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

const MAX_LINE = 16 * 1024;

/** Nanosecond-precision RFC 3339 timestamp, as CRI logs carry. */
export function rfc3339Nano(ms: number = Date.now(), ns: bigint = process.hrtime.bigint()): string {
  const iso = new Date(ms).toISOString(); // 2026-11-25T06:00:00.123Z
  const sub = String(ns % 1_000_000n).padStart(6, '0');
  return `${iso.slice(0, 23)}${sub}Z`;
}

export class CriLogWriter {
  private out: WriteStream;
  private size = 0;
  private open = 0;
  private closed?: Promise<void>;
  private closeResolve?: () => void;

  /** onData: raw output as it arrives, for attached clients. */
  constructor(
    readonly path: string,
    private maxBytes = 10 * 1024 * 1024,
    private onData?: (stream: 'stdout' | 'stderr', data: Buffer) => void,
  ) {
    try {
      this.size = statSync(path).size;
    } catch {
      this.size = 0;
    }
    this.out = createWriteStream(path, { flags: 'a' });
  }

  /** Pump one stream into the file until it ends. */
  pump(stream: Readable, name: 'stdout' | 'stderr') {
    this.open++;
    let pending = '';
    const decoder = new StringDecoder('utf8');
    stream.on('data', (raw: Buffer) => {
      this.onData?.(name, raw);
      pending += decoder.write(raw);
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        this.line(name, pending.slice(0, i), 'F');
        pending = pending.slice(i + 1);
      }
      while (pending.length > MAX_LINE) {
        this.line(name, pending.slice(0, MAX_LINE), 'P');
        pending = pending.slice(MAX_LINE);
      }
    });
    let ended = false;
    // 'end' (EOF) or 'close' (error, destroy): whichever comes first finishes this stream, once.
    const end = () => {
      if (ended) return;
      ended = true;
      if (pending) this.line(name, pending, 'F');
      pending = '';
      if (--this.open === 0) this.closeResolve?.();
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', () => stream.destroy());
  }

  /** Resolves once every pumped stream has ended and the file is flushed. */
  drained(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      const finish = () => this.out.end(resolve);
      if (this.open === 0) finish();
      else this.closeResolve = finish;
    });
    return this.closed;
  }

  private line(stream: string, text: string, tag: 'F' | 'P') {
    const l = `${rfc3339Nano()} ${stream} ${tag} ${text}\n`;
    this.out.write(l);
    this.size += Buffer.byteLength(l);
    if (this.size > this.maxBytes) this.rotate();
  }

  private rotate() {
    this.out.end();
    try {
      renameSync(this.path, `${this.path}.1`);
    } catch {
      /* already gone */
    }
    this.out = createWriteStream(this.path, { flags: 'a' });
    this.size = 0;
  }
}
