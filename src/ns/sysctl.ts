/**
 * Read and write `net.*` sysctls of a given network namespace.
 *
 * /proc/sys/net shows the namespace of the thread that opens a file there, so each
 * call switches the thread into the namespace, opens, reads or writes, closes and
 * switches back — all synchronously (no await while switched).
 * @module
 */
import { closeSync, constants, existsSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { InvalidArgumentError, SysError, showValue } from '../netlink/errors.js';
import { contextNetnsFd, withThreadNetns, type NetnsHandle } from '../netlink/netns-switch.js';
import { handleFd } from './handle.js';

/**
 * A value to write: numbers and booleans are written in decimal (true → 1); arrays
 * tab-separated, each element one non-empty value without whitespace (for multi-value
 * keys: `[32768, 60999]` for ip_local_port_range). The text must not be empty and must
 * be one line (one trailing newline is allowed).
 */
export type SysctlValue = string | number | bigint | boolean | readonly (string | number | bigint)[];

/**
 * A component: a name in a /proc/sys/net directory, interface names included (the kernel
 * allows any byte in those but '/', ':', NUL and whitespace: `e#0`, `vé,1`, `a*b`, and
 * also `a\x01b`, `a\x7fb`). Only '/', NUL, spaces and control characters are refused
 * here; '.' and '..' separately.
 */
const COMPONENT = /^[^\x00-\x20\x7f/]+$/;
const MAX_KEY = 4096;

/**
 * The /proc/sys path of a `net.*` key, validated (no syscall).
 *
 * Keys are written like sysctl(8) writes them: `net.ipv4.ip_forward` — '.'
 * separates components, and a '/' inside a dotted key stands for a literal '.', as in
 * `net.ipv4.conf.eth0/100.forwarding` for the interface `eth0.100`. A key whose
 * first separator is '/' is taken as a path (`net/ipv4/conf/eth0.100/forwarding`).
 * Only keys under `net` are accepted; components may hold any character but NUL,
 * spaces and control characters (so that every interface name works, as in
 * `net.ipv4.conf.e#0.forwarding`, but one holding a control character such as \x7f,
 * which the kernel allows), and may not be empty, '.' or '..' — no path escapes
 * /proc/sys/net.
 * Throws InvalidArgumentError (argument 'key').
 */
export function sysctlPath(key: string): string {
  if (typeof key !== 'string') throw new InvalidArgumentError('key', `a sysctl key must be a string, got ${showValue(key)}`);
  if (key.length === 0 || key.length > MAX_KEY) throw new InvalidArgumentError('key', `a sysctl key must be 1..${MAX_KEY} characters long`);
  const first = key.search(/[./]/);
  // sysctl(8)'s slashdot(): in a dotted key '.' and '/' swap roles.
  const path = first >= 0 && key[first] === '.' ? key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.')) : key;
  const parts = path.split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || !COMPONENT.test(p)) {
      throw new InvalidArgumentError('key', `${JSON.stringify(key)} is not a valid sysctl key (bad component ${JSON.stringify(p)})`);
    }
  }
  if (parts[0] !== 'net' || parts.length < 2) throw new InvalidArgumentError('key', `only net.* sysctl keys can be used per network namespace, got ${JSON.stringify(key)}`);
  return `/proc/sys/${path}`;
}

/** One value, or one element of an array value (`what` names it in errors). */
function formatScalar(value: unknown, what: string): string {
  switch (typeof value) {
    case 'string':
      if (value.includes('\0')) throw new InvalidArgumentError(what, 'a sysctl value must not contain a NUL byte');
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidArgumentError(what, `a sysctl value must be finite, got ${value}`);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? '1' : '0';
    default:
      throw new InvalidArgumentError(what, `a sysctl value must be a string, number, bigint, boolean or an array of them, got ${showValue(value)}`);
  }
}

/** Whitespace as the kernel's isspace() sees it (ASCII, and Latin-1's no-break space). */
const SPACE = /[\t\n\v\f\r \xa0]/;

/**
 * An array value, tab-separated. Each element must be one value: the kernel's
 * multi-value parser (proc_dointvec and kin) skips any run of whitespace, so an empty
 * element or a hole would shift the later values into earlier slots (['', 40000] set
 * the low end of ip_local_port_range) and one holding whitespace would be two values.
 */
function formatArray(value: readonly unknown[]): string {
  let text = '';
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (Array.isArray(v)) throw new InvalidArgumentError(`value[${i}]`, 'array values are flat: their elements are written tab-separated');
    const s = formatScalar(v, `value[${i}]`);
    if (s === '' || SPACE.test(s)) {
      throw new InvalidArgumentError(`value[${i}]`, `each element of an array value must be one non-empty value without whitespace (the kernel would shift the values into other slots), got ${showValue(s)}`);
    }
    text += i === 0 ? s : `\t${s}`;
  }
  return text;
}

