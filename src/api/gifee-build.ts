// What an upgrade's target "gifee build" is (docs/upgrades.md): a directory holding a gifee
// install — its package.json (name "gifee", a MAJOR.MINOR.PATCH version), bin/gifee.js and the
// compiled dist/src/cli/main.js beside it, as this checkout is after `npm run build`. Checked by
// `gifee upgrade plan` on the machine it runs on and again by each agent before switching to it:
// the path is absolute and already normal (no "..", no "."), package.json is read bounded.

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { parseGifeeVersion } from './version-skew.js';

export interface GifeeBuild {
  path: string;
  version: string;
}

const MAX_PATH = 1024;
const MAX_PACKAGE_JSON = 64 * 1024;

/** Why `path` cannot name a build (syntax only: no file is read), or undefined. */
export function buildPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'a build path is required';
  if (path.length > MAX_PATH) return `a build path is at most ${MAX_PATH} characters`;
  if (!isAbsolute(path)) return `build path "${path}" must be absolute`;
  if (/[\0\n\r]/.test(path)) return 'a build path may not hold control characters';
  if (path.split('/').some((seg) => seg === '..' || seg === '.')) return `build path "${path}" may not hold "." or ".." segments`;
  if (normalize(path).replace(/\/$/, '') !== path.replace(/\/$/, '')) return `build path "${path}" is not normal (doubled slashes)`;
  return undefined;
}

/** The build at `path` with its version; throws an Error saying what is missing when it is not one. */
export function readGifeeBuild(path: string): GifeeBuild {
  const bad = buildPathProblem(path);
  if (bad) throw new Error(bad);
  const dir = path.length > 1 ? path.replace(/\/$/, '') : path;
  const isDir = statSync(dir, { throwIfNoEntry: false })?.isDirectory();
  if (!isDir) throw new Error(`${dir} is not a directory holding a gifee build`);
  const pkgPath = join(dir, 'package.json');
  const st = statSync(pkgPath, { throwIfNoEntry: false });
  if (!st?.isFile()) throw new Error(`${dir} is not a gifee build: it has no package.json`);
  if (st.size > MAX_PACKAGE_JSON) throw new Error(`${pkgPath} is larger than ${MAX_PACKAGE_JSON} bytes: not a gifee build`);
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  } catch {
    throw new Error(`${pkgPath} is not JSON: not a gifee build`);
  }
  const { name, version } = (typeof pkg === 'object' && pkg !== null ? pkg : {}) as { name?: unknown; version?: unknown };
  if (name !== 'gifee') throw new Error(`${pkgPath} names package ${JSON.stringify(name)}, not gifee`);
  if (!parseGifeeVersion(version)) throw new Error(`${pkgPath} has no MAJOR.MINOR.PATCH version`);
  for (const f of ['bin/gifee.js', 'dist/src/cli/main.js']) {
    if (!statSync(join(dir, f), { throwIfNoEntry: false })?.isFile()) throw new Error(`${dir} is not a built gifee: ${f} is missing (run npm run build there)`);
  }
  return { path: dir, version: version as string };
}
