// What the rt.qdisc / rt.class / tc-units tests share: the bytes `tc` sends (captured with
// strace in the test's netns), the same messages without the rate tables nlkit leaves
// out, and tc's printing rules for sizes and rates (its text is rounded: the tests say
// how, and compare numbers by those rules).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** What `tc ARGS` did in the netns: its exit status, stderr, and the netlink messages it sent (strace -e write). */
export function tcSends(nsPath: string, args: string[]): { status: number | null; stderr: string; sent: Buffer[] } {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-tc-'));
  try {
    const log = join(dir, 'strace.log');
    const r = spawnSync('nsenter', [`--net=${nsPath}`, 'strace', '-qq', '-o', log, '-e', 'trace=sendmsg', '-e', 'write=3,4,5,6', 'tc', ...args], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr.replace(/^.*strace.*$/gm, '').trim(), sent: dumps(readFileSync(log, 'utf8')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The buffers of strace's `-e write` hex dumps (" * N bytes in buffer 0" then " | 00000  64 04 … |" lines). */
function dumps(log: string): Buffer[] {
  const out: Buffer[] = [];
  let cur: number[] | undefined;
  let want = 0;
  for (const line of log.split('\n')) {
    const head = /^ \* (\d+) bytes in buffer \d+/.exec(line);
    if (head) {
      cur = [];
      want = Number(head[1]);
      out.push(Buffer.alloc(0));
      continue;
    }
    const row = /^ \| [0-9a-f]{5}  (.{48})/.exec(line);
    if (row && cur) {
      for (const h of row[1]!.match(/[0-9a-f]{2}/g) ?? []) cur.push(parseInt(h, 16));
      if (cur.length >= want) {
        out[out.length - 1] = Buffer.from(cur.slice(0, want));
        cur = undefined;
      }
    }
  }
  return out.filter((b) => b.length > 0);
}

/** The attributes in `[off, end)` of `b`: type (flags cleared), header offset, total length. */
export function attrs(b: Buffer, off: number, end: number): Array<{ type: number; off: number; len: number }> {
  const out: Array<{ type: number; off: number; len: number }> = [];
  for (let p = off; end - p >= 4;) {
    const len = HOST_LE ? b.readUInt16LE(p) : b.readUInt16BE(p);
    const type = (HOST_LE ? b.readUInt16LE(p + 2) : b.readUInt16BE(p + 2)) & 0x3fff;
    if (len < 4 || p + len > end) break;
    out.push({ type, off: p, len });
    p += (len + 3) & ~3;
  }
  return out;
}

const TCMSG = 20;
const TCA_OPTIONS = 2;

/**
 * The message `msg` (one nlmsghdr + tcmsg + TCA_*) with the attributes of `drop` types
 * left out of TCA_OPTIONS (tc's rate tables, which nlkit does not send), lengths fixed.
 */
export function withoutOptions(msg: Buffer, drop: readonly number[]): Buffer {
  const parts: Buffer[] = [Buffer.from(msg.subarray(0, 16 + TCMSG))];
  for (const a of attrs(msg, 16 + TCMSG, msg.length)) {
    if (a.type !== TCA_OPTIONS) {
      parts.push(padded(msg.subarray(a.off, a.off + a.len)));
      continue;
    }
    const inner = attrs(msg, a.off + 4, a.off + a.len);
    const nested = inner.length > 0 && inner.reduce((n, x) => n + ((x.len + 3) & ~3), 0) === ((a.len - 4 + 3) & ~3);
    if (!nested) {
      parts.push(padded(msg.subarray(a.off, a.off + a.len))); // a struct, not attributes (fifo)
      continue;
    }
    const kept = inner.filter((x) => !drop.includes(x.type)).map((x) => padded(msg.subarray(x.off, x.off + x.len)));
    const head = Buffer.from(msg.subarray(a.off, a.off + 4));
    const body = Buffer.concat(kept);
    writeU16(head, 0, 4 + body.length);
    parts.push(head, body);
  }
  const out = Buffer.concat(parts);
  out.writeUInt32LE(out.length, 0);
  if (!HOST_LE) out.writeUInt32BE(out.length, 0);
  return out;
}

function padded(b: Buffer): Buffer {
  const n = (b.length + 3) & ~3;
  return n === b.length ? Buffer.from(b) : Buffer.concat([b, Buffer.alloc(n - b.length)]);
}

function writeU16(b: Buffer, off: number, v: number): void {
  if (HOST_LE) b.writeUInt16LE(v, off);
  else b.writeUInt16BE(v, off);
}

/** A message as the tests compare two: type, flags and everything after the header (not the length, sequence or port id). */
export function comparable(msg: Buffer): string {
  return `${msg.subarray(4, 8).toString('hex')} ${msg.subarray(16).toString('hex')}`;
}

/** The payload of the first attribute of `type` inside TCA_OPTIONS of `msg`. */
export function optionAttr(msg: Buffer, type: number): Buffer | undefined {
  const o = attrs(msg, 16 + TCMSG, msg.length).find((a) => a.type === TCA_OPTIONS);
  if (!o) return undefined;
  const a = attrs(msg, o.off + 4, o.off + o.len).find((x) => x.type === type);
  return a ? msg.subarray(a.off + 4, a.off + a.len) : undefined;
}

/**
 * tc's print_size: "NMb" when within 1023 bytes of a whole MiB (and at least one), "NKb"
 * when within 15 bytes of a whole KiB (and at least one), else "Nb". A size tc printed
 * matches a number when the number prints so.
 */
export function tcSizeText(sz: number): string {
  if (sz >= 1024 * 1024 && Math.abs(1024 * 1024 * Math.round(sz / (1024 * 1024)) - sz) < 1024) return `${Math.round(sz / (1024 * 1024))}Mb`;
  if (sz >= 1024 && Math.abs(1024 * Math.round(sz / 1024) - sz) < 16) return `${Math.round(sz / 1024)}Kb`;
  return `${sz}b`;
}

/** The number a size text of tc stands for ("4Kb" → 4096, "1600b" → 1600), and the rounding it may hide (±15 for Kb, ±1023 for Mb). */
export function tcSizeValue(text: string): { value: number; slack: number } {
  const m = /^(\d+)(Mb|Kb|b)(?:\/\d+)?$/.exec(text);
  if (!m) throw new Error(`not a tc size: ${text}`);
  const n = Number(m[1]);
  return m[2] === 'Mb' ? { value: n * 1024 * 1024, slack: 1023 } : m[2] === 'Kb' ? { value: n * 1024, slack: 15 } : { value: n, slack: 0 };
}

/**
 * tc's print_rate (SI): the rate in bits per second, divided by 1000 while it is at least
 * 1000 and either divides evenly or is at least 1000000 (integer division: the text
 * rounds down), then "bit", "Kbit", "Mbit", "Gbit" or "Tbit".
 */
export function tcRateText(bytesPerSec: number): string {
  let rate = BigInt(bytesPerSec) * 8n;
  const units = ['', 'K', 'M', 'G', 'T'];
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (rate < 1000n) break;
    if (rate % 1000n !== 0n && rate < 1000n * 1000n) break;
    rate /= 1000n;
  }
  return `${rate}${units[i]}bit`;
}

/** One class as `tc -s -d class show` prints it (iproute2 6.1 prints classes as text, also with -j). */
export interface TcClassText {
  kind: string;
  id: string;
  parent: string;
  leaf?: string;
  fields: Record<string, string>;
  stats: { bytes: number; packets: number; drops: number; overlimits: number; requeues: number; backlog: number; qlen: number };
  xstats: Record<string, number>;
}

/** Parse `tc -s -d class show dev DEV`'s text, class by class. */
export function parseTcClasses(text: string): TcClassText[] {
  const out: TcClassText[] = [];
  for (const block of text.split(/\n(?=class )/)) {
    const lines = block.split('\n');
    const head = /^class (\S+) (\S+) (?:root|parent (\S+)) (?:leaf (\S+) )?(.*)$/.exec(lines[0]!.trim() + ' ');
    if (!head) continue;
    const words = head[5]!.trim().split(/\s+/);
    const fields: Record<string, string> = {};
    // "mpu" follows both burst and cburst: keep the first as mpu and the second as cmpu.
    for (let i = 0; i + 1 < words.length; i += 2) {
      const k = words[i]!;
      fields[k in fields && k === 'mpu' ? 'cmpu' : k] = words[i + 1]!;
    }
    const rest = lines.slice(1).join('\n');
    const sent = /Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+) requeues (\d+)\)/.exec(rest);
    const backlog = /backlog (\d+)b (\d+)p/.exec(rest);
    const xstats: Record<string, number> = {};
    for (const m of rest.matchAll(/(\w+): (-?\d+)/g)) xstats[m[1]!] = Number(m[2]);
    out.push({
      kind: head[1]!, id: head[2]!, parent: head[3] ?? 'root', ...(head[4] ? { leaf: head[4] } : {}), fields,
      stats: {
        bytes: Number(sent?.[1] ?? NaN), packets: Number(sent?.[2] ?? NaN), drops: Number(sent?.[3] ?? NaN), overlimits: Number(sent?.[4] ?? NaN),
        requeues: Number(sent?.[5] ?? NaN), backlog: Number(backlog?.[1] ?? NaN), qlen: Number(backlog?.[2] ?? NaN),
      },
      xstats,
    });
  }
  return out;
}
