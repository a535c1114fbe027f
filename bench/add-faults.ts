// Diagnostic: what an address add's allocations cost a fresh process in page faults.
// W4's 1000 adds, each in a new process, through rt.addr.add's fast path (an IPv4 address
// on an ifindex, no options: one small object per add) and through its general path (the
// same add with an empty options object: the prepared request, a closure and the subject
// string per add, as every add allocated before the fast path); then the 20 dumps of W4.
// Alternates the two (A B A B …); on this VM every first touch of a page is a fault
// (see the bench report's page-fault line), so fewer bytes per add is fewer faults.
//
//   npx tsc -p . && unshare -n node dist/bench/add-faults.js [--rounds 4]
//
// Run as root in a throwaway netns (`unshare -n`): each child makes a veth d0/d0p there
// and deletes it again.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rtnl } from '../src/rtnl/index.js';
import { w4Address } from './w4-addr.js';

async function child(general: boolean): Promise<void> {
  const rt = Rtnl.open();
  let made = false;
  try {
    await rt.link.add({ name: 'd0', kind: 'veth', peer: { name: 'd0p' }, up: true });
    made = true;
    const index = await rt.link.index('d0');
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) await (general ? rt.addr.add(index, w4Address(i), {}) : rt.addr.add(index, w4Address(i)));
    const addUs = Number(process.hrtime.bigint() - t0) / 1e3 / 1000;
    const f1 = process.resourceUsage().minorPageFault;
    const us: number[] = [];
    for (let r = 0; r < 20; r++) {
      const t = process.hrtime.bigint();
      const a = await rt.addr.list({ family: 4 });
      us.push(Number(process.hrtime.bigint() - t) / 1e3);
      if (a.length !== 1000) throw new Error(`dump gave ${a.length} addresses`);
    }
    const f2 = process.resourceUsage().minorPageFault;
    us.sort((a, b) => a - b);
    console.log(JSON.stringify({ addFaults: f1 - f0, addUs, dumpFaults: f2 - f1, dumpMedianUs: us[10] }));
  } finally {
    // The next child makes d0 again in the same netns: delete it whatever happened.
    if (made) await rt.link.del('d0').catch(() => undefined);
    rt.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function main(): void {
  const at = process.argv.indexOf('--rounds');
  const rounds = at >= 0 ? Number(process.argv[at + 1]) : 4;
  const self = fileURLToPath(import.meta.url);
  const out: Record<'fast' | 'general', { addFaults: number; addUs: number; dumpFaults: number; dumpMedianUs: number }[]> = { fast: [], general: [] };
  for (let r = 0; r < rounds; r++) {
    for (const path of ['fast', 'general'] as const) {
      const c = spawnSync(process.execPath, [self, '--child', path], { encoding: 'utf8', timeout: 120_000 });
      if (c.status !== 0) throw new Error(`child ${path}: ${c.stderr}`);
      out[path].push(JSON.parse(c.stdout.trim().split('\n').pop()!));
    }
  }
  console.log(`1000 adds of W4 then 20 dumps, a fresh process each, ${rounds} rounds interleaved (values: per process; median)`);
  for (const path of ['fast', 'general'] as const) {
    const xs = out[path];
    const list = (k: 'addFaults' | 'addUs' | 'dumpFaults' | 'dumpMedianUs', d: number): string => `${xs.map((x) => x[k].toFixed(d)).join(' ')}; ${median(xs.map((x) => x[k])).toFixed(d)}`;
    console.log(`${path === 'fast' ? 'rt.addr.add(index, a)      ' : 'rt.addr.add(index, a, {})  '} page faults in the adds: ${list('addFaults', 0)}; µs per add: ${list('addUs', 1)}; page faults in the 20 dumps: ${list('dumpFaults', 0)}; dump median µs: ${list('dumpMedianUs', 0)}`);
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3] === 'general').catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
} else main();
