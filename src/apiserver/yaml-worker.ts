// The YAML worker thread: decodes large YAML bodies off the event loop (the yaml library took 0.75 s
// for a 470 KB pod manifest on the shared 2-core machine: a 1.5 MiB one would hold every request for seconds).

import { parentPort } from 'node:worker_threads';
import { ApiError } from '../api/errors.js';
import { decodeYaml } from './yaml-decode.js';

parentPort?.on('message', ({ id, text }: { id: number; text: string }) => {
  try {
    parentPort!.postMessage({ id, result: decodeYaml(text) });
  } catch (e) {
    const err = e instanceof ApiError ? { code: e.code, reason: e.reason, message: e.message } : { code: 400, reason: 'BadRequest', message: `the request body is not valid YAML: ${(e as Error).message}` };
    parentPort!.postMessage({ id, error: err });
  }
});
