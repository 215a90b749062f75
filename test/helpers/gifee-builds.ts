// Copies of this checkout's build at another version, as upgrade targets (docs/upgrades.md): the
// upgrade e2e and the node-upgrade benchmark switch real agents onto them.

import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './cluster.js';

/**
 * A gifee build at dir declaring `version`: dist copied (so its version.js reads the copy's
 * package.json), node_modules linked. failing: its bin/gifee.js exits at once (a build that cannot start).
 */
export async function copyGifeeBuild(dir: string, version: string, opts: { failing?: boolean } = {}): Promise<string> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2));
  await cp(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  // Data files the compiled code reads from the checkout's src/ (the CSI protocol).
  await cp(join(repoRoot, 'src', 'csi', 'proto'), join(dir, 'src', 'csi', 'proto'), { recursive: true });
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  if (opts.failing) await writeFile(join(dir, 'bin', 'gifee.js'), "#!/usr/bin/env node\nconsole.error('this build cannot start');\nprocess.exit(3);\n");
  else await cp(join(repoRoot, 'bin', 'gifee.js'), join(dir, 'bin', 'gifee.js'));
  return dir;
}
