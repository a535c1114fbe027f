// Diagnostic (not part of `npm run bench`): where nlkit's W1 gap to the Node floor comes
// from. Each mode is its own program in its own fresh `unshare -n` netns; modes are
// interleaved over rounds; each creates N veth pairs one at a time (peer born in a second
// netns, host end up: W1) and reports µs per pair; the raw modes also the time spent
// inside the send + recv calls, i.e. in the kernel; every mode the voluntary context
// switches per pair (times the process slept: a create that waits in the kernel).
//   fresh    rt.link.add in a new process (the W1 row of `npm run bench`)
//   fresh1q  the same with numTxQueues: 1, numRxQueues: 1 on both ends
//   warm     the same as fresh after 300 untimed creates (deleted again) and a 1.5 s pause:
//            V8 has optimised nlkit's path, finished compiling and grown its heap
//   sock     nlkit's socket layer alone: rt.sock.request with the request body prebuilt
//   encode   rt.sock.request with the body encoded per request by MessageWriter calls, as
//            rt.link.add encodes it, but without rt.link.add's checks of the spec
//   raw      C seq's request bytes sent with koffi send + recv (bench/raw-koffi.ts's loop)
//   raw1q    raw with one TX and one RX queue on both ends (IFLA_NUM_TX/RX_QUEUES 1)
//   rawwarm  raw after the same 300 creates, group delete and pause as warm, so that the
//            kernel state (ifindexes used, devices freed) matches warm's
//   rawjs    raw, with 300 small generated JS functions called between two requests
//   rawjs1q  rawjs with one queue per end
//   rawbusy  raw while another process spins (on a 2-CPU machine: the other CPU busy)
//   rawawait raw with one `await` per request (as a caller of an async API)
//   rawspin5, rawspin20  raw with the main thread spinning 5 / 20 µs between requests
//            on process.hrtime.bigint() (its small readings the only allocation, no new
//            code, nothing on other threads): how the time between two creates alone
//            changes what each create costs
//
// What it shows: with the kernel's default queues (one per CPU), each veth create sleeps
// twice inside sendto, in synchronize_rcu_expedited() (veth_newlink → veth_init_queues →
// netif_set_real_num_tx_queues, which drops the device's real TX queues to one under
// RTNL; stack from `perf record -e sched:sched_switch -g`). How long that grace period
// takes depends on what the other CPUs are doing, not on the request: a spinning process
// (rawbusy), or the JIT compiler and GC threads of a process running more JS (rawjs, and
// a fresh nlkit process), make the same request bytes spend longer in the kernel. With one
// queue per end there is no such wait (0 sleeps per pair), the create is about twice as
// fast, and the JS run between requests costs the kernel far less (rawjs1q vs rawjs).
//
//   npm run build && node dist/bench/warmup.js [--n 1000] [--rounds 3] [--modes a,b] [--node-args='--flag …'] [--gaps | --sched]   (as root)
//   --gaps: run each child under `perf record` of its system calls (raw_syscalls tracepoints;
//   needs perf; x86_64 system call numbers) and report, per mode, the time between two
//   creates: from the return of the recvfrom that read an ACK to the entry of the next
//   sendto, on the main thread, median over the timed loop's requests (and over its first
//   and last tenths, to show the warm-up). That is what the process does between requests
//   — the Node floor's loop, or nlkit's checks, encoding and reply handling — measured in
//   the real workload, apart from the create's own time in the kernel. It is wall time:
//   besides JavaScript it holds page faults, preemption and any other system call (mprotect
//   of JIT code, madvise, futex), whose time is also reported on its own. Tracing slows
//   every system call: µs per pair are then not comparable with an untraced run.
//   --sched: run each child under `perf sched record` instead and report, per mode, how the
//   kernel thread that drives expedited RCU grace periods (rcu_exp_gp_kthread_worker) ran,
//   from `perf sched timehist`: the median scheduling delay (wake-up to running), the
//   median run time (on the CPU until it switched out; in a VM that includes any time the
//   host did not run the vCPU), its run time per pair, and its runs per pair. Needs perf;
//   not with --gaps.
//   --node-args: V8/Node flags for the children; a mode may be given twice as MODE@ARGS to
//   run it with and without them in the same rounds (e.g. --modes fresh,fresh@ --node-args=--single-threaded
//   runs fresh plain and fresh with the flags).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as sys from '../src/netlink/sys.js';
import { Rtnl } from '../src/rtnl/index.js';
import { putIfinfomsg } from '../src/rtnl/link/api.js';
import { parseArgs, intOpt, medianMin, assertNotHostNetns, tlv, u32le } from './common.js';
import { nlmsg, ifinfomsg, w1CreateBody, secondNetns } from './raw.js';

