// Test images: built once per machine by scripts/build-test-images.sh into a shared cache dir (the
// script is idempotent and its outputs appear by rename, and a lock keeps concurrent test files
// from building at the same time); plus writeOciLayout() for tests that need an image of their own.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

const repoRoot = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
})();

export const testImagesDir = join(tmpdir(), 'gifee-test-images');

export interface TestImages {
  /** gifee.local/busybox:1 (OCI layout tar). */
  busybox: string;
  /** gifee.local/web:1: `httpd -f -p 8080 -h /www`, index.html "hello from gifee web". */
  web1: string;
  /** gifee.local/web:2: the same server, index.html "hello from gifee web v2". */
  web2: string;
  /** gifee.local/busybox:1 as a docker-archive. */
  busyboxDocker: string;
  /** gifee.local/kubectl:1 (busybox + the host's static kubectl), when the host has one. */
  kubectl?: string;
}

async function withDirLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 60_000) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

export async function testImages(): Promise<TestImages> {
  await mkdir(testImagesDir, { recursive: true });
  await withDirLock(join(testImagesDir, '.lock'), () => run('bash', [join(repoRoot, 'scripts', 'build-test-images.sh'), testImagesDir]));
  return {
    busybox: join(testImagesDir, 'busybox-1.oci.tar'),
    web1: join(testImagesDir, 'web-1.oci.tar'),
    web2: join(testImagesDir, 'web-2.oci.tar'),
    busyboxDocker: join(testImagesDir, 'busybox-1.docker.tar'),
    ...(existsSync(join(testImagesDir, 'kubectl-1.oci.tar')) ? { kubectl: join(testImagesDir, 'kubectl-1.oci.tar') } : {}),
  };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Write an OCI image layout directory at dir naming ref, one gzip layer per root directory in
 * layerRoots (lowest first; a file ".wh.NAME" in an upper root deletes NAME). Returns dir.
 */
export async function writeOciLayout(dir: string, ref: string, layerRoots: string[], config: { Cmd?: string[]; Env?: string[] } = {}): Promise<string> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = async (b: Buffer) => {
    const h = sha(b);
    await writeFile(join(dir, 'blobs', 'sha256', h), b);
    return { digest: `sha256:${h}`, size: b.length };
  };
  const layers = [];
  const diffIDs = [];
  for (const root of layerRoots) {
    const { stdout } = await run('tar', ['--sort=name', '--numeric-owner', '-C', root, '-cf', '-', '.'], { encoding: 'buffer', maxBuffer: 1 << 30 });
    diffIDs.push(`sha256:${sha(stdout)}`);
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...(await put(gzipSync(stdout))) });
  }
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
  const cfg = await put(Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config, rootfs: { type: 'layers', diff_ids: diffIDs } })));
  const manifest = await put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
        layers,
      }),
    ),
  );
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': ref } }],
    }),
  );
  return dir;
}

export interface TestRegistry {
  /** host:port, e.g. "127.0.0.1:41234". */
  host: string;
  /** Copy an image (skopeo source such as "oci-archive:/x.tar" or "oci:/dir") to host/repoTag. */
  push(source: string, repoTag: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start Debian's docker-registry (distribution v2) on a free loopback port with its storage in a
 * temporary directory. With htpasswd (a bcrypt line "user:$2y$..."), it asks for basic auth and
 * push uses the given credentials.
 */
export async function startTestRegistry(opts: { htpasswd?: string; credentials?: { username: string; password: string } } = {}): Promise<TestRegistry> {
  const { spawn } = await import('node:child_process');
  const { freePort } = await import('./cluster.js');
  const { mkdtemp } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'gifee-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (opts.htpasswd) {
    await writeFile(join(dir, 'htpasswd'), opts.htpasswd + '\n');
    auth = `auth:\n  htpasswd:\n    realm: gifee-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  await writeFile(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n  secret: gifee-test-secret\n${auth}`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry exited: ${stderr}`);
    }
    const ok = await fetch(`http://${host}/v2/`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${host} within 10s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    async push(source, repoTag) {
      const args = ['--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false'];
      if (opts.credentials) args.push('--dest-creds', `${opts.credentials.username}:${opts.credentials.password}`);
      await run('skopeo', [...args, source, `docker://${host}/${repoTag}`], { env: { ...process.env, TMPDIR: dir } });
    },
    stop,
  };
}

/**
 * Turn the single-image layout written by writeOciLayout into a multi-platform one: an image index
 * holding the original manifest (this machine's platform) and one manifest per extra architecture
 * (same layers, config saying that architecture). Returns the index digest.
 */
export async function makeMultiPlatform(dir: string, extraArchitectures: string[]): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const blob = (d: string) => join(dir, 'blobs', 'sha256', d.slice(7));
  const put = async (b: Buffer) => {
    const h = sha(b);
    await writeFile(join(dir, 'blobs', 'sha256', h), b);
    return { digest: `sha256:${h}`, size: b.length };
  };
  const top = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  const desc = top.manifests[0];
  const manifest = JSON.parse(await readFile(blob(desc.digest), 'utf8'));
  const config = JSON.parse(await readFile(blob(manifest.config.digest), 'utf8'));
  const entries = [{ mediaType: desc.mediaType, digest: desc.digest, size: desc.size, platform: { os: 'linux', architecture: config.architecture } }];
  for (const a of extraArchitectures) {
    const cfg = await put(Buffer.from(JSON.stringify({ ...config, architecture: a })));
    const m = await put(Buffer.from(JSON.stringify({ ...manifest, config: { ...manifest.config, ...cfg } })));
    entries.push({ mediaType: desc.mediaType, ...m, platform: { os: 'linux', architecture: a } });
  }
  const index = await put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries })));
  top.manifests = [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, annotations: desc.annotations }];
  await writeFile(join(dir, 'index.json'), JSON.stringify(top));
  return index.digest;
}

/** Imports image files into the image store of a node's data dir (before or while its agent runs). */
export async function importImages(dataDir: string, files: string[]): Promise<void> {
  const { createImageStore } = await import('../../src/agent/images/store.js');
  const store = createImageStore({ dataDir });
  for (const f of files) await store.importFile(f);
}
