// Where an agent started with --kubelet-dir put its CSI paths, written into its data dir so that
// `gifee reset` (and the e2e clusters' teardown) can unmount what lives there — the pods' CSI
// volume targets, staging mounts, and the agent's own shared bind mount of the directory — without
// being told the flag again. Without --kubelet-dir the CSI paths are under the data dir and reset
// finds them anyway; the record is then removed.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { ifMissing } from '../../util/best-effort.js';

export interface KubeletDirRecord {
  path: string;
  /** The agent bind-mounted the directory onto itself to make it shared (reset undoes that too; a mount the admin made stays). */
  boundByAgent: boolean;
}

const recordFile = (dataDir: string) => join(dataDir, 'agent', 'kubelet-dir.json');

export async function writeKubeletDirRecord(dataDir: string, record: KubeletDirRecord | undefined): Promise<void> {
  if (!record) return rm(recordFile(dataDir), { force: true });
  await mkdir(join(dataDir, 'agent'), { recursive: true });
  await writeFile(recordFile(dataDir), `${JSON.stringify(record)}\n`);
}

/** The record, or undefined when there is none or it is not one (a hand-edited file is not trusted with unmounts: only an absolute, normalized path other than /). */
export async function readKubeletDirRecord(dataDir: string): Promise<KubeletDirRecord | undefined> {
  const text = await readFile(recordFile(dataDir), 'utf8').catch(ifMissing);
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<KubeletDirRecord>;
    if (typeof r.path !== 'string' || !isAbsolute(r.path) || normalize(r.path) !== r.path || r.path === '/' || r.path.endsWith('/')) return undefined;
    return { path: r.path, boundByAgent: r.boundByAgent === true };
  } catch {
    return undefined;
  }
}
