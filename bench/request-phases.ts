// Diagnostic (not part of `npm run bench`): where the time of one awaited request goes,
// phase by phase, in the workloads' own conditions — a fresh process, the kernel's work
// between two requests, nlkit's code unoptimised (V8 optimises a function only after it
// has executed enough bytecode: not during W1's 1000 creates). The timed loop alternates nlkit and the same request as raw bytes on
// the same socket (koffi send + recv, no nlkit code), so both see the same process, kernel
// state and moment.
//
// How: a copy of the library's build (dist/src, or --lib DIR of another build) is made
// under dist/.phases/ and given clock readings (process.hrtime.bigint() pushed to an array)
// at fixed places: entering rt.link.add and after its checks, entering the socket's
// exchange, after the request is encoded, around the send and around each recvfrom. The
// copy is what is timed; the library itself has no such hook. A place the patch cannot
// find stops the tool (the code moved: update the patch).
//
// Phases (µs, medians over the requests of a run, then over runs):
//   call     the caller's call to rt.link.add's first line
//   checks   rt.link.add's checks of the spec (prepareSpec)
//   to tx    from there (or from the call, for other requests) to the socket's exchange
//   encode   the request written into the writer
//   kernel   the send system call: the kernel does the request's work inside it
//   between  from the send's return to the recvfrom
//   recv     the recvfrom system call that reads the answer
//   after    from its return to the caller's await resuming (the answer's checks, the
//            promise, the await)
// and for the raw side its send and recv. setupVeth: one row per request it makes.
//
//   npm run build && unshare -n node dist/bench/request-phases.js [--n 400] [--runs 3] [--lib DIR[,DIR2…]] [--only w1,w4,setupveth,setupveth-kept]   (as root)
//   --lib: the dist/src of one build or of several (another commit's, built in a worktree),
//   which then run interleaved, run by run, and are shown side by side.
//   --trace-opt: no timings; each scenario once (first build only) in a child run with
//   `node --trace-opt`, and the functions V8 optimised during its n requests are listed,
//   nlkit's (defined in the build's files) apart from the harness's and Node's — whether
//   the request path ran optimised at all in a workload of that size.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assertNotHostNetns, parseArgs, intOpt, tlv } from './common.js';
import { nlmsg, w1CreateBody } from './raw.js';

const here = dirname(fileURLToPath(import.meta.url));
const T = 'globalThis.__nlkitPhases?.push(process.hrtime.bigint());';

/** [file under src/, anchor, replacement] — each anchor must occur, and is patched once. */
const PATCHES: [string, string, string][] = [
  ['netlink/socket.js', 'const n = sys.send(this.fd, req, len, 0);', `${T}const n = sys.send(this.fd, req, len, 0);${T}`],
  ['netlink/socket.js', '            const n = sys.recvfrom(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT | MSG_TRUNC, RECV_ADDR, RECV_ALEN);',
    `            ${T}const n = sys.recvfrom(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT | MSG_TRUNC, RECV_ADDR, RECV_ALEN);${T}`],
  ['netlink/socket.js', '    transact(type, flags, build, onMessage, mode, subject, arg) {\n', `    transact(type, flags, build, onMessage, mode, subject, arg) {\n${T}\n`],
  ['netlink/socket.js', '        const len = w.finishLength();\n', `        const len = w.finishLength();\n${T}\n`],
  ['rtnl/link/api.js', '    add(spec, options) {\n', `    add(spec, options) {\n${T}\n`],
  ['rtnl/link/api.js', '            p = prepareSpec(spec);\n            echo = writeOptions(options);\n', `            p = prepareSpec(spec);\n            echo = writeOptions(options);\n${T}\n`],
];

