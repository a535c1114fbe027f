/**
 * The inet_diag filter language (INET_DIAG_REQ_BYTECODE): conditions on ports,
 * addresses, device, mark and cgroup that the kernel tests each socket against while it
 * dumps, so sockets that do not match are never copied out. `ss` compiles its filter
 * expressions (`sport = :80`, `dst 10.0.0.0/8`) to the same bytecode.
 *
 * A program is a list of ops ({code, yes, no}, each maybe followed by its operand);
 * after an op the kernel moves `yes` bytes on when the condition holds and `no` bytes
 * when it does not. The program accepts a socket when it steps exactly to its end, and
 * rejects it when it jumps past the end. Every condition here is ANDed: `yes` goes to
 * the next condition, `no` to 4 bytes past the end (the largest jump the kernel's audit
 * allows, inet_diag_bc_audit).
 * @module
 */
import { HOST_LE, InvalidArgumentError, showValue } from '../netlink/index.js';
import { parsePrefix } from '../rtnl/ip.js';
import * as D from './constants.js';

/** A port, or an inclusive range of them (either bound may be left out). */
export type PortMatch = number | { readonly min?: number | undefined; readonly max?: number | undefined };

/** Conditions every socket {@link SockDiag.inet} returns meets (all of them: AND). */
export interface InetSocketFilter {
  /** The local port, or a range. `ss 'sport = :80'`, `ss 'sport >= :1024'`. */
  readonly localPort?: PortMatch | undefined;
  /** The remote port, or a range. `ss 'dport = :443'`. */
  readonly remotePort?: PortMatch | undefined;
  /**
   * The local address or prefix ('10.0.0.0/8', '::1'); an IPv4 prefix also matches
   * IPv4-mapped IPv6 sockets, an IPv6 one only IPv6 sockets (so only IPv6 is dumped;
   * with `family: 4` it is refused, as `ss -4` refuses it).
   * `ss 'src 10.0.0.0/8'`.
   */
  readonly localAddress?: string | undefined;
  /** The remote address or prefix. `ss 'dst 192.0.2.1'`. */
  readonly remoteAddress?: string | undefined;
  /** The ifindex a socket is bound to (SO_BINDTODEVICE, or an IPv6 link-local scope); 0 for sockets bound to none. `ss 'dev = 3'`. */
  readonly interface?: number | undefined;
  /** Its SO_MARK, compared under a mask (default all bits). Needs CAP_NET_ADMIN. `ss 'fwmark = 0x10/0xff'`. */
  readonly mark?: number | { readonly value: number; readonly mask?: number | undefined } | undefined;
  /** The cgroup v2 id of the socket's owner (a directory's inode number under /sys/fs/cgroup). `ss 'cgroup = /PATH'`. */
  readonly cgroupId?: bigint | undefined;
}

/** The filter's keys (what `inet()` passes on to {@link compileFilter}). */
export const FILTER_KEYS: readonly string[] = ['localPort', 'remotePort', 'localAddress', 'remoteAddress', 'interface', 'mark', 'cgroupId'];

const OP = D.SIZEOF_INET_DIAG_BC_OP;

function checkPort(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw new InvalidArgumentError(arg, `expected a port 0..65535, got ${showValue(v)}`);
  return v;
}

function checkU32(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(arg, `expected an integer 0..4294967295, got ${showValue(v)}`);
  return v;
}

/** One condition: its op code and operand bytes (written after the op). */
interface Cond {
  readonly code: number;
  readonly operand: Uint8Array;
}

function portConds(v: PortMatch, arg: string, eq: number, ge: number, le: number): Cond[] {
  // A port comparison's operand is a second op whose `no` field holds the port (host order).
  const portOp = (p: number): Uint8Array => {
    const b = new Uint8Array(OP);
    new DataView(b.buffer).setUint16(D.OFF_INET_DIAG_BC_OP_NO, p, HOST_LE);
    return b;
  };
  if (typeof v === 'number') return [{ code: eq, operand: portOp(checkPort(v, arg)) }];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError(arg, `expected a port or { min, max }, got ${showValue(v)}`);
  for (const k of Object.keys(v)) if (k !== 'min' && k !== 'max') throw new InvalidArgumentError(`${arg}.${k}`, "unknown key (a port range has 'min' and 'max')");
  const out: Cond[] = [];
  const min = v.min === undefined ? undefined : checkPort(v.min, `${arg}.min`);
  const max = v.max === undefined ? undefined : checkPort(v.max, `${arg}.max`);
  if (min === undefined && max === undefined) throw new InvalidArgumentError(arg, 'a port range needs min, max or both');
  if (min !== undefined && max !== undefined && min > max) throw new InvalidArgumentError(arg, `min ${min} is above max ${max}`);
  if (min !== undefined) out.push({ code: ge, operand: portOp(min) });
  if (max !== undefined) out.push({ code: le, operand: portOp(max) });
  return out;
}

/**
 * @internal Refuse an IPv6 zone ('fe80::1%eth0'): inet_diag carries the scope as the
 * socket's bound ifindex, which the caller gives as `interface`.
 */
