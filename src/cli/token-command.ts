// `gifee token create|list|delete`: bootstrap tokens for joining nodes (Secrets of type
// bootstrap.kubernetes.io/token in kube-system), as `kubeadm token`. create prints the whole join
// token for `gifee agent --token`; list never shows secrets.

import { rfc3339 } from '../util/time.js';
import { parseArgs } from 'node:util';
import { BOOTSTRAP_TOKEN_NAMESPACE, isTokenId, secretNameOf, validExtraGroups } from '../api/bootstrap-token.js';
import { R } from '../client/resources.js';
import { isNotFound } from '../client/rest.js';
import { helpOf, optionsOf, parseDuration, UsageError } from './args.js';
import { adminClient, adminClientConfig, explainConnectError, type AdminTarget } from './admin-client.js';
import { createTokenSecret, listTokens } from './bootstrap-tokens.js';
import { ADMIN_TARGET_FLAGS, TOKEN_CREATE_FLAGS, TOKEN_LIST_FLAGS } from './identity-flags.js';
import { outputFormatOf, renderListing } from './output-format.js';
import { formatJoinToken, newBootstrapToken, parseJoinToken } from './join-token.js';

export const TOKEN_HELP = `gifee token: bootstrap tokens that let nodes join (gifee agent --token T)

Usage:
  gifee token create [--ttl 24h] [--description D]   make a token; prints the join token
  gifee token list [-o json|yaml]                   tokens, their expiry and use (no secrets)
  gifee token delete ID                             delete a token (ID, or the whole token)

A token only lets a node ask for its own certificate; the node then uses that certificate.

Flags of create:
${helpOf(TOKEN_CREATE_FLAGS)}
Flags of list:
${helpOf(TOKEN_LIST_FLAGS)}
Flags of every subcommand:
${helpOf(ADMIN_TARGET_FLAGS)}`;

function targetOf(v: Record<string, unknown>, defaultDataDir: string): AdminTarget {
  return { dataDir: (v['data-dir'] as string | undefined) ?? defaultDataDir, kubeconfig: v.kubeconfig as string | undefined, server: v.server as string | undefined };
}

/** "in 23h59m" / "expired" / "never": the TTL column. */
export function ttlOf(expiration: string | undefined, now = Date.now()): string {
  if (!expiration) return '<forever>';
  const left = Date.parse(expiration) - now;
  if (Number.isNaN(left) || left <= 0) return '<expired>';
  const h = Math.floor(left / 3_600_000);
  const m = Math.floor((left % 3_600_000) / 60_000);
  return h >= 48 ? `${Math.floor(h / 24)}d` : h > 0 ? `${h}h${m}m` : `${Math.max(1, m)}m`;
}

export async function tokenCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return console.log(TOKEN_HELP);
  const options = optionsOf(ADMIN_TARGET_FLAGS, ...(sub === 'create' ? [TOKEN_CREATE_FLAGS] : sub === 'list' ? [TOKEN_LIST_FLAGS] : []), { help: { type: 'boolean', short: 'h', help: '' } });
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`gifee token ${sub}: ${(e as Error).message}; see gifee token --help`);
  }
  const v = parsed.values as Record<string, unknown>;
  if (v.help) return console.log(TOKEN_HELP);
  const target = targetOf(v, defaultDataDir);
  const client = await adminClient(target, 'gifee-token');
  try {
    switch (sub) {
      case 'create': {
        if (parsed.positionals.length) throw new UsageError(`gifee token create: unexpected argument "${parsed.positionals[0]}"`);
        const ttlMs = parseDuration(String(v.ttl ?? '24h'), 'ttl');
        const groups = (v.groups as string[] | undefined) ?? [];
        if (!validExtraGroups(groups)) throw new UsageError('gifee token create: --groups must be groups named system:bootstrappers:... (lowercase letters, digits, ":" and "-")');
        const t = newBootstrapToken();
        const expiration = ttlMs > 0 ? rfc3339(Date.now() + ttlMs) : undefined;
        await createTokenSecret(client, { id: t.id, secret: t.secret, expiration, description: v.description as string | undefined, extraGroups: groups }).catch((e) => explainConnectError(e, client.config.server));
        const ca = (await adminClientConfig(target, 'gifee-token')).ca;
        console.log(formatJoinToken(ca, t.token));
        return;
      }
      case 'list': {
        const format = outputFormatOf(v.output, 'gifee token list');
        const rows = await listTokens(client).catch((e) => explainConnectError(e, client.config.server));
        if (rows.length === 0 && format === 'table') return console.log('No bootstrap tokens.');
        const header = ['ID', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'];
        process.stdout.write(renderListing(format, 'BootstrapTokenList', rows, header, (r) => [[r.id, ttlOf(r.expiration), r.expiration ?? '<never>', r.usages.join(',') || '<none>', r.description ?? '', r.extraGroups.join(',') || 'system:bootstrappers']]));
        return;
      }
      case 'delete': {
        if (parsed.positionals.length !== 1) throw new UsageError('gifee token delete: give one token ID (see gifee token list)');
        const arg = parsed.positionals[0];
        const id = isTokenId(arg) ? arg : parseJoinToken(arg).id;
        try {
          await client.delete(R.secrets, BOOTSTRAP_TOKEN_NAMESPACE, secretNameOf(id));
        } catch (e) {
          if (isNotFound(e)) throw new UsageError(`gifee token delete: no bootstrap token with ID ${id}`);
          explainConnectError(e, client.config.server);
        }
        console.log(`bootstrap token "${id}" deleted`);
        return;
      }
      default:
        throw new UsageError(`gifee token: unknown subcommand "${sub}"; subcommands are create, list, delete`);
    }
  } finally {
    client.close();
  }
}
