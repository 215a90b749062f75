// `gifee service install [up|server|agent] [flags]` and `gifee service uninstall`: gifee as a
// system service, started at boot and restarted when it stops. systemd when it runs (a unit and an
// environment file, enabled and started), OpenRC where that is the init; neither: say so and print
// the unit, changing nothing (exit 1).

import { execFile } from 'node:child_process';
import { access, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UsageError, parseFlags } from '../args.js';
import { optionsOfCommand } from '../commands.js';
import { OPENRC_SCRIPT_PATH, SYSTEMD_ENV_PATH, SYSTEMD_UNIT_PATH, environmentFile, openrcScript, systemdUnit, type ServiceSpec, unsafeFlag } from './unit.js';

const run = promisify(execFile);
/** A step of uninstall that failed: said on stderr, and the uninstall goes on (a service already stopped or removed is no reason to stop). */
const warnFailed = (what: string) => (e: unknown) => void console.error(`gifee service uninstall: ${what} failed (going on): ${e instanceof Error ? e.message.trim() : String(e)}`);
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

const HELP = `gifee service: run gifee as a system service (started at boot, restarted when it stops)

Usage:
  gifee service install [up|server|agent] [FLAGS...]   write, enable and start the service (default: up)
  gifee service install --print [up|server|agent] [FLAGS...]   only print the unit
  gifee service uninstall                              stop, disable and remove it (containers stay: see gifee reset)

The flags are those of the command (checked now) and go to ${SYSTEMD_ENV_PATH}.`;

type Init = 'systemd' | 'openrc' | 'none';
async function initSystem(): Promise<Init> {
  if (await exists('/run/systemd/system')) return 'systemd';
  if ((await exists('/sbin/openrc-run')) || (await exists('/run/openrc'))) return 'openrc';
  return 'none';
}

function specOf(args: string[]): ServiceSpec {
  const [first, ...rest] = args;
  const command = first === 'server' || first === 'agent' || first === 'up' ? first : 'up';
  const flags = first === command ? rest : args;
  // Checked now, not at the next boot.
  parseFlags(command, flags, optionsOfCommand(command));
  const bad = unsafeFlag(flags);
  if (bad !== undefined) throw new UsageError(`gifee service install: the flag ${JSON.stringify(bad)} has spaces, quotes or $: write such values in a file and pass its path (e.g. --token-file)`);
  const entry = resolve(fileURLToPath(import.meta.url), '..', '..', 'main.js');
  return { command, flags, node: process.execPath, entry, envFile: SYSTEMD_ENV_PATH };
}

export async function serviceCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return void console.log(HELP);
  if (sub === 'install') {
    const print = rest[0] === '--print';
    const spec = specOf(print ? rest.slice(1) : rest);
    if (print) return void process.stdout.write(systemdUnit(spec));
    const init = await initSystem();
    if (init === 'none') {
      process.stdout.write(systemdUnit(spec));
      console.error(`gifee service install: neither systemd nor OpenRC runs on this machine (no /run/systemd/system, no openrc-run): nothing was installed. Above is the systemd unit; its flags go in ${SYSTEMD_ENV_PATH} as GIFEE_FLAGS="${spec.flags.join(' ')}".`);
      process.exitCode = 1;
      return;
    }
    if (process.getuid?.() !== 0) throw new UsageError('gifee service install: run as root (it writes to /etc and enables the service)');
    if (init === 'systemd') {
      await writeFile(SYSTEMD_ENV_PATH, environmentFile(spec), { mode: 0o600 });
      await writeFile(SYSTEMD_UNIT_PATH, systemdUnit(spec), { mode: 0o644 });
      await run('systemctl', ['daemon-reload']);
      await run('systemctl', ['enable', '--now', 'gifee.service']);
      console.log(`installed ${SYSTEMD_UNIT_PATH} (flags in ${SYSTEMD_ENV_PATH}), enabled and started: systemctl status gifee; journalctl -u gifee -f`);
    } else {
      await writeFile(OPENRC_SCRIPT_PATH, openrcScript(spec), { mode: 0o755 });
      await run('rc-update', ['add', 'gifee', 'default']);
      await run('rc-service', ['gifee', 'start']);
      console.log(`installed ${OPENRC_SCRIPT_PATH}, added to the default runlevel and started: rc-service gifee status; tail -f /var/log/gifee.log`);
    }
    return;
  }
  if (sub === 'uninstall') {
    const init = await initSystem();
    if (process.getuid?.() !== 0) throw new UsageError('gifee service uninstall: run as root');
    if (init === 'systemd') {
      await run('systemctl', ['disable', '--now', 'gifee.service']).catch(warnFailed('systemctl disable --now gifee.service'));
      await rm(SYSTEMD_UNIT_PATH, { force: true });
      await rm(SYSTEMD_ENV_PATH, { force: true });
      await run('systemctl', ['daemon-reload']).catch(warnFailed('systemctl daemon-reload'));
    } else if (init === 'openrc') {
      await run('rc-service', ['gifee', 'stop']).catch(warnFailed('rc-service gifee stop'));
      await run('rc-update', ['del', 'gifee', 'default']).catch(warnFailed('rc-update del gifee default'));
      await rm(OPENRC_SCRIPT_PATH, { force: true });
    } else {
      for (const p of [SYSTEMD_UNIT_PATH, SYSTEMD_ENV_PATH, OPENRC_SCRIPT_PATH]) await rm(p, { force: true });
    }
    console.log('gifee service removed; its containers keep running until `gifee reset`');
    return;
  }
  throw new UsageError(`gifee service: unknown subcommand "${sub}"; use install or uninstall (see gifee service --help)`);
}