/** Copy `lib` (a dist/src) under dist/.phases/ (so that it resolves koffi from this repo) and patch it. */
function patchedCopy(lib: string, i: number): string {
  const out = join(here, '..', '.phases', String(process.pid), String(i), 'src');
  rmSync(dirname(out), { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  cpSync(lib, out, { recursive: true });
  for (const [file, anchor, repl] of PATCHES) {
    const p = join(out, file);
    const s = readFileSync(p, 'utf8');
    const at = s.indexOf(anchor);
    if (at < 0) throw new Error(`request-phases: '${anchor.trim().slice(0, 60)}' not found in ${file}: the code moved; update PATCHES`);
    writeFileSync(p, s.slice(0, at) + repl + s.slice(at + anchor.length));
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Segments between consecutive readings of the traces of the usual length; with how many traces were of another length. */
function segments(traces: bigint[][]): { seg: number[]; odd: number } {
  const lens = new Map<number, number>();
  for (const t of traces) lens.set(t.length, (lens.get(t.length) ?? 0) + 1);
  const usual = [...lens.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  const ok = traces.filter((t) => t.length === usual);
  const seg: number[] = [];
  for (let k = 1; k < usual; k++) seg.push(median(ok.map((t) => Number(t[k]! - t[k - 1]!) / 1e3)));
  return { seg, odd: traces.length - ok.length };
}

interface ChildOut {
  scenario: string;
  labels: string[];
  seg: number[];
  odd: number;
  nlkit: number;
  raw?: number;
  rawSend?: number;
  rawRecv?: number;
}

async function child(lib: string, scenario: string, n: number): Promise<ChildOut> {
  assertNotHostNetns('request-phases');
  const m = await import(pathToFileURL(join(lib, 'index.js')).href);
  const sys = await import(pathToFileURL(join(lib, 'netlink', 'sys.js')).href);
  const g = globalThis as { __nlkitPhases?: bigint[] };
  const rbuf = Buffer.allocUnsafeSlow(65536);
  const raw = { send: [] as number[], recv: [] as number[], total: [] as number[] };
  const exchange = (fd: number, req: Buffer): void => {
    const a = process.hrtime.bigint();
    if (sys.send(fd, req, req.length, 0) !== req.length) throw new Error('raw send');
    const b = process.hrtime.bigint();
    const got = sys.recv(fd, rbuf, 0x40 /* MSG_DONTWAIT */);
    const c = process.hrtime.bigint();
    if (got < 20 || rbuf.readInt32LE(16) !== 0) throw new Error(`raw answer: ${got} bytes, error ${rbuf.readInt32LE(16)}`);
    raw.send.push(Number(b - a) / 1e3);
    raw.recv.push(Number(c - b) / 1e3);
    raw.total.push(Number(c - a) / 1e3);
  };
  const CREATE = 1 | 4 | 0x400 | 0x200; // REQUEST | ACK | CREATE | EXCL
  const traces: bigint[][] = [];
  const nl: number[] = [];
  const timed = async (f: () => Promise<unknown>): Promise<void> => {
    g.__nlkitPhases = [];
    const t0 = process.hrtime.bigint();
    await f();
    const t1 = process.hrtime.bigint();
    traces.push([t0, ...g.__nlkitPhases, t1]);
    g.__nlkitPhases = undefined;
    nl.push(Number(t1 - t0) / 1e3);
  };
  const ns2 = m.Netns.new();
  const rt = m.Rtnl.open();
  let labels: string[];
  try {
    if (scenario === 'w1') {
      // W1: a<i> up here, its peer b<i> born in netns 2; even i by rt.link.add, odd i as raw bytes on rt's own socket.
      for (let i = 0; i < 2 * n; i++) {
        if (i % 2 === 0) await timed(() => rt.link.add({ name: `a${i}`, kind: 'veth', up: true, group: 77, peer: { name: `b${i}`, netns: ns2 } }));
        else exchange(rt.sock.fd, nlmsg(16, CREATE, 0x7000000 + i, w1CreateBody(`a${i}`, `b${i}`, ns2.fd, 77))); // the Node floor's bytes (bench/raw.ts)
      }
      await rt.link.del({ group: 77 });
      labels = ['call', 'checks', 'to tx', 'encode', 'to send', 'kernel', 'between', 'recv', 'after'];
    } else if (scenario === 'w4') {
      await rt.link.add({ name: 'd1', kind: 'veth', up: true, peer: { name: 'd1p' } });
      const d1: number = await rt.link.index('d1');
      for (let i = 0; i < 2 * n; i++) {
        const ip = [198, 18, i >> 8, i & 255];
        // The address's text made before the clock starts: formatting it (an Array#join,
        // unoptimised) is the harness's work, not the request's, and was counted in 'call to tx'.
        const text = `${ip.join('.')}/32`;
        if (i % 2 === 0) await timed(() => rt.addr.add(d1, text));
        else {
          const ifa = Buffer.alloc(8);
          ifa[0] = 2;
          ifa[1] = 32;
          ifa.writeUInt32LE(d1, 4);
          exchange(rt.sock.fd, nlmsg(20, CREATE, 0x7000000 + i, Buffer.concat([ifa, tlv(2, Buffer.from(ip)), tlv(1, Buffer.from(ip))])));
        }
      }
      labels = ['call to tx', 'encode', 'to send', 'kernel', 'between', 'recv', 'after'];
    } else if (scenario === 'setupveth' || scenario === 'setupveth-kept') {
      // As bench/nlkit.ts's setupVeth workload: host ends in netns 2, container ends here.
      const cur = m.Netns.get();
      const kept = scenario === 'setupveth-kept' ? m.Rtnl.open({ netns: ns2 }) : undefined;
      const options = kept ? { handles: { host: kept } } : {};
      for (let i = 0; i < n; i++) {
        const mac = new m.MacAddr([2, 0, 0, 0, i >> 8, i & 255]);
        await timed(() => m.setupVeth(`c${i}`, `h${i}`, 1500, mac, ns2, cur, options));
      }
      kept?.close();
      cur.close();
      // Not timed: one group delete, so no netns teardown of n pairs runs into the next run.
      for (let i = 0; i < n; i++) await rt.link.set(`c${i}`, { group: 77 });
      await rt.link.del({ group: 77 });
      labels = [];
      for (const what of ['create', 'host end up', 'read-back']) labels.push(`before ${what}`, 'encode', 'to send', `kernel: ${what}`, 'between', 'recv');
      labels.push('after');
    } else throw new Error(`unknown scenario ${scenario}`);
  } finally {
    rt.close();
    ns2.close();
  }
  const { seg, odd } = segments(traces.slice(Math.min(50, traces.length >> 2))); // the first requests load code and fill caches: left out
  const out: ChildOut = { scenario, labels, seg, odd, nlkit: median(nl) };
  if (raw.total.length) Object.assign(out, { raw: median(raw.total), rawSend: median(raw.send), rawRecv: median(raw.recv) });
  return out;
}

/** Names of the functions and methods defined in a build's .js files. */
function definedNames(lib: string): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) {
        const src = readFileSync(p, 'utf8');
        for (const m of src.matchAll(/function\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(|^\s+(?:static\s+|async\s+|get\s+|set\s+)*(#?[A-Za-z_$][\w$]*)\s*\([^)]*\)\s*\{/gm)) names.add((m[1] ?? m[2])!);
      }
    }
  };
  walk(lib);
  return names;
}

/** `--trace-opt`: which functions V8 optimised while each scenario ran its n requests. */
function traceOpt(lib: string, copy: string, scenarios: string[], n: number): void {
  const ours = definedNames(lib);
  console.log(`# node dist/bench/request-phases.js --trace-opt --n ${n}: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}`);
  console.log(`# functions V8 optimised (node --trace-opt, 'completed' lines) in a fresh process while it made the scenario's n nlkit requests and n raw ones`);
  for (const s of scenarios) {
    const p = spawnSync('unshare', ['-n', process.execPath, '--trace-opt', fileURLToPath(import.meta.url), 'child', '--lib', copy, '--scenario', s, '--n', String(n)], { encoding: 'utf8', env: process.env, maxBuffer: 64 << 20 });
    if (p.status !== 0) throw new Error(`${s}: ${p.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    // One entry per function ('get closed' for a getter, '(anonymous)'), in the order of
    // their first completed compile; V8 prints more than one line for some compiles.
    const done = new Set<string>();
    for (const line of p.stdout.split('\n')) {
      const m = /^\[completed (?:compiling|optimizing) .*?<JSFunction (.*?) ?\(sfi/.exec(line);
      if (m) done.add(`${m[1] || '(anonymous)'}${/OSR/i.test(line) ? ' (OSR)' : ''}`);
    }
    const own = (d: string): boolean => ours.has(d.replace(/^(?:get|set) /, '').replace(/ \(OSR\)$/, ''));
    const mine = [...done].filter(own);
    const rest = [...done].filter((d) => !own(d));
    console.log('');
    console.log(`${s}: ${done.size} functions optimised; nlkit's (names defined in ${lib}): ${mine.length ? mine.join(', ') : 'none'}`);
    console.log(`  others (the harness, Node's own, anonymous): ${rest.length ? rest.join(', ') : 'none'}`);
  }
}

function main(argv: string[]): void {
  const { opts, rest } = parseArgs(argv);
  if (rest[0] === 'child') {
    child(opts.get('lib')!, opts.get('scenario')!, intOpt(opts, 'n', 400)).then((o) => console.log(JSON.stringify(o)), (e: unknown) => {
      console.error(e instanceof Error ? e.stack : e);
      process.exit(1);
    });
    return;
  }
  assertNotHostNetns('request-phases');
  const n = intOpt(opts, 'n', 400);
  const runs = intOpt(opts, 'runs', 3);
  // One build or several (comma-separated), interleaved run by run so drift favours none.
  const libs = (opts.get('lib') ?? join(here, '..', 'src')).split(',').map((l) => resolve(l));
  for (const lib of libs) if (!existsSync(join(lib, 'netlink', 'socket.js'))) throw new Error(`--lib ${lib}: not a built dist/src`);
  const scenarios = (opts.get('only') ?? 'w1,w4,setupveth-kept,setupveth').split(',');
  const copies = libs.map((lib, i) => patchedCopy(lib, i));
  if (opts.has('trace-opt')) {
    try {
      traceOpt(libs[0]!, copies[0]!, scenarios, n);
    } finally {
      rmSync(join(here, '..', '.phases', String(process.pid)), { recursive: true, force: true });
    }
    return;
  }
  const outs = new Map<string, ChildOut[]>();
  try {
    for (let r = 0; r < runs; r++) {
      for (const s of scenarios) {
        for (let i = 0; i < libs.length; i++) {
          // Each run in a fresh process and a fresh netns, as the workloads run.
          const p = spawnSync('unshare', ['-n', process.execPath, fileURLToPath(import.meta.url), 'child', '--lib', copies[i]!, '--scenario', s, '--n', String(n)], { encoding: 'utf8', env: process.env });
          if (p.status !== 0) throw new Error(`${s}: ${p.stderr.trim().split('\n').slice(-3).join(' | ')}`);
          const o = JSON.parse(p.stdout.trim().split('\n').pop()!) as ChildOut;
          const key = `${s}\t${i}`;
          outs.set(key, [...(outs.get(key) ?? []), o]);
          // This run's own time (its phases but the kernel's and the recv), to compare builds run by run.
          const own = o.labels.reduce((a, l, k) => a + (l.startsWith('kernel') || l === 'recv' ? 0 : o.seg[k]!), 0);
          console.error(`[phases] run ${r + 1}/${runs} ${s}${libs.length > 1 ? ` (${libs[i]})` : ''}: nlkit ${o.nlkit.toFixed(1)} µs${o.raw !== undefined ? `, raw ${o.raw.toFixed(1)} µs` : ''}, own ${own.toFixed(2)} µs`);
        }
      }
    }
  } finally {
    rmSync(join(here, '..', '.phases', String(process.pid)), { recursive: true, force: true });
  }
  console.log(`# node dist/bench/request-phases.js --n ${n} --runs ${runs}${opts.get('lib') ? ` --lib ${opts.get('lib')}` : ''}${opts.get('only') ? ` --only ${opts.get('only')}` : ''}: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}`);
  console.log('# µs, medians over the requests of a run (the first 50 left out), then over runs; nlkit and raw requests alternate on one socket');
  if (libs.length > 1) console.log(`# builds, interleaved run by run: ${libs.map((l, i) => `[${i}] ${l}`).join('; ')}`);
  for (const s of scenarios) {
    const per = libs.map((_, i) => outs.get(`${s}\t${i}`)!);
    const labels = per[0]![0]!.labels;
    const med = (os: ChildOut[], f: (o: ChildOut) => number | undefined): string => {
      const xs = os.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
      return xs.length ? median(xs).toFixed(2) : '–';
    };
    console.log('');
    per.forEach((os, i) => {
      const odd = os.some((o) => o.odd) ? `; traces of another shape left out: ${os.map((o) => o.odd).join(', ')}` : '';
      console.log(`${s}${libs.length > 1 ? ` [${i}]` : ''}: nlkit ${med(os, (o) => o.nlkit)} per request${os[0]!.raw !== undefined ? `, raw ${med(os, (o) => o.raw)} (send ${med(os, (o) => o.rawSend)}, recv ${med(os, (o) => o.rawRecv)})` : ''}${odd}`);
    });
    const width = Math.max(...labels.map((l) => l.length), 22);
    console.log(`  ${''.padEnd(width)}  ${libs.map((_, i) => (libs.length > 1 ? `[${i}]` : 'µs').padStart(8)).join('')}`);
    labels.forEach((l, k) => console.log(`  ${l.padEnd(width)}  ${per.map((os) => med(os, (o) => o.seg[k]).padStart(8)).join('')}`));
    const js = (os: ChildOut[]): string => labels.map((l, k) => (l.startsWith('kernel') || l === 'recv' ? 0 : Number(med(os, (o) => o.seg[k])))).reduce((a, b) => a + b, 0).toFixed(2);
    console.log(`  ${'(not kernel, not recv)'.padEnd(width)}  ${per.map((os) => js(os).padStart(8)).join('')}`);
  }
}

main(process.argv.slice(2));