const ALL_MODES = ['fresh', 'fresh1q', 'warm', 'sock', 'encode', 'raw', 'raw1q', 'rawwarm', 'rawjs', 'rawjs1q', 'rawbusy', 'rawawait', 'rawspin5', 'rawspin20', 'rawnl', 'rawopts'] as const;
type Mode = (typeof ALL_MODES)[number];
const WARM_GROUP = 74;

const CREATE_FLAGS = 0x1 | 0x4 | 0x400 | 0x200; // REQUEST | ACK | CREATE | EXCL

/** 300 distinct small functions and their objects: JS code run between two requests in mode rawjs. */
function jsWork(): () => number {
  const fns: ((o: Record<string, number>) => number)[] = [];
  const objs: Record<string, number>[] = [];
  for (let k = 0; k < 300; k++) {
    fns.push(new Function('o', `let s = 0; for (const key in o) s += (o[key] * ${k + 1}) ^ ${k}; o.x${k} = s; return s + ${k};`) as (o: Record<string, number>) => number);
    const o: Record<string, number> = {};
    for (let j = 0; j < 6; j++) o[`p${(k * 7 + j) % 50}`] = j;
    objs.push(o);
  }
  return () => {
    let s = 0;
    for (let k = 0; k < fns.length; k++) s += fns[k]!(objs[k]!);
    return s;
  };
}

/** One child: N creates in `mode`. */
interface ChildResult {
  us: number;
  /** Raw modes: µs per pair inside send + recv. */
  kernelUs?: number;
  /** Voluntary context switches of the process per pair, during the timed loop. */
  sleeps: number;
  /** Minor page faults of the process per pair, during the timed loop (~13 µs each on this VM). */
  faults: number;
}

