#!/usr/bin/env node
// Copy the latest benchmark tables (bench/results/latest.md, written by `npm run bench`)
// into README.md between the bench markers, so every number in the README comes from
// that command's output. Run after `npm run bench`.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const latest = readFileSync(`${root}bench/results/latest.md`, 'utf8');
const readme = readFileSync(`${root}README.md`, 'utf8');
const lines = latest.split('\n');
const header = lines.find((l) => l.startsWith('`npm run bench'));
const section = (title) => {
  const i = lines.findIndex((l) => l.startsWith(`## ${title}`));
  if (i < 0) return '';
  let j = i + 1;
  while (j < lines.length && !lines[j].startsWith('## ')) j++;
  return lines.slice(i + 1, j).join('\n').trim();
};
const pageFault = lines.find((l) => l.startsWith('First touch of a fresh page'));
const body = [
  `Measured with ${header ?? '`npm run bench`'}`,
  ...(pageFault ? ['', pageFault] : []),
  '',
  '**Targets** (ratios to peers in the same run):',
  '',
  section('Targets'),
  '',
  '**All workloads** (median µs; in parentheses the ratio to the fastest peer of the column):',
  '',
  section('All workloads'),
  ...(section('D1 socket diagnostics') ? ['', `**${lines.find((l) => l.startsWith('## D1 socket diagnostics'))?.slice(3) ?? 'D1 socket diagnostics'}**:`, '', section('D1 socket diagnostics')] : []),
  ...(section('D2 connection tracking') ? ['', `**${lines.find((l) => l.startsWith('## D2 connection tracking'))?.slice(3) ?? 'D2 connection tracking'}**:`, '', section('D2 connection tracking')] : []),
  ...(section('Start-up') ? ['', '**Start-up** (a new process per call, as a CNI runtime runs a plugin; ms):', '', section('Start-up')] : []),
].join('\n');
const begin = '<!-- bench:begin -->';
const end = '<!-- bench:end -->';
const a = readme.indexOf(begin);
const b = readme.indexOf(end);
if (a < 0 || b < a) throw new Error('README.md has no bench markers');
writeFileSync(`${root}README.md`, readme.slice(0, a + begin.length) + '\n' + body.replace(/^#+ /gm, '') + '\n' + readme.slice(b));
console.log('README.md performance section updated from bench/results/latest.md');
