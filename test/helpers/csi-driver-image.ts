// The image of a third-party CSI driver for tests that run one AS A POD, built locally (no registry,
// no internet): busybox (sh, mount, umount), this machine's node binary with the shared libraries
// it links, and a small app — the compiled hostpath driver (csi-hostpath-driver.ts), the
// registrar (csi-node-registrar.ts, node-driver-registrar's job), gifee's CSI transport (dist/src/csi),
// the .proto files and the npm packages @grpc/grpc-js needs. One image, two commands, as a DaemonSet
// runs a driver container and a registrar container. Cached in the test image dir by the digest of
// its inputs, so only the first test run on a machine pays for packing node (~100 MB).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readdir, readFile, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './cluster.js';
import { testImagesDir, writeOciLayout } from './images.js';

const run = promisify(execFile);

export const CSI_DRIVER_IMAGE = 'gifee.local/csi-hostpath:1';
/** Where the app lives in the image: `node /app/dist/test/helpers/csi-hostpath-driver.js ...`. */
export const DRIVER_SCRIPT = '/app/dist/test/helpers/csi-hostpath-driver.js';
export const REGISTRAR_SCRIPT = '/app/dist/test/helpers/csi-node-registrar.js';

const BUSYBOX_APPLETS = ['sh', 'mount', 'umount', 'mkdir', 'rm', 'ls', 'cat', 'sleep', 'echo', 'mountpoint'];
const NPM_ROOTS = ['@grpc/grpc-js', '@grpc/proto-loader'];

/** The shared libraries `ldd` names for a binary (including the dynamic loader), as absolute paths. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  return stdout
    .split('\n')
    .map((l) => l.match(/=>\s*(\/\S+)/)?.[1] ?? l.trim().match(/^(\/\S+)/)?.[1])
    .filter((p): p is string => !!p);
}

/** The npm packages (top-level node_modules names) the roots need, dependencies followed. */
async function packageClosure(nodeModules: string, roots: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    const dir = join(nodeModules, name);
    if (!existsSync(join(dir, 'package.json'))) throw new Error(`csi-driver-image: npm package ${name} is not installed in ${nodeModules}`);
    seen.add(name);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    // A dependency nested in the package's own node_modules travels with the package directory.
    for (const dep of Object.keys(pkg.dependencies ?? {})) if (!existsSync(join(dir, 'node_modules', dep))) queue.push(dep);
  }
  return [...seen].sort();
}

async function copyInto(root: string, hostPath: string, imagePath = hostPath) {
  await mkdir(dirname(join(root, imagePath)), { recursive: true });
  await copyFile(hostPath, join(root, imagePath));
  await chmod(join(root, imagePath), (await stat(hostPath)).mode & 0o7777);
}

/** The compiled modules `entries` import, themselves included, following relative specifiers (static
 *  and literal dynamic imports): what the image must hold for them to start. */
async function importClosure(entries: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = await readFile(file, 'utf8');
    for (const m of src.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) await visit(join(dirname(file), m[1]));
  };
  for (const e of entries) await visit(e);
  return [...seen];
}

/** The image's files, in inputs order; returns the key over their contents (what the cache is named by). */
async function inputs(): Promise<{ node: string; libs: string[]; appFiles: [string, string][]; packages: string[]; nodeModules: string; key: string }> {
  const node = await realpath(process.execPath);
  const libs = await sharedLibraries(node);
  const dist = join(repoRoot, 'dist');
  const csiJs = (await readdir(join(dist, 'src', 'csi'))).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js'));
  const protos = (await readdir(join(repoRoot, 'src', 'csi', 'proto'))).filter((f) => f.endsWith('.proto'));
  // The CSI transport, and every module the two commands import (the transport logs through
  // src/util: an image without those files crashed at start with ERR_MODULE_NOT_FOUND).
  const scripts = [join(dist, 'test', 'helpers', 'csi-hostpath-driver.js'), join(dist, 'test', 'helpers', 'csi-node-registrar.js')];
  const modules = new Set([...csiJs.map((f) => join(dist, 'src', 'csi', f)), ...(await importClosure(scripts))]);
  const appFiles: [string, string][] = [...modules].sort().map((f): [string, string] => [f, `/app/dist/${relative(dist, f)}`]);
  appFiles.push(...protos.map((f): [string, string] => [join(repoRoot, 'src', 'csi', 'proto', f), `/app/src/csi/proto/${f}`]));
  const nodeModules = await realpath(join(repoRoot, 'node_modules'));
  const packages = await packageClosure(nodeModules, NPM_ROOTS);
  const h = createHash('sha256');
  for (const f of [node, ...libs]) {
    const s = await stat(f);
    h.update(`${f}\0${s.size}\0${s.mtimeMs}\0`);
  }
  for (const [f, to] of appFiles) h.update(`${to}\0`).update(await readFile(f));
  for (const p of packages) h.update(`${p}@${JSON.parse(await readFile(join(nodeModules, p, 'package.json'), 'utf8')).version}\0`);
  return { node, libs, appFiles, packages, nodeModules, key: h.digest('hex').slice(0, 16) };
}

/** Builds (or finds cached) the driver image as an OCI layout directory; import it with the image store's importFile. */
export async function csiDriverImage(): Promise<string> {
  const i = await inputs();
  const out = join(testImagesDir, `csi-hostpath-${i.key}`);
  if (existsSync(join(out, 'index.json'))) return out;
  const work = `${out}.tmp-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  const root = join(work, 'rootfs');
  try {
    for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'usr/local/bin']) await mkdir(join(root, d), { recursive: true });
    await chmod(join(root, 'tmp'), 0o1777);
    await copyInto(root, '/bin/busybox');
    for (const a of BUSYBOX_APPLETS) await symlink('busybox', join(root, 'bin', a));
    await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    await writeFile(join(root, 'etc', 'group'), 'root:x:0:\n');
    await copyInto(root, i.node, '/usr/local/bin/node');
    for (const lib of i.libs) await copyInto(root, lib);
    for (const [from, to] of i.appFiles) await copyInto(root, from, to);
    await writeFile(join(root, 'app', 'package.json'), '{"type":"module"}\n');
    for (const p of i.packages) await cp(join(i.nodeModules, p), join(root, 'app', 'node_modules', p), { recursive: true, dereference: true });
    await writeOciLayout(join(work, 'layout'), CSI_DRIVER_IMAGE, [root], { Env: ['PATH=/usr/local/bin:/bin'], Cmd: ['node', DRIVER_SCRIPT] });
    await rename(join(work, 'layout'), out).catch(async (e: NodeJS.ErrnoException) => {
      // Another test file built the same image meanwhile: theirs is as good.
      if (!existsSync(join(out, 'index.json'))) throw e;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  // Images of older inputs are of no more use (40 MB each).
  for (const d of await readdir(testImagesDir)) {
    if (/^csi-hostpath-[0-9a-f]{16}$/.test(d) && join(testImagesDir, d) !== out) await rm(join(testImagesDir, d), { recursive: true, force: true });
  }
  return out;
}