async function child(mode: Mode, n: number): Promise<ChildResult> {
  assertNotHostNetns('warmup diagnostic');
  const ns2 = secondNetns();
  try {
    if (mode.startsWith('raw')) {
      // rawnl: the same loop over the socket of an open Rtnl handle (nlkit's socket options
      // and bind), the handle left idle; rawopts: a raw socket with nlkit's default options.
      const nlHandle = mode === 'rawnl' ? Rtnl.open() : undefined;
      const fd = nlHandle ? nlHandle.sock.fd : sys.socket(16 /* AF_NETLINK */, 3 /* SOCK_RAW */ | 0x80000 /* SOCK_CLOEXEC */, 0 /* NETLINK_ROUTE */);
      if (mode === 'rawopts') {
        sys.setsockoptInt(fd, 270 /* SOL_NETLINK */, 11 /* NETLINK_EXT_ACK */, 1, 'ext ack');
        sys.setsockoptInt(fd, 270 /* SOL_NETLINK */, 10 /* NETLINK_CAP_ACK */, 1, 'cap ack');
      }
      const sa = Buffer.alloc(12);
      sa.writeUInt16LE(16, 0);
      if (!nlHandle) sys.bind(fd, sa);
      const rbuf = Buffer.allocUnsafeSlow(65536);
      let inKernel = 0n;
      const exchange = (req: Buffer): void => {
        const t = process.hrtime.bigint();
        sys.send(fd, req, req.length, 0);
        sys.recv(fd, rbuf, 0x40 /* MSG_DONTWAIT */);
        inKernel += process.hrtime.bigint() - t;
        if (rbuf.readInt32LE(16) !== 0) throw new Error(`raw request refused: errno ${-rbuf.readInt32LE(16)}`);
      };
      if (mode === 'rawwarm') {
        for (let i = 0; i < 300; i++) exchange(nlmsg(16 /* RTM_NEWLINK */, CREATE_FLAGS, 10_000 + i, w1CreateBody(`w${i}`, `v${i}`, ns2, WARM_GROUP)));
        exchange(nlmsg(17 /* RTM_DELLINK */, 0x1 | 0x4, 20_000, Buffer.concat([ifinfomsg(0), tlv(27, u32le(WARM_GROUP))])));
        await new Promise((r) => setTimeout(r, 1500));
      }
      const queues = mode === 'raw1q' || mode === 'rawjs1q' ? 1 : undefined;
      const reqs = Array.from({ length: n }, (_, i) => nlmsg(16, CREATE_FLAGS, i + 1, w1CreateBody(`a${i}`, `b${i}`, ns2, undefined, queues)));
      const work = mode === 'rawjs' || mode === 'rawjs1q' ? jsWork() : undefined;
      // rawspin5/20: the main thread spins that many µs between requests (only the clock's
      // bigint readings allocated, no new code, nothing on other threads); rawawait: one await per request, as a
      // caller of an async API does.
      const spinNs = mode === 'rawspin5' ? 5000 : mode === 'rawspin20' ? 20_000 : 0;
      const awaitEach = mode === 'rawawait';
      // rawbusy: a process that spins for the whole timed loop (killed right after).
      const spinner = mode === 'rawbusy' ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : undefined;
      try {
        if (spinner) await new Promise((r) => setTimeout(r, 300)); // let it start spinning
        let sink = 0;
        inKernel = 0n;
        const cs0 = process.resourceUsage().voluntaryContextSwitches;
        const pf0 = process.resourceUsage().minorPageFault;
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) {
          if (work) sink += work();
          if (spinNs) {
            const until = process.hrtime.bigint() + BigInt(spinNs);
            while (process.hrtime.bigint() < until);
          }
          exchange(reqs[i]!);
          if (awaitEach) await undefined;
        }
        const us = Number(process.hrtime.bigint() - t0) / 1e3 / n;
        const ru = process.resourceUsage();
        const sleeps = (ru.voluntaryContextSwitches - cs0) / n;
        if (sink === 0.5) console.error('unreachable');
        return { us, kernelUs: Number(inKernel) / 1e3 / n, sleeps, faults: (ru.minorPageFault - pf0) / n };
      } finally {
        spinner?.kill('SIGKILL');
        if (nlHandle) nlHandle.close();
        else sys.close(fd);
      }
    }
    const rt = Rtnl.open();
    try {
      if (mode === 'warm') {
        for (let i = 0; i < 300; i++) await rt.link.add({ name: `w${i}`, kind: 'veth', up: true, group: WARM_GROUP, peer: { name: `v${i}`, netns: ns2 } });
        await rt.link.del({ group: WARM_GROUP });
        await new Promise((r) => setTimeout(r, 1500));
      }
      const bodies = mode === 'sock' ? Array.from({ length: n }, (_, i) => w1CreateBody(`a${i}`, `b${i}`, ns2)) : [];
      const cs0 = process.resourceUsage().voluntaryContextSwitches;
      const pf0 = process.resourceUsage().minorPageFault;
      const t0 = process.hrtime.bigint();
      if (mode === 'sock') {
        for (let i = 0; i < n; i++) {
          const b = bodies[i]!;
          await rt.sock.request(16, 0x400 | 0x200, (w) => {
            const o = w.reserve(b.length);
            b.copy(w.buf, o);
          });
        }
      } else if (mode === 'encode') {
        for (let i = 0; i < n; i++) {
          const spec = { name: `a${i}`, kind: 'veth', up: true, peer: { name: `b${i}`, netns: ns2 } };
          await rt.sock.request(16, 0x400 | 0x200, (w) => {
            putIfinfomsg(w, 0, spec.up ? 1 : 0, spec.up ? 1 : 0);
            w.putStrz(3 /* IFLA_IFNAME */, spec.name);
            const li = w.nestStart(18 /* IFLA_LINKINFO */);
            w.putStrz(1 /* IFLA_INFO_KIND */, spec.kind);
            const d = w.nestStart(2 /* IFLA_INFO_DATA */);
            const pe = w.nestStart(1 /* VETH_INFO_PEER */, false);
            putIfinfomsg(w, 0, 0, 0);
            w.putStrz(3, spec.peer.name);
            w.putU32(28 /* IFLA_NET_NS_FD */, spec.peer.netns);
            w.nestEnd(pe);
            w.nestEnd(d);
            w.nestEnd(li);
          }, undefined, { subject: spec.name });
        }
      } else if (mode === 'fresh1q') {
        for (let i = 0; i < n; i++) await rt.link.add({ name: `a${i}`, kind: 'veth', up: true, numTxQueues: 1, numRxQueues: 1, peer: { name: `b${i}`, netns: ns2, numTxQueues: 1, numRxQueues: 1 } });
      } else {
        for (let i = 0; i < n; i++) await rt.link.add({ name: `a${i}`, kind: 'veth', up: true, peer: { name: `b${i}`, netns: ns2 } });
      }
      const us = Number(process.hrtime.bigint() - t0) / 1e3 / n;
      const ru = process.resourceUsage();
      return { us, sleeps: (ru.voluntaryContextSwitches - cs0) / n, faults: (ru.minorPageFault - pf0) / n };
    } finally {
      rt.close();
    }
  } finally {
    sys.close(ns2);
  }
}

