// `gifee kubectl [--data-dir DIR] ARGS...`: the kubectl on the PATH, run against this machine's cluster with its
// admin kubeconfig (as `k3s kubectl`). The kubeconfig goes to a private temporary file that is
// removed when kubectl exits; stdio is kubectl's own, and so is the exit code.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './args.js';
import { adminKubeconfigYaml } from './admin-kubeconfig.js';
import { which } from '../util/which.js';

export async function kubectlPassthrough(args: string[], dataDir: string): Promise<number> {
  const kubectl = await which('kubectl');
  if (!kubectl) throw new UsageError('gifee kubectl: no kubectl on the PATH; install kubectl (https://kubernetes.io/docs/tasks/tools/) or use `gifee kubeconfig > FILE` with your own client');
  // `gifee kubectl --data-dir DIR ...` names another cluster's data dir (kubectl has no such flag).
  if (args[0] === '--data-dir') {
    if (!args[1]) throw new UsageError('gifee kubectl: --data-dir needs a directory');
    dataDir = args[1];
    args = args.slice(2);
  }
  const yaml = await adminKubeconfigYaml(dataDir);
  const dir = await mkdtemp(join(tmpdir(), 'gifee-kubectl-'));
  try {
    const file = join(dir, 'kubeconfig');
    await writeFile(file, yaml, { mode: 0o600 });
    return await new Promise<number>((resolve, reject) => {
      const p = spawn(kubectl, args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: file } });
      p.on('error', reject);
      p.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
