// The `gifee` command.

import { nearestOf, parseFlags, UsageError } from './args.js';
import { COMMANDS, HELP } from './help-text.js';
import { defaultDataDir, helpOfCommand, optionsOfCommand, port, runtimeOf, serverConfigOf } from './commands.js';
import { nodeProtectionOf } from './node-protection-flags.js';
import { csiSettingsOf } from './csi-flags.js';
import { ingressSettingsOf } from './ingress-flags.js';
import { streamLimitsOf } from './stream-limit-flags.js';
import { tunablesFromEnv } from './tunables.js';
import { logSettingsOf } from './log-flags.js';
import { configureLogging } from '../util/log.js';

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  // The long-running commands (and the component processes a server supervises) survive a bug's
  // stray exception or rejection (logged once, rate-limited).
  if (command === 'up' || command === 'server' || command === 'agent' || command === '__components') {
    const [{ installProcessGuard }, { logger }] = await Promise.all([import('../util/process-guard.js'), import('../util/log.js')]);
    installProcessGuard(logger('gifee'));
  }
  const { runServer } = await import('./server.js');
  switch (command) {
    case 'server': {
      const f = parseFlags('server', rest, optionsOfCommand('server'));
      if (f.help) return console.log(helpOfCommand('server'));
      configureLogging(logSettingsOf(f, 'gifee server'));
      return runServer(serverConfigOf('server', f));
    }
    case 'up': {
      const f = parseFlags('up', rest, optionsOfCommand('up'));
      if (f.help) return console.log(helpOfCommand('up'));
      configureLogging(logSettingsOf(f, 'gifee up'));
      const cfg = serverConfigOf('up', f);
      const { upReadyMessage } = await import('./up-output.js');
      const { colourAllowed } = await import('../util/log.js');
      return runServer({
        ...cfg,
        onReady: (url, ready) => {
          const runtime = cfg.agent?.runtime ?? (process.getuid?.() === 0 ? 'runc' : 'process');
          process.stdout.write(upReadyMessage({ url, dataDir: cfg.dataDir, kubeconfig: cfg.kubeconfig, store: cfg.store, runtime, ...ready }, colourAllowed(process.stdout.isTTY)));
        },
      });
    }
    case 'images':
      return (await import('./images.js')).imagesCommand(rest, defaultDataDir());
    case 'token':
      return (await import('./token-command.js')).tokenCommand(rest, defaultDataDir());
    case 'user':
      return (await import('./user-command.js')).userCommand(rest, defaultDataDir());
    case 'agent': {
      const f = parseFlags('agent', rest, optionsOfCommand('agent'));
      if (f.help) return console.log(helpOfCommand('agent'));
      configureLogging(logSettingsOf(f, 'gifee agent'));
      const { parseServerFlags } = await import('./agent-servers.js');
      const servers = parseServerFlags(f.server as string[] | undefined);
      let token = f.token as string | undefined;
      if (!token && f['token-file']) {
        const { readFile } = await import('node:fs/promises');
        token = (
          await readFile(f['token-file'] as string, 'utf8').catch(() => {
            throw new UsageError(`cannot read --token-file ${f['token-file'] as string}`);
          })
        ).trim();
      }
      // No token: the agent goes on with the certificate it got at its first join (runJoinedAgent says if it has none).
      const { runJoinedAgent } = await import('./agent.js');
      return runJoinedAgent({
        servers,
        serverDiscovery: !f['no-server-discovery'],
        token,
        dataDir: (f['data-dir'] as string | undefined) ?? defaultDataDir(),
        nodeName: f['node-name'] as string | undefined,
        nodeIP: f['node-ip'] as string | undefined,
        port: f['kubelet-port'] !== undefined ? port(f['kubelet-port']) : 10250,
        bridge: f.bridge as string | undefined,
        runtime: runtimeOf(f.runtime),
        clusterDNS: f['cluster-dns'] as string | undefined,
        restartBackoffMs: tunablesFromEnv().restartBackoffMs,
        ...nodeProtectionOf(f),
        ...csiSettingsOf(f),
        ...ingressSettingsOf(f),
        ...streamLimitsOf(f),
      });
    }
    case 'kubeconfig': {
      const f = parseFlags('kubeconfig', rest, { 'data-dir': { type: 'string' }, server: { type: 'string' } });
      const { adminKubeconfigYaml } = await import('./admin-kubeconfig.js');
      return void process.stdout.write(await adminKubeconfigYaml((f['data-dir'] as string | undefined) ?? defaultDataDir(), f.server as string | undefined));
    }
    case 'kubectl':
      // Everything after `kubectl` is kubectl's, flags included (as `k3s kubectl`).
      process.exitCode = await (await import('./kubectl-passthrough.js')).kubectlPassthrough(rest, defaultDataDir());
      return;
    case '__components':
      // Internal: a component process that `gifee server` supervises (controllers and scheduler, or
      // the agent); its name follows as an argument for `ps`, its configuration comes over IPC.
      return (await import('./components.js')).runComponentsChild();
    case 'sim':
      return (await import('./sim.js')).runSim(rest);
    case 'secrets':
      return (await import('./secrets-command.js')).secretsCommand(rest);
    case 'etcd':
      await (await import('./etcd/etcd-command.js')).etcdCommand(rest, defaultDataDir());
      return exitNow();
    case 'upgrade':
      return (await import('./upgrade-command.js')).upgradeCommand(rest, defaultDataDir());
    case 'snapshot':
      await (await import('./snapshot-command.js')).snapshotCommand(rest, defaultDataDir());
      return exitNow();
    case 'service':
      return (await import('./service/command.js')).serviceCommand(rest);
    case 'reset':
      return (await import('./reset-command.js')).resetCommand(rest, defaultDataDir());
    case 'completion':
      return (await import('./completion.js')).completionCommand(rest);
    case 'doctor':
      return (await import('./doctor/command.js')).doctorCommand(rest, defaultDataDir());
    case 'certs':
      return (await import('./certs/command.js')).certsCommand(rest, defaultDataDir());
    case 'network-policy':
      return (await import('./network-policy-command.js')).networkPolicyCommand(rest, defaultDataDir());
    case 'version':
    case '--version': {
      const f = parseFlags('version', rest, { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } });
      if (f.help) return console.log("gifee version [-o json|yaml]: this gifee's version, the commit it was built from and the Kubernetes API version it serves");
      const { buildInfo, formatBuildInfo } = await import('./build-info.js');
      const { outputFormatOf } = await import('./output-format.js');
      const format = outputFormatOf(f.output, 'gifee version');
      const info = buildInfo();
      if (format === 'json') return console.log(JSON.stringify(info, null, 2));
      if (format === 'yaml') return void process.stdout.write((await import('yaml')).stringify(info));
      return console.log(formatBuildInfo(info));
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return console.log(HELP);
    default: {
      const nearest = nearestOf(command, COMMANDS);
      throw new UsageError(`gifee: unknown command "${command}"${nearest ? ` (did you mean "${nearest}"?)` : ''}; commands are ${COMMANDS.join(', ')} (see gifee --help)`);
    }
  }
}

/**
 * Ends a command that talked to etcd once it is done: grpc-js keeps a connection whose TLS handshake
 * was never answered (a frozen etcd member that the command went around) open after its client
 * closed, which would hold the process for minutes. Output to pipes and files is written synchronously.
 */
function exitNow(): never {
  process.exit(process.exitCode ?? 0);
}

main(process.argv.slice(2)).catch(async (e) => {
  if (e instanceof UsageError) {
    console.error(e.message);
    process.exit(2);
  }
  // What failed and what to do; the stack trace only for who asks (--verbose, GIFEE_LOG=debug).
  const { errorLines } = await import('./explain-error.js');
  const argv = process.argv.slice(2);
  const withStack = process.env.GIFEE_LOG === 'debug' || argv.includes('--verbose') || argv.includes('-v');
  process.stderr.write(errorLines(e, argv[0], withStack));
  process.exit(1);
});
