// `gifee certs check [--data-dir DIR] [-o table|json|yaml]`: every certificate of a data dir's PKI
// with its expiry, as `kubeadm certs check-expiration` and `k3s certificate check`. Exit code 1 when
// one has expired or cannot be read, so a cron job or a monitoring check can act on it.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../args.js';
import { outputFormatOf, renderListing } from '../output-format.js';
import { type CertExpiry, certExpiry, RENEW_BEFORE_DAYS } from './expiry.js';
import { ifMissing } from '../../util/best-effort.js';

/** A PKI holds a few dozen files; anything past these is not ours to parse. */
const MAX_FILES = 500;
const MAX_CERT_BYTES = 64 * 1024;

export const CERTS_HELP = `gifee certs check [--data-dir DIR] [-o table|json|yaml]
    Every certificate under DATA/pki with its subject, expiry and days left. A running server renews
    its leaf certificates at 80% of their lifetime (--leaf-cert-validity, default a year), and one
    that starts reissues those with less than ${RENEW_BEFORE_DAYS} days left; the CAs last ten years and are
    never reissued. Exit code 1 when a certificate has expired or cannot be read.

gifee certs rotate-ca [--data-dir DIR] [--finish]
    On a stopped server: a new cluster CA signs from now on and reissues every leaf certificate the
    old one signed; the old CA stays trusted (DATA/pki/ca-previous.crt) beside the new one, in the
    bundle the server's clients and the kubeconfigs it writes get; until then the server also sends
    the new CA cross-signed by the old one, so clients that trust the old CA alone still verify it.
    Start the server, give the new kubeconfig to users (joined agents take the bundle and renew their
    certificates within a minute or two), then stop it and run rotate-ca --finish: the old CA is no
    longer trusted. Run again to resume a rotation cut short.`;

export async function certsCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === 'help' || sub === '--help' || sub === '-h') return console.log(CERTS_HELP);
  if (sub === 'rotate-ca') return rotateCaCommand(rest, defaultDataDir);
  if (sub !== 'check') throw new UsageError(`gifee certs: unknown subcommand "${sub}"; the subcommands are check and rotate-ca (gifee certs --help)`);
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
    const size = (await stat(path).catch(ifMissing))?.size ?? 0;
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

async function rotateCaCommand(argv: string[], defaultDataDir: string): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, finish: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError(`gifee certs rotate-ca: ${(e as Error).message}; see gifee certs --help`);
  }
  if (values.help) return console.log(CERTS_HELP);
  const dataDir = resolve((values['data-dir'] as string | undefined) ?? defaultDataDir);
  const dir = join(dataDir, 'pki');
  // The running server holds the old CA in memory and would keep issuing from it.
  const { gifeeProcessesUsing } = await import('../running-gifee.js');
  const running = await gifeeProcessesUsing(dataDir, defaultDataDir);
  if (running.length) throw new UsageError(`gifee certs rotate-ca: ${running.map((p) => `${p.command} (pid ${p.pid})`).join(', ')} uses ${dataDir}; stop it first, rotate, then start it again`);
  const { finishCaRotation, rotateCa } = await import('./rotate-ca.js');
  try {
    if (values.finish) {
      const { dropped } = await finishCaRotation(dir);
      console.log(`the previous CA (${dropped.replace(/\n/g, ', ')}) is no longer trusted; start the server to write kubeconfigs without it`);
      return;
    }
    const r = await rotateCa(dir);
    console.log(`the new CA (${r.newCa.replace(/\n/g, ', ')}) signs from now on; reissued ${r.reissued.length} certificates${r.reissued.length ? `: ${r.reissued.join(', ')}` : ''}`);
    console.log('both CAs are trusted until `gifee certs rotate-ca --finish`: start the server (it rewrites its kubeconfigs and DATA/node-token with both), hand them out, let joined agents take the bundle and renew their certificates (a minute or two), then stop it and finish');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new UsageError(`no PKI in ${dir}: pass the server's --data-dir (gifee up's is the default)`);
    throw new UsageError(`gifee certs rotate-ca: ${err.message}`);
  }
}
