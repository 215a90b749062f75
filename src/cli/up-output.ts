// What `gifee up` prints on stdout once its cluster serves: what started, where things are, and the
// commands to run next. Logs go to stderr; this block is the part a person reads, so it is plain
// text, the same on a terminal and in a pipe (bold only on a terminal, never with NO_COLOR).

import { join } from 'node:path';

export interface ReadyInfo {
  url: string;
  dataDir: string;
  kubeconfig: string;
  /** What started, in order ("store", "API server", ...). */
  started: string[];
  store: 'sqlite' | 'etcd';
  nodeName?: string;
  runtime?: string;
  startupMs: number;
}

const bold = (s: string, on: boolean) => (on ? `\x1b[1m${s}\x1b[0m` : s);

export function upReadyMessage(r: ReadyInfo, colour = false): string {
  const parts = r.started.map((p) => (p === 'store' ? `store (${r.store})` : p === 'node agent' && r.nodeName ? `node agent (node ${r.nodeName}${r.runtime ? `, ${r.runtime}` : ''})` : p));
  return `
${bold(`gifee is up at ${r.url}`, colour)} (ready in ${(r.startupMs / 1000).toFixed(1)}s)
  started:    ${parts.join(', ')}
  data:       ${r.dataDir}
  kubeconfig: ${r.kubeconfig} (context "gifee", now current)
  join token: ${join(r.dataDir, 'node-token')} (gifee agent --server URL --token-file FILE on a worker)

Next steps:
  kubectl get nodes
  bash scripts/build-test-images.sh /tmp/gifee-images   (test images, built without internet)
  gifee images import --data-dir ${r.dataDir} /tmp/gifee-images/web-1.oci.tar
  kubectl create deployment web --image=gifee.local/web:1
  kubectl get pods -o wide

Press Ctrl-C to stop (containers keep running and are re-adopted at the next start).
To run gifee as a service instead: gifee service install. To remove everything it set up: gifee reset.
`;
}
