// `gifee completion bash|zsh|fish`: a shell script that completes gifee's commands, subcommands,
// flags and flag values. Generated from one spec (COMPLETION_SPEC), which takes up/server/agent's
// flags from their flag tables, so a new flag completes without touching this file. zsh uses the
// bash function through bashcompinit (as many tools' zsh completions do).

import { UsageError } from './args.js';
import { COMMAND_FLAGS } from './commands.js';
import { ADMIN_TARGET_FLAGS, TOKEN_CREATE_FLAGS, TOKEN_LIST_FLAGS, USER_ADD_FLAGS } from './identity-flags.js';
import type { FlagTable } from './args.js';

export interface CommandCompletion {
  subcommands?: string[];
  flags: string[];
  /** Complete file names (not only flags) for positional arguments. */
  files?: boolean;
}

const OUTPUT = ['--output', '-o'];

/** Flags of flag tables, long names with -- (and short ones). */
function flagsOf(...tables: FlagTable[]): string[] {
  const out = new Set<string>();
  for (const t of tables)
    for (const [name, s] of Object.entries(t)) {
      out.add(`--${name}`);
      if (s.short) out.add(`-${s.short}`);
    }
  return [...out];
}

/** Every command, its subcommands and its flags. */
export function completionSpec(): Record<string, CommandCompletion> {
  return {
    up: { flags: flagsOf(...COMMAND_FLAGS.up) },
    server: { flags: flagsOf(...COMMAND_FLAGS.server) },
    agent: { flags: flagsOf(...COMMAND_FLAGS.agent) },
    kubeconfig: { flags: ['--data-dir', '--server'] },
    kubectl: { flags: ['--data-dir'], files: true },
    sim: { subcommands: ['nodes'], flags: ['--count', '--kubeconfig', '--name-prefix', '--start-index', '--cpu', '--memory', '--pods', '--lease-interval', '--concurrency', '--cleanup', '--help'] },
    images: { subcommands: ['import', 'ls', 'pull', 'rm'], flags: ['--data-dir', '--insecure-registry', ...OUTPUT, '--quiet', '-q', '--verbose', '-v', '--help', '-h'], files: true },
    token: { subcommands: ['create', 'list', 'delete'], flags: flagsOf(ADMIN_TARGET_FLAGS, TOKEN_CREATE_FLAGS, TOKEN_LIST_FLAGS, { help: { type: 'boolean', short: 'h', help: '' } }) },
    user: { subcommands: ['add'], flags: flagsOf(USER_ADD_FLAGS, ADMIN_TARGET_FLAGS, { help: { type: 'boolean', short: 'h', help: '' } }) },
    secrets: { subcommands: ['reencrypt'], flags: ['--data-dir', '--encryption-provider-config', '--store', '--etcd-endpoints', '--help', '-h'] },
    snapshot: { subcommands: ['save', 'ls', 'delete', 'prune', 'verify', 'restore'], flags: ['--data-dir', '--dir', '--store', '--etcd-endpoints', '--name', '--retention', '--name-prefix', '--etcd-db-out', '-o', '--help', '-h'] },
    etcd: { subcommands: ['members', 'remove'], flags: ['--data-dir', ...OUTPUT, '--help', '-h'] },
    upgrade: { subcommands: ['plan', 'status'], flags: ['--to', '--concurrency', '--ready-timeout', '--name', '--data-dir', '--kubeconfig', ...OUTPUT, '--help', '-h'] },
    certs: { subcommands: ['check', 'rotate-ca'], flags: ['--data-dir', ...OUTPUT, '--finish', '--help', '-h'] },
    service: { subcommands: ['install', 'uninstall'], flags: [...new Set([...flagsOf(...COMMAND_FLAGS.up), ...flagsOf(...COMMAND_FLAGS.agent), '--print'])] },
    reset: { flags: ['--data-dir', '--purge', '--force', '--help', '-h'] },
    doctor: { flags: ['--data-dir', '--port', '--etcd', '--help', '-h'] },
    completion: { subcommands: ['bash', 'zsh', 'fish'], flags: ['--help', '-h'] },
    version: { flags: [...OUTPUT, '--help', '-h'] },
    help: { flags: [] },
  };
}

