// `gifee doctor`'s output: one line per check, grouped, with what to do under each warning and
// failure, and a summary. Colour only on a terminal and never with NO_COLOR.

import type { CheckResult, Verdict } from './checks.js';

const LABEL: Record<Verdict, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };
const COLOUR: Record<Verdict, string> = { pass: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m' };

export function formatReport(results: CheckResult[], colour: boolean): string {
  const lines: string[] = [];
  let group = '';
  for (const r of results) {
    if (r.group !== group) {
      group = r.group;
      lines.push(`${lines.length ? '\n' : ''}${group}`);
    }
    const label = colour ? `${COLOUR[r.verdict]}${LABEL[r.verdict]}\x1b[0m` : LABEL[r.verdict];
    lines.push(`  ${label}  ${r.name}: ${r.detail}`);
    if (r.fix && r.verdict !== 'pass') lines.push(`        → ${r.fix}`);
  }
  const count = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  lines.push('', `${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed${count('fail') ? ': gifee cannot run a node here until the failures are fixed' : ''}`);
  return lines.join('\n');
}

export const useColour = (stream: { isTTY?: boolean }) => !!stream.isTTY && !process.env.NO_COLOR;
