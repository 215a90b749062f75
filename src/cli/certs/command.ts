// `gifee certs check [--data-dir DIR] [-o table|json|yaml]`: every certificate of a data dir's PKI
// with its expiry, as `kubeadm certs check-expiration` and `k3s certificate check`. Exit code 1 when
// one has expired or cannot be read, so a cron job or a monitoring check can act on it.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../args.js';
import { outputFormatOf, renderListing } from '../output-format.js';
import { type CertExpiry, certExpiry, RENEW_BEFORE_DAYS } from './expiry.js';

/** A PKI holds a few dozen files; anything past these is not ours to parse. */
const MAX_FILES = 500;
const MAX_CERT_BYTES = 64 * 1024;

export const CERTS_HELP = `gifee certs check [--data-dir DIR] [-o table|json|yaml]
    Every certificate under DATA/pki with its subject, expiry and days left. A running server renews
    its leaf certificates at 80% of their lifetime (--leaf-cert-validity, default a year), and one
    that starts reissues those with less than ${RENEW_BEFORE_DAYS} days left; the CAs last ten years and are
    never reissued. Exit code 1 when a certificate has expired or cannot be read.`;

export async function certsCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === 'help' || sub === '--help' || sub === '-h') return console.log(CERTS_HELP);
  if (sub !== 'check') throw new UsageError(`gifee certs: unknown subcommand "${sub}"; the subcommand is check (gifee certs --help)`);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options: { 'data-dir': { type: 'string' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(`gifee certs check: ${(e as Error).message}; see gifee certs --help`);
  }
  if (values.help) return console.log(CERTS_HELP);
  const format = outputFormatOf(values.output, 'gifee certs check');
  const dir = join(resolve((values['data-dir'] as string | undefined) ?? defaultDataDir), 'pki');
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new UsageError(`no PKI in ${dir}: pass the server's --data-dir (gifee up's is the default)`);
    throw new UsageError(`cannot read ${dir}: ${e.message}`);
  });
  const files = names.filter((n) => n.endsWith('.crt')).sort();
  if (files.length > MAX_FILES) throw new UsageError(`${dir} holds ${files.length} certificates, more than the ${MAX_FILES} a gifee PKI has: is --data-dir right?`);
  const rows: CertExpiry[] = [];
  for (const name of files) {
    const path = join(dir, name);
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size > MAX_CERT_BYTES) {
      rows.push({ file: name, status: 'unreadable', error: `${size} bytes, larger than a certificate`, action: 'not a certificate gifee wrote: remove it' });
      continue;
    }
    const pem = await readFile(path, 'utf8').catch((e: Error) => `unreadable: ${e.message}`);
    rows.push(certExpiry(name, pem));
  }
  const header = ['CERTIFICATE', 'SUBJECT', 'EXPIRES', 'RESIDUAL', 'CA', 'STATUS'];
  process.stdout.write(renderListing(format, 'CertificateExpiryList', rows, header, (r) => [[r.file.replace(/\.crt$/, ''), r.subject ?? '-', r.notAfter?.slice(0, 10) ?? '-', r.residualDays === undefined ? '-' : `${r.residualDays}d`, r.ca ? 'yes' : 'no', r.status]]));
  if (format === 'table') for (const r of rows.filter((r) => r.action)) console.error(`${r.file}: ${r.status}${r.error ? ` (${r.error})` : ''}: ${r.action}`);
  if (rows.some((r) => r.status === 'expired' || r.status === 'unreadable')) process.exitCode = 1;
}
