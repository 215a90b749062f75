// `gifee user add NAME [--group G]...`: a person's client certificate through the CSR API (signer
// kubernetes.io/kube-apiserver-client, CN=NAME, O=groups), approved by the administrator running the
// command, written with the key into a kubeconfig (0600). The key never leaves this machine. The
// user can do nothing until a role is bound to them (RBAC).

import { writeFile, rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { helpOf, optionsOf, UsageError } from './args.js';
import { adminClient, explainConnectError } from './admin-client.js';
import { CsrRefused, requestCertificate } from './csr-client.js';
import { ADMIN_TARGET_FLAGS, USER_ADD_FLAGS } from './identity-flags.js';
import { buildKubeconfig } from './kubeconfig.js';

export const USER_HELP = `gifee user: people who use the cluster with their own certificate

Usage:
  gifee user add NAME [--group G]... [--kubeconfig-out FILE]

Flags:
${helpOf(USER_ADD_FLAGS)}
${helpOf(ADMIN_TARGET_FLAGS)}`;

/** A CSR name prefix from a user name (DNS subdomain characters only). */
const csrPrefix = (name: string) =>
  `user-${name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 40)}-`.replace(/--$/, '-');

export async function userCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return console.log(USER_HELP);
  if (sub !== 'add') throw new UsageError(`gifee user: unknown subcommand "${sub}"; the subcommand is add`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: optionsOf(USER_ADD_FLAGS, ADMIN_TARGET_FLAGS, { help: { type: 'boolean', short: 'h', help: '' } }), strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`gifee user add: ${(e as Error).message}; see gifee user --help`);
  }
  const v = parsed.values as Record<string, unknown>;
  if (v.help) return console.log(USER_HELP);
  if (parsed.positionals.length !== 1) throw new UsageError('gifee user add: give one user NAME');
  const name = parsed.positionals[0];
  if (!name.trim() || name.length > 256 || [...name].some((ch) => ch.charCodeAt(0) < 0x20)) throw new UsageError('gifee user add: NAME must be 1-256 printable characters');
  if (name.startsWith('system:')) throw new UsageError('gifee user add: names starting with "system:" are reserved for the cluster\'s own components');
  const groups = (v.group as string[] | undefined) ?? [];
  if (groups.includes('system:masters')) throw new UsageError('gifee user add: the system:masters group cannot be given through a certificate request; bind the cluster-admin role instead');
  const seconds = v['expiration-seconds'] !== undefined ? Number(v['expiration-seconds']) : undefined;
  if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 600)) throw new UsageError('gifee user add: --expiration-seconds must be a whole number of at least 600');
  const out = resolve((v['kubeconfig-out'] as string | undefined) ?? `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.kubeconfig`);
  const target = { dataDir: (v['data-dir'] as string | undefined) ?? defaultDataDir, kubeconfig: v.kubeconfig as string | undefined };
  // --server is where the user will reach the cluster; the admin talks to the data dir's / kubeconfig's server.
  const client = await adminClient(target, 'gifee-user');
  try {
    const issued = await requestCertificate(
      client,
      { commonName: name, organizations: groups },
      { generateName: csrPrefix(name), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'client auth'], expirationSeconds: seconds, approve: { reason: 'GifeeUserAdd', message: `approved by gifee user add` }, timeoutMs: 60_000 },
    ).catch((e) => {
      if (e instanceof CsrRefused) throw new UsageError(`gifee user add: ${e.message}`);
      const code = (e as { code?: number }).code;
      if (code === 403) throw new UsageError(`gifee user add: the server refused: ${(e as Error).message}`);
      return explainConnectError(e, client.config.server);
    });
    const server = ((v.server as string | undefined) ?? client.config.server).replace(/\/$/, '');
    const kc = buildKubeconfig({ name: `${name}@gifee`, server, ca: client.config.ca, cert: issued.cert, key: issued.key });
    await writeFile(`${out}.tmp`, stringify(kc), { mode: 0o600 });
    await rename(`${out}.tmp`, out);
    const g = groups.length ? ` (groups ${groups.join(', ')})` : '';
    console.log(`user "${name}"${g} can now sign in with ${out} (certificate request ${issued.csrName})

They can do nothing until you grant them a role, for example:
  kubectl create rolebinding ${name.replace(/[^a-z0-9-]+/gi, '-').toLowerCase()}-edit --clusterrole=edit --user=${name} --namespace=default
  kubectl create clusterrolebinding ${name.replace(/[^a-z0-9-]+/gi, '-').toLowerCase()}-view --clusterrole=view --user=${name}
Then they run: kubectl --kubeconfig ${out} get pods`);
  } finally {
    client.close();
  }
}
