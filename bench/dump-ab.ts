// Diagnostic: two builds of nlkit side by side on the dumps of a fresh process, in
// alternating pairs (A B, B A, A B, …; an even number of pairs, so that each build goes
// first as often and machine drift favours neither).
// Each child is a fresh `node` in its own `unshare -n` netns. It makes the links or
// addresses itself, then times 20 dumps and 20 more in the same process, and reports the
// median, the mean and the page faults of each series. Like the bench's W3 and W4 in
// count and in the fresh-then-warm series, not the same set-up: `--work links` makes 500
// veth pairs with both ends here (1001 links with lo, all down, one rt.link.addMany),
// where W3 dumps 1000 links that are up with their peers in another netns, made by
// another process; `--work addrs` adds W4's 1000 /32s to one end of a veth pair that is
// up, as W4 does. Compare A with B here, not these numbers with the bench's.
//
//   npx tsc -p . && node dist/bench/dump-ab.js OLD.js NEW.js [--pairs 8] [--work links|addrs]
//
// OLD.js and NEW.js are nlkit bundles (dist/nlkit.js of two builds), e.g. an older
// commit built in a git worktree: `git worktree add /tmp/old COMMIT && cd /tmp/old &&
// ln -s "$OLDPWD/node_modules" && npm run build`, then /tmp/old/dist/nlkit.js.
// Run as root (each child unshares a network namespace).
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

interface Series {
  medianUs: number;
  /** Mean of the 20 (their total / 20): where a series' page faults fall moves its median, not its total. */
  meanUs: number;
  faults: number;
}
interface ChildResult {
  fresh: Series;
  warm: Series;
}

type Rt = {
  close(): void;
  link: { addMany(specs: object[]): Promise<unknown>; list(): Promise<unknown[]>; index(name: string): Promise<number>; add(spec: object): Promise<unknown> };
  addr: { add(link: number, address: string): Promise<unknown>; list(filter: object): Promise<unknown[]> };
};

async function child(bundle: string, work: string): Promise<void> {
  const { Rtnl } = (await import(pathToFileURL(resolve(bundle)).href)) as { Rtnl: { open(): Rt } };
  const rt = Rtnl.open();
  let dump: () => Promise<unknown[]>;
  let want: number;
  if (work === 'links') {
    const specs = [];
    for (let i = 0; i < 500; i++) specs.push({ name: `a${i}`, kind: 'veth', peer: { name: `b${i}` }, numTxQueues: 1, numRxQueues: 1 });
    await rt.link.addMany(specs);
    dump = () => rt.link.list();
    want = 1001;
  } else {
    await rt.link.add({ name: 'd0', kind: 'veth', peer: { name: 'd0p' }, up: true });
    const index = await rt.link.index('d0');
    for (let i = 0; i < 1000; i++) await rt.addr.add(index, `198.18.${i >> 8}.${i & 255}/32`);
    dump = () => rt.addr.list({ family: 4 });
    want = 1000;
  }
  const series = async (): Promise<Series> => {
    const us: number[] = [];
    const f0 = process.resourceUsage().minorPageFault;
    for (let r = 0; r < 20; r++) {
      const t0 = process.hrtime.bigint();
      const got = await dump();
      us.push(Number(process.hrtime.bigint() - t0) / 1e3);
      if (got.length !== want) throw new Error(`expected ${want}, got ${got.length}`);
    }
    const faults = process.resourceUsage().minorPageFault - f0;
    return { medianUs: median(us), meanUs: us.reduce((x, y) => x + y, 0) / us.length, faults };
  };
  const fresh = await series();
  const warm = await series();
  rt.close();
  process.stdout.write(`${JSON.stringify({ fresh, warm } satisfies ChildResult)}\n`);
}

function runChild(bundle: string, work: string): ChildResult {
  const r = spawnSync('unshare', ['-n', process.execPath, fileURLToPath(import.meta.url), 'child', bundle, work], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child ${bundle} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === 'child') {
    child(args[1]!, args[2]!).catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
    return;
  }
  const usage = (why: string): never => {
    console.error(`dump-ab: ${why}\nusage: node dist/bench/dump-ab.js OLD.js NEW.js [--pairs 8] [--work links|addrs]`);
    process.exit(2);
  };
  const files: string[] = [];
  const opts = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const x = args[i]!;
    if (!x.startsWith('--')) files.push(x);
    else if (x.includes('=')) opts.set(x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1));
    else if (args[i + 1] !== undefined) opts.set(x, args[++i]!);
    else usage(`${x} needs a value`);
  }
  for (const k of opts.keys()) if (k !== '--pairs' && k !== '--work') usage(`unknown option ${k}`);
  if (files.length !== 2) usage('two bundles to compare');
  const [a, b] = files as [string, string];
  const pairs = Number(opts.get('--pairs') ?? '8');
  if (!Number.isInteger(pairs) || pairs < 2 || pairs % 2 !== 0) usage(`--pairs: an even number of at least 2, got ${opts.get('--pairs')}`);
  const work = opts.get('--work') ?? 'links';
  if (work !== 'links' && work !== 'addrs') usage(`--work links|addrs, got ${work}`);
  console.log(`dump-ab: ${work}, ${pairs} alternating pairs; A = ${a}, B = ${b}; median and mean of 20 dumps per series, µs; page faults per series of 20`);
  const res: Record<'A' | 'B', ChildResult[]> = { A: [], B: [] };
  for (let p = 0; p < pairs; p++) {
    const order: ('A' | 'B')[] = p % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    const line: string[] = [];
    for (const which of order) {
      const r = runChild(which === 'A' ? a : b, work);
      res[which].push(r);
      line.push(`${which}: fresh ${r.fresh.medianUs.toFixed(0)} (mean ${r.fresh.meanUs.toFixed(0)}) µs ${r.fresh.faults} faults, warm ${r.warm.medianUs.toFixed(0)} (mean ${r.warm.meanUs.toFixed(0)}) µs ${r.warm.faults} faults`);
    }
    console.log(`pair ${p + 1}: ${line.join(' | ')}`);
  }
  const sum = (k: 'A' | 'B'): string => {
    const rs = res[k];
    return `fresh ${median(rs.map((r) => r.fresh.medianUs)).toFixed(0)} µs (mean ${median(rs.map((r) => r.fresh.meanUs)).toFixed(0)}), ${median(rs.map((r) => r.fresh.faults)).toFixed(0)} faults; ` +
      `warm ${median(rs.map((r) => r.warm.medianUs)).toFixed(0)} µs (mean ${median(rs.map((r) => r.warm.meanUs)).toFixed(0)}), ${median(rs.map((r) => r.warm.faults)).toFixed(0)} faults`;
  };
  // B against A pair by pair: lower / equal / higher.
  const cmp = (get: (r: ChildResult) => number): string => {
    let lo = 0;
    let eq = 0;
    res.A.forEach((r, i) => {
      const x = get(res.B[i]!);
      if (x < get(r)) lo++;
      else if (x === get(r)) eq++;
    });
    return `${lo}/${eq}/${pairs - lo - eq}`;
  };
  console.log(`medians over the pairs: A ${sum('A')}; B ${sum('B')}`);
  console.log(`B against A, pairs lower/equal/higher: fresh median ${cmp((r) => r.fresh.medianUs)}, fresh mean ${cmp((r) => r.fresh.meanUs)}, ` +
    `fresh faults ${cmp((r) => r.fresh.faults)}, warm median ${cmp((r) => r.warm.medianUs)}, warm mean ${cmp((r) => r.warm.meanUs)}, warm faults ${cmp((r) => r.warm.faults)}`);
}

main();