export function checkNoZone(v: unknown, arg: string): void {
  if (typeof v === 'string' && v.includes('%')) throw new InvalidArgumentError(arg, `${showValue(v)} has a zone index: inet_diag carries none in an address; give the link's ifindex as interface instead`);
}

function hostCond(v: unknown, arg: string, code: number): Cond {
  checkNoZone(v, arg);
  const p = parsePrefix(v, arg);
  const b = new Uint8Array(D.SIZEOF_INET_DIAG_HOSTCOND + p.bytes.length);
  const dv = new DataView(b.buffer);
  b[D.OFF_INET_DIAG_HOSTCOND_FAMILY] = p.family === 4 ? D.AF_INET : D.AF_INET6;
  b[D.OFF_INET_DIAG_HOSTCOND_PREFIX_LEN] = p.prefixLen;
  dv.setInt32(D.OFF_INET_DIAG_HOSTCOND_PORT, -1, HOST_LE); // any port
  b.set(p.bytes, D.OFF_INET_DIAG_HOSTCOND_ADDR);
  return { code, operand: b };
}

/**
 * The filter as INET_DIAG_REQ_BYTECODE, or undefined when it has no condition. Every
 * value is checked first (InvalidArgumentError naming it); nothing is sent for bad input.
 */
export function compileFilter(f: InetSocketFilter): Uint8Array | undefined {
  const conds: Cond[] = [];
  if (f.localPort !== undefined) conds.push(...portConds(f.localPort, 'localPort', D.INET_DIAG_BC_S_EQ, D.INET_DIAG_BC_S_GE, D.INET_DIAG_BC_S_LE));
  if (f.remotePort !== undefined) conds.push(...portConds(f.remotePort, 'remotePort', D.INET_DIAG_BC_D_EQ, D.INET_DIAG_BC_D_GE, D.INET_DIAG_BC_D_LE));
  if (f.localAddress !== undefined) conds.push(hostCond(f.localAddress, 'localAddress', D.INET_DIAG_BC_S_COND));
  if (f.remoteAddress !== undefined) conds.push(hostCond(f.remoteAddress, 'remoteAddress', D.INET_DIAG_BC_D_COND));
  if (f.interface !== undefined) {
    const idx = f.interface;
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx > 0x7fffffff) throw new InvalidArgumentError('interface', `expected an ifindex (rt.link.get(name).index gives one; 0 for sockets bound to none), got ${showValue(idx)}`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, idx, HOST_LE);
    conds.push({ code: D.INET_DIAG_BC_DEV_COND, operand: b });
  }
  if (f.mark !== undefined) {
    const m = f.mark;
    let value: number;
    let mask = 0xffffffff;
    if (typeof m === 'number') value = checkU32(m, 'mark');
    else if (typeof m === 'object' && m !== null) {
      for (const k of Object.keys(m)) if (k !== 'value' && k !== 'mask') throw new InvalidArgumentError(`mark.${k}`, "unknown key (a mark match has 'value' and 'mask')");
      value = checkU32(m.value, 'mark.value');
      if (m.mask !== undefined) mask = checkU32(m.mask, 'mark.mask');
    } else throw new InvalidArgumentError('mark', `expected a mark or { value, mask }, got ${showValue(m)}`);
    // The kernel tests (mark & mask) == value: a value with bits outside the mask never matches.
    if ((value & ~mask) >>> 0 !== 0) throw new InvalidArgumentError('mark', `value 0x${value.toString(16)} has bits outside mask 0x${mask.toString(16)}: no socket could match`);
    const b = new Uint8Array(D.SIZEOF_INET_DIAG_MARKCOND);
    const dv = new DataView(b.buffer);
    dv.setUint32(D.OFF_INET_DIAG_MARKCOND_MARK, value, HOST_LE);
    dv.setUint32(D.OFF_INET_DIAG_MARKCOND_MASK, mask, HOST_LE);
    conds.push({ code: D.INET_DIAG_BC_MARK_COND, operand: b });
  }
  if (f.cgroupId !== undefined) {
    const id = f.cgroupId;
    if (typeof id !== 'bigint' || id < 0n || id > 0xffffffffffffffffn) throw new InvalidArgumentError('cgroupId', `expected a cgroup id (a bigint, the cgroup directory's inode number), got ${showValue(id)}`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, id, HOST_LE);
    conds.push({ code: D.INET_DIAG_BC_CGROUP_COND, operand: b });
  }
  if (conds.length === 0) return undefined;
  let total = 0;
  for (const c of conds) total += OP + c.operand.length;
  if (total + 4 > 0xffff) throw new InvalidArgumentError('filter', 'too many conditions');
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const c of conds) {
    const step = OP + c.operand.length;
    out[o + D.OFF_INET_DIAG_BC_OP_CODE] = c.code;
    out[o + D.OFF_INET_DIAG_BC_OP_YES] = step;
    dv.setUint16(o + D.OFF_INET_DIAG_BC_OP_NO, total - o + 4, HOST_LE); // past the end: reject
    out.set(c.operand, o + OP);
    o += step;
  }
  return out;
}
