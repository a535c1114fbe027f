// Shared helpers of the benchmark programs (bench/nlkit.ts, bench/npm-netlink.ts):
// options, the RESULT line format of ../shared/peers, CPU time, and the netns safety checks.
import { readlinkSync } from 'node:fs';
import v8 from 'node:v8';

/** `--key value` / `--key=value` / `--flag` → map (values as strings; flags as 'true'). */
export function parseArgs(argv: readonly string[]): { opts: Map<string, string>; rest: string[] } {
  const opts = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) opts.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) opts.set(a.slice(2), argv[++i]!);
    else opts.set(a.slice(2), 'true');
  }
  return { opts, rest };
}

/** A positive integer option, or the default. */
export function intOpt(opts: Map<string, string>, key: string, def: number): number {
  const v = opts.get(key);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${key}: expected a non-negative integer, got ${v}`);
  return n;
}

/** Milliseconds of user and system CPU since `since` (process.cpuUsage). */
export function cpuMs(since: NodeJS.CpuUsage): { user: number; sys: number } {
  const d = process.cpuUsage(since);
  return { user: d.user / 1000, sys: d.system / 1000 };
}

/**
 * V8's heap memory in use by pages, KiB: the young generation (new_space and its large
 * objects) and the rest. V8 counts a page's memory up to the highest byte it has used
 * (physical_space_size), so growth between two readings is heap memory touched for the
 * first time: on this VM each 4 KiB of it is a page fault (see the report's first line).
 * Only a lower bound of it: a full GC that releases pages in between, or freed large
 * objects, make the difference smaller (or negative).
 */
export function heapPhysicalKib(): { young: number; other: number } {
  let young = 0;
  let other = 0;
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') young += s.physical_space_size;
    else other += s.physical_space_size;
  }
  return { young: Math.round(young / 1024), other: Math.round(other / 1024) };
}

/** Growth of {@link heapPhysicalKib} from `a` to `b`, KiB, as RESULT fields. */
export function heapGrowth(a: { young: number; other: number }, b: { young: number; other: number }): { heap_young_growth_kib: number; heap_other_growth_kib: number } {
  return { heap_young_growth_kib: b.young - a.young, heap_other_growth_kib: b.other - a.other };
}

/** Peak RSS of this process in KiB. */
export function maxRssKb(): number {
  return process.resourceUsage().maxRSS;
}

/**
 * Print one RESULT line in the format of ../shared/peers:
 * `RESULT impl=… op=… n=… total_ms=… per_op_us=… user_ms=… sys_ms=… [k=v…]`.
 */
export function result(impl: string, op: string, n: number, totalMs: number, perOpUs: number, cpu: { user: number; sys: number }, extra: Record<string, string | number> = {}): void {
  const kv = Object.entries(extra).map(([k, v]) => ` ${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v}`).join('');
  process.stdout.write(`RESULT impl=${impl} op=${op} n=${n} total_ms=${totalMs.toFixed(3)} per_op_us=${perOpUs.toFixed(3)} user_ms=${cpu.user.toFixed(1)} sys_ms=${cpu.sys.toFixed(1)}${kv}\n`);
}

/** Median and minimum of `xs` (not modified). */
export function medianMin(xs: readonly number[]): { median: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  return { median, min: s[0]! };
}

/** Milliseconds since `t0` (process.hrtime.bigint()). */
export function msSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Refuse to run in the host network namespace: the orchestrator records it in
 * PBENCH_HOST_NETNS (as ../shared/peers/run.sh does) before `unshare -n`.
 */
export function assertNotHostNetns(who: string): void {
  const host = process.env['PBENCH_HOST_NETNS'];
  const cur = readlinkSync('/proc/thread-self/ns/net');
  if (!host) throw new Error(`${who}: PBENCH_HOST_NETNS is not set; run through \`npm run bench\` (every run is in a fresh \`unshare -n\` netns)`);
  if (cur === host) throw new Error(`${who}: refusing to run in the host network namespace; use unshare -n`);
}

/** Hand-built netlink bytes (no nlkit code), for peers and diagnostics: one TLV. */
export function tlv(type: number, value: Buffer): Buffer {
  const len = 4 + value.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  value.copy(b, 4);
  return b;
}

/** A NUL-terminated string payload. */
export const strz = (x: string): Buffer => Buffer.from(`${x}\0`, 'latin1');

/** A host-order (little-endian here) u32 payload. */
export function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}