/**
 * The text written for `value`. Refused: an empty text (the kernel takes a 0-byte write
 * as a no-op, so nothing would be set) and a newline anywhere but at the very end (the
 * kernel acts on the first line and drops the rest without an error).
 */
function formatValue(value: SysctlValue): string {
  const text = Array.isArray(value) ? formatArray(value) : formatScalar(value, 'value');
  if (text === '') throw new InvalidArgumentError('value', "a sysctl value must not be empty: the kernel ignores an empty write (to clear a string sysctl, write '\\n')");
  const nl = text.indexOf('\n');
  if (nl !== -1 && nl !== text.length - 1) {
    throw new InvalidArgumentError('value', `a sysctl value must be one line (a trailing newline is fine): the kernel would take only the text before the first newline, got ${showValue(text)}`);
  }
  return text;
}

/**
 * Run `fn` in `ns`, else (only when `ns` is undefined) in the execNetns context's netns,
 * else where the thread is. Anything else than undefined must be a netns handle: an
 * object without a usable `fd` ({}, a path string, a raw fd number) is refused, never
 * taken for "the caller's netns".
 */
function inNetns<T>(ns: NetnsHandle | undefined, fn: () => T): T {
  const fd = ns !== undefined ? handleFd(ns, 'ns') : contextNetnsFd();
  return fd === undefined ? fn() : withThreadNetns(fd, fn);
}

const TCP_CC_PATH = '/proc/sys/net/ipv4/tcp_congestion_control';

/** ` (LIST)` of net.ipv4.tcp_allowed_congestion_control (a global sysctl), '' when unreadable. Error path only. */
function allowedCongestionControl(): string {
  try {
    const list = readFileSync('/proc/sys/net/ipv4/tcp_allowed_congestion_control', 'utf8').trim();
    return list === '' ? ' (now empty)' : ` (now: ${list})`;
  } catch {
    return '';
  }
}

/**
 * For a missing dotted key that split an interface name holding '.' (sysctl(8)'s
 * `net.ipv4.conf.eth0.10.forwarding` for `eth0.10`): how to write it, when such an
 * interface has a conf/neigh directory in this netns; '' otherwise. Error path only
 * (runs in the key's netns).
 */
function dottedDeviceHint(key: string, path: string): string {
  if (key[key.search(/[./]/)] !== '.') return '';
  const parts = path.slice('/proc/sys/'.length).split('/');
  if (parts.length < 6 || (parts[2] !== 'conf' && parts[2] !== 'neigh')) return '';
  const dev = parts.slice(3, -1).join('.');
  if (!existsSync(`/proc/sys/net/${parts[1]}/${parts[2]}/${dev}`)) return '';
  const fixed = `net.${parts[1]}.${parts[2]}.${dev.replace(/\./g, '/')}.${parts[parts.length - 1]}`;
  return `; for the interface '${dev}', write it as '${fixed}' (in a dotted key '/' stands for a '.' of the name)`;
}

/**
 * Node fs error → SysError with the key in the message, saying what was refused: a
 * missing key only when `open` said ENOENT (a `write` ENOENT is the kernel refusing the
 * value, e.g. an unknown tcp_congestion_control), a directory, a key that cannot be read
 * or written, a write refused for want of CAP_NET_ADMIN (EPERM), a default congestion
 * control the kernel keeps to the initial netns (EPERM too), or — for another failed
 * write — the value. Error path only.
 */
