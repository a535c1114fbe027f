// The socket-diagnostics workload D1 of the benchmark suite (bench/suite.ts): in a fresh
// netns with lo up, N established TCP connections over loopback (2N sockets and their
// listener), then one full IPv4 TCP dump + decode, median of R, by nlkit and by the peers.
//
//   unshare -n node dist/bench/diag.js hold --nconn N -- PROGRAM [ARG...]
//   unshare -n node dist/bench/diag.js hold --nconn N -- node dist/bench/diag.js nlkit --reps R --expect 2N+1
//
// `hold` (started by `npm run bench` inside a fresh `unshare -n` netns) checks the netns
// holds only lo, sets lo up, makes the sockets (a listener on 127.0.0.1 and N clients,
// every connection accepted: 2N+1 TCP sockets), then runs PROGRAM in the same netns and
// holds the sockets open until it exits; PROGRAM's stdout (RESULT lines) passes through.
// The holder is the only other process and is idle meanwhile (no data is sent).
//
// `nlkit` is nlkit's side: one SockDiag handle, three variants alternating dump by dump
// (the order rotates each repetition), each a fresh `await diag.inet({ family: 4, … })`
// that returns every socket decoded:
//   op=d1_tcp_dump_all   diag.inet({ family: 4 })                        (every extension, the default; `ss -tanei -m`)
//   op=d1_tcp_dump_info  diag.inet({ family: 4, extensions: ['info'] })  (tcp_info only)
//   op=d1_tcp_dump       diag.inet({ family: 4, extensions: [] })        (none: the cheapest dump; `ss -tan`)
// and then the same series again in the same, now warm, process (ops *_warm, information).
// The peers (bench/c/diag_mnl.c, bench/go/diag_netlink.go, bench/py/diag_pyroute2.py, and
// `ss` timed as a process by diag_mnl --exec) print the same ops where they have them.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { Rtnl } from '../src/rtnl/index.js';
import { SockDiag, type InetExtension, type InetSocket } from '../src/diag/index.js';
import { parseArgs, intOpt, cpuMs, maxRssKb, result, medianMin, msSince, assertNotHostNetns } from './common.js';

// ------------------------------------------------------------------ hold

/** Open `n` connections to a listener on 127.0.0.1, all accepted; resolves with everything to close. */
async function makeConnections(n: number): Promise<{ server: net.Server; sockets: net.Socket[] }> {
  const server = net.createServer({ pauseOnConnect: true });
  const accepted: net.Socket[] = [];
  let onAll: (() => void) | undefined;
  server.on('connection', (s) => {
    accepted.push(s);
    if (accepted.length === n) onAll?.();
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => res());
  });
  const { port } = server.address() as net.AddressInfo;
  const clients: net.Socket[] = [];
  // In batches, so the accept queue never overflows (a dropped SYN waits a second to retry).
  const BATCH = 128;
  for (let i = 0; i < n; i += BATCH) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      batch.push(new Promise<void>((res, rej) => {
        const c = net.connect({ host: '127.0.0.1', port }, () => res());
        c.once('error', rej);
        c.pause();
        clients.push(c);
      }));
    }
    await Promise.all(batch);
  }
  if (accepted.length < n) await new Promise<void>((res) => (onAll = res));
  return { server, sockets: [...clients, ...accepted] };
}

