import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bashCompletion, completionSpec, fishCompletion, zshCompletion } from './completion.js';
import { optionsOfCommand } from './commands.js';
import { tempDir } from '../../test/helpers/temp-dirs.js';

const script = bashCompletion();

/** What bash offers for a command line whose last word is being typed (run in a real bash). */
function complete(line: string[], cwd?: string): string[] {
  const dir = tempDir('compl-');
  writeFileSync(join(dir, 'gifee.bash'), script);
  const words = line.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', `source ${join(dir, 'gifee.bash')}; COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _gifee; printf '%s\\n' "\${COMPREPLY[@]}"`], { cwd, encoding: 'utf8' });
  return out.split('\n').filter(Boolean).sort();
}

test('bash: commands, subcommands, flags and flag values complete', () => {
  assert.deepEqual(complete(['gifee', 'im']), ['images']);
  assert.ok(complete(['gifee', '']).includes('completion'));
  assert.deepEqual(complete(['gifee', 'images', '']), ['import', 'ls', 'pull', 'rm']);
  assert.deepEqual(complete(['gifee', 'token', 'l']), ['list']);
  assert.deepEqual(complete(['gifee', 'up', '--log-f']), ['--log-format']);
  assert.deepEqual(complete(['gifee', 'up', '--log-format', '']), ['json', 'text']);
  assert.deepEqual(complete(['gifee', 'agent', '--runtime', 'r']), ['runc']);
  assert.deepEqual(complete(['gifee', 'completion', '']), ['bash', 'fish', 'zsh']);
  assert.deepEqual(complete(['gifee', 'images', 'ls', '-o', 'j']), ['json']);
  assert.deepEqual(complete(['gifee', 'agent', '--cluster-c']), [], 'the agent has no server flags');
  assert.deepEqual(complete(['gifee', 'nosuch', '--']), []);
});

test('bash: --data-dir completes directories, image files complete file names', () => {
  const cwd = tempDir('compl-cwd-');
  mkdirSync(join(cwd, 'state'));
  writeFileSync(join(cwd, 'web.tar'), '');
  writeFileSync(join(cwd, 'stale.txt'), '');
  assert.deepEqual(complete(['gifee', 'up', '--data-dir', 's'], cwd), ['state']);
  assert.deepEqual(complete(['gifee', 'images', 'import', 'w'], cwd), ['web.tar']);
});

test('every flag of up, server and agent is offered (the spec comes from their flag tables)', () => {
  const spec = completionSpec();
  for (const c of ['up', 'server', 'agent'] as const) {
    for (const name of Object.keys(optionsOfCommand(c))) assert.ok(spec[c].flags.includes(`--${name}`), `${c} --${name}`);
  }
});

test('zsh wraps the bash function; fish declares each command, subcommand and flag', () => {
  const zsh = zshCompletion();
  assert.match(zsh, /^#compdef gifee\n/);
  assert.ok(zsh.includes('bashcompinit') && zsh.includes('complete -o filenames -F _gifee gifee'));
  const fish = fishCompletion();
  assert.match(fish, /^complete -c gifee -n __fish_use_subcommand -a "up server agent /m);
  assert.match(fish, /^complete -c gifee -n "__fish_seen_subcommand_from images; and not __fish_seen_subcommand_from import ls pull rm" -a "import ls pull rm"$/m);
  assert.match(fish, /^complete -c gifee -n "__fish_seen_subcommand_from up" -l log-format -x -a "text json"$/m);
  assert.match(fish, /^complete -c gifee -n "__fish_seen_subcommand_from up" -l data-dir -r -a "\(__fish_complete_directories\)"$/m);
  assert.match(fish, /^complete -c gifee -n "__fish_seen_subcommand_from version" -s o -x -a "table json yaml"$/m);
});