const NR_SENDTO = 44, NR_RECVFROM = 45; // x86_64 (arch/x86/entry/syscalls/syscall_64.tbl)

/**
 * The gaps of a traced child (`--gaps`): for its main thread (the one that made most
 * sendto calls), µs from each recvfrom's return to the next sendto's entry, and µs of
 * that spent inside other system calls; the last `count` of them (the timed loop's, after
 * any warm-up requests).
 */
function userGaps(perfData: string, count: number): { gap: number; inOther: number }[] {
  const p = spawnSync('perf', ['script', '-i', perfData, '--ns', '-F', 'tid,time,event,trace'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (p.status !== 0) throw new Error(`perf script: ${p.stderr.trim()}`);
  const re = /^\s*(\d+)\s+(\d+)\.(\d+):\s+raw_syscalls:sys_(enter|exit):\s+NR (\d+)/;
  const events: { tid: number; ns: bigint; enter: boolean; nr: number }[] = [];
  const sends = new Map<number, number>();
  for (const line of p.stdout.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const ev = { tid: Number(m[1]), ns: BigInt(m[2]!) * 1_000_000_000n + BigInt(m[3]!.padEnd(9, '0')), enter: m[4] === 'enter', nr: Number(m[5]) };
    events.push(ev);
    if (ev.enter && ev.nr === NR_SENDTO) sends.set(ev.tid, (sends.get(ev.tid) ?? 0) + 1);
  }
  const main = [...sends.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (main === undefined) throw new Error(`perf script: no sendto in ${perfData}`);
  const gaps: { gap: number; inOther: number }[] = [];
  let lastRecv: bigint | undefined;
  let other = 0n;
  let enteredOther: bigint | undefined;
  for (const ev of events) {
    if (ev.tid !== main) continue;
    if (!ev.enter && ev.nr === NR_RECVFROM) {
      lastRecv = ev.ns;
      other = 0n;
    } else if (ev.enter && ev.nr === NR_SENDTO) {
      if (lastRecv !== undefined) gaps.push({ gap: Number(ev.ns - lastRecv) / 1e3, inOther: Number(other) / 1e3 });
      lastRecv = undefined;
    } else if (ev.enter) enteredOther = ev.ns;
    else if (enteredOther !== undefined) {
      other += ev.ns - enteredOther;
      enteredOther = undefined;
    }
  }
  if (gaps.length < count) throw new Error(`perf script: ${gaps.length} gaps, expected at least ${count}`);
  return gaps.slice(-count);
}

/**
 * `--sched`: each run of the expedited-RCU grace-period kernel thread in a `perf sched
 * record` file, from `perf sched timehist`: its scheduling delay (from wake-up to
 * running) and its run time (on the CPU until it switched out), ms.
 */
function rcuExpRuns(perfData: string): { delay: number; run: number }[] {
  const p = spawnSync('perf', ['sched', 'timehist', '-i', perfData], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (p.status !== 0) throw new Error(`perf sched timehist: ${p.stderr.trim()}`);
  // time [cpu] task[tid] wait-time sch-delay run-time
  const re = /^\s*[\d.]+\s+\[\d+\]\s+rcu_exp_gp_kthr\S*\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/;
  const out: { delay: number; run: number }[] = [];
  for (const line of p.stdout.split('\n')) {
    const m = re.exec(line);
    if (m) out.push({ delay: Number(m[2]), run: Number(m[3]) });
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const { opts, rest } = parseArgs(argv);
  const n = intOpt(opts, 'n', 1000);
  if (rest[0] === 'child') {
    console.log(JSON.stringify(await child(rest[1] as Mode, n)));
    return;
  }
  const rounds = intOpt(opts, 'rounds', 3);
  // A mode written MODE@ runs with --node-args; plain MODE without them.
  const modes = (opts.get('modes') ?? ALL_MODES.join(',')).split(',');
  const nodeArgs = (opts.get('node-args') ?? '').split(' ').filter((x) => x !== '');
  for (const m of modes) if (!ALL_MODES.includes(m.replace(/@$/, '') as Mode)) throw new Error(`unknown mode ${m} (${ALL_MODES.join(', ')}, each optionally with @)`);
  const env = { ...process.env, PBENCH_HOST_NETNS: readlinkSync('/proc/self/ns/net') };
  const self = fileURLToPath(import.meta.url);
  const gapsOn = opts.has('gaps') && opts.get('gaps') !== 'false';
  if (gapsOn && n < 20) throw new Error('--gaps needs --n 20 or more');
  if (gapsOn && process.arch !== 'x64') throw new Error(`--gaps reads x86_64 system call numbers (sendto ${NR_SENDTO}, recvfrom ${NR_RECVFROM}); this is ${process.arch}`);
  if (gapsOn && spawnSync('perf', ['--version']).status !== 0) throw new Error('--gaps needs perf (Debian: apt-get install linux-perf)');
  const schedOn = opts.has('sched') && opts.get('sched') !== 'false';
  if (schedOn && gapsOn) throw new Error('--sched and --gaps trace differently: give one of them');
  if (schedOn && spawnSync('perf', ['--version']).status !== 0) throw new Error('--sched needs perf (Debian: apt-get install linux-perf)');
  const tmp = gapsOn || schedOn ? mkdtempSync(join(tmpdir(), 'nlkit-gaps-')) : '';
  const got = new Map<string, { us: number[]; kernelUs: number[]; sleeps: number[]; faults: number[]; gap: number[]; gapFirst: number[]; gapLast: number[]; inOther: number[]; delay: number[]; run: number[]; runPerPair: number[]; wakeups: number[] }>(
    modes.map((m) => [m, { us: [], kernelUs: [], sleeps: [], faults: [], gap: [], gapFirst: [], gapLast: [], inOther: [], delay: [], run: [], runPerPair: [], wakeups: [] }]));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of modes) {
        const flags = mode.endsWith('@') ? nodeArgs : [];
        const perfData = join(tmp, 'perf.data');
        const tracer = gapsOn ? ['perf', 'record', '-o', perfData, '-e', 'raw_syscalls:sys_enter', '-e', 'raw_syscalls:sys_exit', '--']
          : schedOn ? ['perf', 'sched', 'record', '-o', perfData, '--'] : [];
        const p = spawnSync('unshare', ['-n', '--', ...tracer, process.execPath, ...flags, self, 'child', mode.replace(/@$/, ''), '--n', String(n)], { env, encoding: 'utf8' });
        if (p.status !== 0) throw new Error(`${mode}: ${p.stderr.trim()}`);
        // A lost event would merge two gaps into one or drop one: refuse the run.
        if ((gapsOn || schedOn) && /\blost\b/i.test(p.stderr)) throw new Error(`${mode}: perf lost events: ${p.stderr.trim()}`);
        const res = JSON.parse(p.stdout.trim().split('\n').pop()!) as ChildResult;
        const g = got.get(mode)!;
        g.us.push(res.us);
        g.sleeps.push(res.sleeps);
        g.faults.push(res.faults);
        if (res.kernelUs !== undefined) g.kernelUs.push(res.kernelUs);
        if (gapsOn) {
          // The timed loop's n creates have n - 1 gaps between them.
          const gaps = userGaps(perfData, n - 1);
          const us = gaps.map((x) => x.gap);
          const tenth = Math.floor(us.length / 10);
          g.gap.push(medianMin(us).median);
          g.gapFirst.push(medianMin(us.slice(0, tenth)).median);
          g.gapLast.push(medianMin(us.slice(-tenth)).median);
          g.inOther.push(gaps.reduce((s, x) => s + x.inOther, 0) / gaps.length);
          rmSync(perfData, { force: true });
        }
        if (schedOn) {
          // The whole child's wake-ups (its set-up and warm-up too: a few percent of them).
          const d = rcuExpRuns(perfData);
          if (d.length === 0) throw new Error(`${mode}: no rcu_exp_gp_kthread_worker run in the trace`);
          g.delay.push(medianMin(d.map((x) => x.delay)).median);
          g.run.push(medianMin(d.map((x) => x.run)).median);
          g.runPerPair.push((d.reduce((a, x) => a + x.run, 0) * 1000) / n);
          g.wakeups.push(d.length / n);
          rmSync(perfData, { force: true });
        }
        spawnSync('sleep', ['2']);
      }
      console.error(`round ${r + 1}/${rounds}: ${modes.map((m) => `${m} ${got.get(m)!.us[r]!.toFixed(1)}${gapsOn ? ` (gap ${got.get(m)!.gap[r]!.toFixed(1)})` : ''}${schedOn ? ` (RCU thread: delay ${got.get(m)!.delay[r]!.toFixed(3)} ms, run ${got.get(m)!.run[r]!.toFixed(3)} ms)` : ''}`).join(', ')} µs per pair`);
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`W1, ${n} pairs: µs per pair${gapsOn ? ' (under perf tracing: slower than untraced)' : ''}, median of ${rounds} fresh-netns runs; for raw modes, in brackets: of which inside send + recv; and the process's voluntary context switches and minor page faults per pair${gapsOn ? '; and the gap between two creates, µs (main thread, from the recvfrom that read the ACK returning to the next sendto entering), median over the timed requests, then over their first and their last tenth; and the mean µs per gap spent inside other system calls' : ''}${schedOn ? ' (under perf sched record); and the expedited-RCU grace-period kernel thread (rcu_exp_gp_kthread_worker), from perf sched timehist: the median of its scheduling delays (wake-up to running) and of its run times (on the CPU until it switches out), ms, each the median over the runs of each run\'s median; its run time per pair, µs; and its runs per pair (the whole child: set-up and warm-up included)' : ''}:`);
  for (const m of modes) {
    const g = got.get(m)!;
    const k = g.kernelUs.length ? ` [${medianMin(g.kernelUs).median.toFixed(1)}]` : '';
    const label = m.endsWith('@') ? `${m.slice(0, -1)} ${nodeArgs.join(' ')}` : m;
    const gap = gapsOn ? `   gap ${medianMin(g.gap).median.toFixed(1)} (first tenth ${medianMin(g.gapFirst).median.toFixed(1)}, last tenth ${medianMin(g.gapLast).median.toFixed(1)}; in other system calls ${medianMin(g.inOther).median.toFixed(2)})` : '';
    const list = (xs: number[]): string => xs.map((x) => x.toFixed(3)).join(', ');
    const sched = schedOn ? `   RCU thread: delay ${medianMin(g.delay).median.toFixed(3)} ms (${list(g.delay)}), run ${medianMin(g.run).median.toFixed(3)} ms (${list(g.run)}), ${medianMin(g.runPerPair).median.toFixed(1)} µs run per pair, ${medianMin(g.wakeups).median.toFixed(2)} runs per pair` : '';
    console.log(`  ${label.padEnd(8)} ${(medianMin(g.us).median.toFixed(1) + k).padEnd(16)} ${medianMin(g.sleeps).median.toFixed(2)} sleeps  ${medianMin(g.faults).median.toFixed(2)} faults${gap}${sched}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
