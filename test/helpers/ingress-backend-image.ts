// The image of the ingress tests' backend app (ingress-backend.ts), built locally (no registry): this
// machine's node binary with the shared libraries it links, and the compiled app. Cached in the test
// image dir by the digest of its inputs; older builds are removed.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './cluster.js';
import { testImagesDir, writeOciLayout } from './images.js';

const run = promisify(execFile);

export const INGRESS_BACKEND_IMAGE = 'gifee.local/ingress-backend:1';
const APP = '/app/ingress-backend.js';

async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  return stdout
    .split('\n')
    .map((l) => l.match(/=>\s*(\/\S+)/)?.[1] ?? l.trim().match(/^(\/\S+)/)?.[1])
    .filter((p): p is string => !!p);
}

async function copyInto(root: string, hostPath: string, imagePath = hostPath) {
  await mkdir(dirname(join(root, imagePath)), { recursive: true });
  await copyFile(hostPath, join(root, imagePath));
  await chmod(join(root, imagePath), (await stat(hostPath)).mode & 0o7777);
}

/** Builds (or finds cached) the image as an OCI layout directory; import it with the image store's importFile. */
export async function ingressBackendImage(): Promise<string> {
  const node = await realpath(process.execPath);
  const libs = await sharedLibraries(node);
  const app = join(repoRoot, 'dist', 'test', 'helpers', 'ingress-backend.js');
  const h = createHash('sha256');
  for (const f of [node, ...libs]) {
    const s = await stat(f);
    h.update(`${f}\0${s.size}\0${s.mtimeMs}\0`);
  }
  h.update(await readFile(app));
  const key = h.digest('hex').slice(0, 16);
  const out = join(testImagesDir, `ingress-backend-${key}`);
  if (existsSync(join(out, 'index.json'))) return out;
  await mkdir(testImagesDir, { recursive: true });
  const work = `${out}.tmp-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  const root = join(work, 'rootfs');
  try {
    for (const d of ['etc', 'tmp', 'proc', 'sys', 'dev', 'usr/local/bin', 'app']) await mkdir(join(root, d), { recursive: true });
    await chmod(join(root, 'tmp'), 0o1777);
    await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    await writeFile(join(root, 'etc', 'group'), 'root:x:0:\n');
    await copyInto(root, node, '/usr/local/bin/node');
    for (const lib of libs) await copyInto(root, lib);
    await copyInto(root, app, APP);
    await writeFile(join(root, 'app', 'package.json'), '{"type":"module"}\n');
    await writeOciLayout(join(work, 'layout'), INGRESS_BACKEND_IMAGE, [root], { Env: ['PATH=/usr/local/bin'], Cmd: ['node', APP] });
    await rename(join(work, 'layout'), out).catch(async (e: NodeJS.ErrnoException) => {
      if (!existsSync(join(out, 'index.json'))) throw e; // another test file built it meanwhile
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  for (const d of await readdir(testImagesDir)) {
    if (/^ingress-backend-[0-9a-f]{16}$/.test(d) && join(testImagesDir, d) !== out) await rm(join(testImagesDir, d), { recursive: true, force: true });
  }
  return out;
}