function rethrow(e: unknown, syscall: string, path: string, key: string, value?: string): never {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.errno === 'number') {
    let detail: string;
    if (err.code === 'EISDIR') detail = `'${key}' is a directory of sysctls, not a key`;
    else if (syscall === 'open' && err.code === 'ENOENT') detail = `no sysctl '${key}' in this network namespace${dottedDeviceHint(key, path)}`;
    else if (syscall === 'open' && err.code === 'EACCES') {
      detail = value === undefined ? `sysctl '${key}' cannot be read (write-only, or not readable by this process)` : `sysctl '${key}' cannot be written (read-only — as many net.core keys are outside the initial network namespace — or not writable by this process)`;
    } else if (value !== undefined && syscall === 'write' && err.code === 'EPERM' && path === TCP_CC_PATH) {
      // tcp_set_default_congestion_control(): outside the initial netns only an algorithm
      // of the global allowed list may become the default — root or not.
      detail = `sysctl '${key}': outside the initial network namespace the default can only be an algorithm listed in net.ipv4.tcp_allowed_congestion_control${allowedCongestionControl()}; ${showValue(value.replace(/\n$/, ''))} is not`;
    } else if (value !== undefined && syscall === 'write' && err.code === 'EPERM') {
      // A write handler's capability check (devinet_sysctl_forward, …), not the value.
      detail = `sysctl '${key}': writing it needs CAP_NET_ADMIN in the user namespace that owns the network namespace`;
    } else if (value === undefined && syscall === 'read' && err.code === 'EIO' && path.endsWith('/stable_secret')) {
      // addrconf_sysctl_stable_secret() answers a read with EIO until a secret is written.
      detail = `sysctl '${key}': no stable_secret is set (the kernel answers EIO until one is written)`;
    } else if (value !== undefined && syscall === 'write') detail = `sysctl '${key}': the kernel refused the value ${showValue(value.replace(/\n$/, ''))}`;
    else detail = `sysctl '${key}'`;
    throw new SysError(syscall, Math.abs(err.errno), path, detail);
  }
  throw e;
}

/**
 * Read the `net.*` sysctl `key` of the namespace `ns` (undefined: the execNetns
 * context's namespace, else the calling thread's). Returns the text without its
 * trailing newline (multi-value keys keep their tabs). Unknown key: SysError 'ENOENT'
 * (for `net.ipv4.conf.eth0.10.forwarding` while `eth0.10` exists, naming the key that
 * works, `net.ipv4.conf.eth0/10.forwarding`);
 * a `stable_secret` never set: SysError 'EIO' from `read`, saying so.
 * An `ns` that is not a netns handle (a path string, a raw fd number, an object
 * without `fd`) is an InvalidArgumentError (argument 'ns'); a closed one a ClosedError.
 *
 * Equivalent to: `ip netns exec NS sysctl -n KEY`.
 *
 * @example sysctlGet(ns, 'net.ipv4.ip_forward') // '0'
 */
export function sysctlGet(ns: NetnsHandle | undefined, key: string): string {
  const path = sysctlPath(key);
  return inNetns(ns, () => {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY);
    } catch (e) {
      rethrow(e, 'open', path, key);
    }
    try {
      const chunks: Buffer[] = [];
      for (;;) {
        const b = Buffer.allocUnsafe(4096);
        let n: number;
        try {
          n = readSync(fd, b, 0, b.length, null);
        } catch (e) {
          rethrow(e, 'read', path, key);
        }
        if (n === 0) break;
        chunks.push(b.subarray(0, n));
      }
      return Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Write `value` to the `net.*` sysctl `key` of the namespace `ns` (undefined: the
 * execNetns context's namespace, else the calling thread's), in one write as sysctl(8)
 * does. The kernel's refusal of a value is a SysError from `write` quoting the value
 * ('EINVAL', or 'ENOENT' for an unknown name such as a tcp_congestion_control
 * algorithm — not to be read as a missing key, which fails in `open`); a key that is
 * read-only in this namespace is 'EACCES' from `open`, saying so. 'EPERM' from `write`
 * is a missing CAP_NET_ADMIN over the netns, or, for `net.ipv4.tcp_congestion_control`
 * outside the initial netns, an algorithm not in the global
 * `net.ipv4.tcp_allowed_congestion_control` (the message says which).
 * `ns` is checked as for {@link sysctlGet}. An empty value or one with a newline before
 * its end is an InvalidArgumentError (argument 'value'): the kernel would silently set
 * nothing, or only the first line.
 *
 * Equivalent to: `ip netns exec NS sysctl -w KEY=VALUE`.
 *
 * @example sysctlSet(ns, 'net.ipv6.conf.all.disable_ipv6', 1)
 */
export function sysctlSet(ns: NetnsHandle | undefined, key: string, value: SysctlValue): void {
  const path = sysctlPath(key);
  const text = formatValue(value);
  const data = Buffer.from(text, 'utf8');
  inNetns(ns, () => {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY);
    } catch (e) {
      rethrow(e, 'open', path, key, text);
    }
    try {
      let n: number;
      try {
        n = writeSync(fd, data, 0, data.length);
      } catch (e) {
        rethrow(e, 'write', path, key, text);
      }
      if (n !== data.length) throw new SysError('write', 5 /* EIO */, path, `short write to sysctl '${key}' (${n} of ${data.length} bytes)`);
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * The sysctl helpers as one object: `sysctl.get(ns, key)`, `sysctl.set(ns, key,
 * value)`, `sysctl.path(key)`.
 */
export const sysctl = { get: sysctlGet, set: sysctlSet, path: sysctlPath } as const;