/** Flags whose value is a directory, a file, or one of a few words. */
const DIR_FLAGS = ['--data-dir', '--kubelet-dir', '--dir', '--snapshot-dir'];
const FILE_FLAGS = [
  '--kubeconfig',
  '--token-file',
  '--encryption-provider-config',
  '--pod-security-admission-config-file',
  '--audit-policy-file',
  '--audit-log-path',
  '--oidc-ca-file',
  '--requestheader-client-ca-file',
  '--proxy-client-cert-file',
  '--proxy-client-key-file',
  '--kubeconfig-out',
  '--restore-from',
  '--restore',
  '--etcd-db-out',
];
const VALUE_WORDS: Record<string, string[]> = {
  '--runtime': ['runc', 'process'],
  '--store': ['sqlite', 'etcd'],
  '--log-format': ['text', 'json'],
  '--log-level': ['debug', 'info', 'warn', 'error'],
  '--output': ['table', 'json', 'yaml'],
  '-o': ['table', 'json', 'yaml'],
  '--authorization-mode': ['RBAC', 'AlwaysAllow', 'Node,RBAC'],
};

const words = (list: string[]) => list.join(' ');

export function bashCompletion(spec = completionSpec()): string {
  const commands = Object.keys(spec);
  const cases = Object.entries(spec)
    .map(([c, s]) => `    ${c}) subs=${JSON.stringify(words(s.subcommands ?? []))}; flags=${JSON.stringify(words(s.flags))}; files=${s.files ? 1 : 0} ;;`)
    .join('\n');
  const values = Object.entries(VALUE_WORDS)
    .map(([f, w]) => `    ${f}) COMPREPLY=($(compgen -W ${JSON.stringify(words(w))} -- "$cur")); return ;;`)
    .join('\n');
  return `# bash completion for gifee: source <(gifee completion bash), or save it as
# /etc/bash_completion.d/gifee (or ~/.local/share/bash-completion/completions/gifee).
_gifee() {
  local cur prev cmd subs flags files
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev=""
  [[ $COMP_CWORD -gt 0 ]] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if [[ $COMP_CWORD -le 1 ]]; then
    COMPREPLY=($(compgen -W ${JSON.stringify(words([...commands, '--help', '--version']))} -- "$cur"))
    return
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$prev" in
    ${DIR_FLAGS.join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    ${FILE_FLAGS.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
${values}
  esac
  subs=""; flags=""; files=0
  case "$cmd" in
${cases}
    *) return ;;
  esac
  if [[ $COMP_CWORD -eq 2 && -n "$subs" && "$cur" != -* ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return
  fi
  [[ $files -eq 1 ]] && COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _gifee gifee
`;
}

export function zshCompletion(spec = completionSpec()): string {
  return `#compdef gifee
# zsh completion for gifee: source <(gifee completion zsh), or save it as _gifee in a directory of
# $fpath. It runs gifee's bash completion through zsh's bashcompinit.
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(spec)}`;
}

export function fishCompletion(spec = completionSpec()): string {
  const lines = ['# fish completion for gifee: gifee completion fish > ~/.config/fish/completions/gifee.fish', 'complete -c gifee -f'];
  lines.push(`complete -c gifee -n __fish_use_subcommand -a ${JSON.stringify(words(Object.keys(spec)))}`);
  for (const [c, s] of Object.entries(spec)) {
    const on = `__fish_seen_subcommand_from ${c}`;
    if (s.subcommands?.length) lines.push(`complete -c gifee -n ${JSON.stringify(`${on}; and not __fish_seen_subcommand_from ${words(s.subcommands)}`)} -a ${JSON.stringify(words(s.subcommands))}`);
    if (s.files) lines.push(`complete -c gifee -n ${JSON.stringify(on)} -F`);
    for (const f of s.flags) {
      const name = f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`;
      const value = DIR_FLAGS.includes(f) ? ' -r -a "(__fish_complete_directories)"' : FILE_FLAGS.includes(f) ? ' -r -F' : VALUE_WORDS[f] ? ` -x -a ${JSON.stringify(words(VALUE_WORDS[f]))}` : '';
      lines.push(`complete -c gifee -n ${JSON.stringify(on)} ${name}${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export const COMPLETION_HELP = `gifee completion bash|zsh|fish: print a shell completion script

  bash:  source <(gifee completion bash)         (or save it in /etc/bash_completion.d/gifee)
  zsh:   source <(gifee completion zsh)          (or save it as _gifee in a directory of $fpath)
  fish:  gifee completion fish > ~/.config/fish/completions/gifee.fish`;

export function completionCommand(argv: string[]): void {
  const [shell, ...rest] = argv;
  if (shell === undefined || shell === '--help' || shell === '-h' || shell === 'help') return void console.log(COMPLETION_HELP);
  if (rest.length) throw new UsageError(`gifee completion: unexpected argument "${rest[0]}"; see gifee completion --help`);
  const script = shell === 'bash' ? bashCompletion() : shell === 'zsh' ? zshCompletion() : shell === 'fish' ? fishCompletion() : undefined;
  if (script === undefined) throw new UsageError(`gifee completion: shell must be bash, zsh or fish, not "${shell}"`);
  process.stdout.write(script);
}
