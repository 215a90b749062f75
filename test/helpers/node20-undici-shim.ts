// @kubernetes/client-node 2.x uses undici 8, which wants Node >= 22.19: at load it binds
// zlib.createZstdDecompress and worker_threads.markAsUncloneable, and each fetch calls
// Promise.withResolvers, all absent from Node 20. Import this
// module before the client: it stands in for all three (zstd answers are never asked for here; marking
// an object uncloneable is only a guard). Nothing else in the tests depends on it.
import zlib from 'node:zlib';
import workerThreads from 'node:worker_threads';

const z = zlib as unknown as Record<string, unknown>;
if (typeof z.createZstdDecompress !== 'function') {
  z.createZstdDecompress = () => {
    throw new Error('zstd decompression needs Node >= 22.15');
  };
}
const w = workerThreads as unknown as Record<string, unknown>;
if (typeof w.markAsUncloneable !== 'function') w.markAsUncloneable = () => {};

// Promise.withResolvers (Node 22), which undici's fetch calls per request.
const P = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