async function hold(nconn: number, argv: string[]): Promise<number> {
  if (argv.length === 0) throw new Error('diag hold: no program after --');
  assertNotHostNetns('diag bench');
  const rt = Rtnl.open();
  try {
    const links = await rt.link.list();
    if (links.length !== 1 || links[0]!.name !== 'lo') throw new Error(`diag bench: the namespace is not fresh (${links.length} links); refusing`);
    await rt.link.set('lo', { up: true });
  } finally {
    rt.close();
  }
  {
    using diag = SockDiag.open();
    const before = await diag.inet();
    if (before.length !== 0) throw new Error(`diag bench: the namespace already has ${before.length} TCP sockets; refusing`);
  }
  const { server, sockets } = await makeConnections(nconn);
  {
    using diag = SockDiag.open();
    const est = await diag.inet({ family: 4, states: ['established'], extensions: [] });
    if (est.length !== 2 * nconn) throw new Error(`diag bench: expected ${2 * nconn} established sockets, the kernel lists ${est.length}`);
  }
  try {
    return await new Promise<number>((res, rej) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('error', rej);
      child.once('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
    });
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

// ------------------------------------------------------------------ nlkit

interface Variant {
  op: string;
  extensions: readonly InetExtension[] | undefined;
  check: (s: InetSocket) => boolean;
}

const VARIANTS: readonly Variant[] = [
  { op: 'd1_tcp_dump_all', extensions: undefined, check: (s) => s.tcpInfo !== undefined && s.skMemInfo !== undefined },
  { op: 'd1_tcp_dump_info', extensions: ['info'], check: (s) => s.tcpInfo !== undefined },
  { op: 'd1_tcp_dump', extensions: [], check: (s) => s.tcpInfo === undefined },
];

/** One series: `reps` dumps of each variant, alternating (the order rotating each repetition). */
async function series(diag: SockDiag, reps: number, expect: number): Promise<{ times: number[][]; faults: number[]; cpu: { user: number; sys: number }[]; count: number }> {
  const times: number[][] = VARIANTS.map(() => []);
  const faults: number[] = VARIANTS.map(() => 0);
  const cpu = VARIANTS.map(() => ({ user: 0, sys: 0 }));
  let count = 0;
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < VARIANTS.length; k++) {
      const v = (r + k) % VARIANTS.length;
      const { op, extensions, check } = VARIANTS[v]!;
      const f0 = process.resourceUsage().minorPageFault;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const socks = await diag.inet(extensions === undefined ? { family: 4 } : { family: 4, extensions });
      times[v]!.push(msSince(t0));
      const c = cpuMs(c0);
      cpu[v]!.user += c.user;
      cpu[v]!.sys += c.sys;
      faults[v]! += process.resourceUsage().minorPageFault - f0;
      if (expect >= 0 && socks.length !== expect) throw new Error(`${op}: expected ${expect} sockets, got ${socks.length}`);
      const last = socks[socks.length - 1];
      if (last && (!check(last) || typeof last.inode !== 'number')) throw new Error(`${op}: the sockets are not decoded as asked`);
      count = socks.length;
    }
  }
  return { times, faults, cpu, count };
}

async function nlkit(reps: number, expect: number): Promise<void> {
  assertNotHostNetns('diag bench');
  using diag = SockDiag.open();
  // The timed series, from a fresh process (JIT warm-up and heap growth included, as the
  // peers' first dumps pay their own start); then, for information, the same again now
  // that the process is warm (ops *_warm): what a long-running agent sees.
  const cold = await series(diag, reps, expect);
  const rss = maxRssKb();
  const warm = await series(diag, reps, expect);
  for (const [s, suffix] of [[cold, ''], [warm, '_warm']] as const) {
    VARIANTS.forEach(({ op, extensions }, v) => {
      const { median, min } = medianMin(s.times[v]!);
      result('nlkit-diag', `${op}${suffix}`, s.count, median, median * 1000, { user: s.cpu[v]!.user / reps, sys: s.cpu[v]!.sys / reps }, {
        reps, min_ms: min, extensions: extensions === undefined ? 'all' : extensions.length ? extensions.join('+') : 'none', page_faults: s.faults[v]!, maxrss_kb: suffix ? maxRssKb() : rss,
      });
    });
  }
}

// ------------------------------------------------------------------ main

export async function main(argv: string[]): Promise<number> {
  const dd = argv.indexOf('--');
  const { opts, rest } = parseArgs(dd >= 0 ? argv.slice(0, dd) : argv);
  switch (rest[0]) {
    case 'hold':
      return hold(intOpt(opts, 'nconn', 1000), dd >= 0 ? argv.slice(dd + 1) : []);
    case 'nlkit':
      await nlkit(Math.max(1, intOpt(opts, 'reps', 20)), opts.has('expect') ? intOpt(opts, 'expect', 0) : -1);
      return 0;
    default:
      console.error('usage: diag.js hold [--nconn N] -- PROGRAM [ARG...] | diag.js nlkit [--reps R] [--expect M]');
      return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}
