/**
 * Every error nlkit throws, in one module, with stable `code`s.
 *
 * `instanceof` works across duplicate installs of nlkit (two copies in one
 * node_modules tree): each class brands its instances with a `Symbol.for` key and
 * checks the brand in `Symbol.hasInstance`.
 * @module
 */
import { getSystemErrorMap } from 'node:util';

const sysErrors = getSystemErrorMap();

/** errno number → [code, text], e.g. 17 → ['EEXIST', 'file already exists']. */
export function errnoInfo(errno: number): { code: string; text: string } {
  const e = sysErrors.get(-Math.abs(errno));
  // libuv names 95 'ENOTSUP'; the kernel and iproute2 say EOPNOTSUPP (same number on Linux).
  if (e) {
    const code = e[0] === 'ENOTSUP' ? 'EOPNOTSUPP' : e[0];
    return { code, text: KERNEL_TEXT[code] ?? e[1] };
  }
  return { code: `E${Math.abs(errno)}`, text: `errno ${Math.abs(errno)}` };
}

// libuv's texts are terse and sometimes odd ("invalid argument" is fine, but
// EOPNOTSUPP reads "operation not supported on socket"); use strerror(3)'s wording
// for the errnos netlink returns most, so messages read like `ip` prints them.
const KERNEL_TEXT: Record<string, string> = {
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOENT: 'No such file or directory',
  EINVAL: 'Invalid argument',
  EPERM: 'Operation not permitted',
  EACCES: 'Permission denied',
  EOPNOTSUPP: 'Operation not supported',
  EBUSY: 'Device or resource busy',
  ERANGE: 'Numerical result out of range',
  ENOBUFS: 'No buffer space available',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ESRCH: 'No such process',
  EBADF: 'Bad file descriptor',
  ENOTSUP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EPROTONOSUPPORT: 'Protocol not supported',
  ENOTDIR: 'Not a directory',
  EMSGSIZE: 'Message too long',
  ENOMEM: 'Cannot allocate memory',
  ENOSPC: 'No space left on device',
  ENOTEMPTY: 'Directory not empty',
  EAGAIN: 'Resource temporarily unavailable',
  EINTR: 'Interrupted system call',
};

function brand(name: string): symbol {
  return Symbol.for(`nlkit.${name}`);
}

function hasBrand(value: unknown, sym: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[sym] === true;
}

/**
 * `instanceof` for a branded class: the base class itself matches any instance carrying
 * its brand (from any copy of nlkit); a subclass matches by prototype chain only, so a
 * plain NetlinkError is not an instance of `class LinkExists extends NetlinkError`.
 */
function isInstance(cls: unknown, base: unknown, v: unknown, sym: symbol): boolean {
  if (cls !== base) return Function.prototype[Symbol.hasInstance].call(cls as () => void, v);
  return hasBrand(v, sym);
}

const SYS = brand('SysError');
const NETLINK = brand('NetlinkError');
const DECODE = brand('DecodeError');
const DUMP_INTR = brand('DumpInterruptedError');
const INVALID = brand('InvalidArgumentError');
const CLOSED = brand('ClosedError');
const RESTORE = brand('NetnsRestoreError');

/**
 * A failed system call, shaped like Node's own `SystemError`: `code` ('EEXIST'),
 * positive `errno`, `syscall` ('setns'), and `path` where one was involved.
 */
export class SysError extends Error {
  declare readonly [SYS]: true;
  /** Node-style error code, e.g. 'ENOENT'. */
  readonly code: string;
  /** Positive errno. */
  readonly errno: number;
  /** The system call that failed. */
  readonly syscall: string;
  /** The file path involved, if any (absent otherwise, as on Node's SystemError). */
  declare readonly path?: string;

  constructor(syscall: string, errno: number, path?: string, detail?: string) {
    const { code, text } = errnoInfo(errno);
    super(`${code}: ${text}, ${syscall}${path !== undefined ? ` '${path}'` : ''}${detail ? ` — ${detail}` : ''}`);
    this.name = 'SysError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    if (path !== undefined) Object.defineProperty(this, 'path', { value: path, enumerable: true });
    Object.defineProperty(this, SYS, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.SysError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, SysError, v, SYS);
  }
}

/** The kernel's extended acknowledgement (NETLINK_EXT_ACK) attached to an error or ACK. */
export interface ExtAck {
  /** NLMSGERR_ATTR_MSG: the kernel's human-readable reason. */
  readonly message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in the request. */
  readonly offset?: number;
  /** NLMSGERR_ATTR_MISS_TYPE: the type of a required attribute that was missing. */
  readonly missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest where the attribute was missing. */
  readonly missingNest?: number;
  /** NLMSGERR_ATTR_COOKIE, raw. */
  readonly cookie?: Uint8Array;
  /**
   * Name of the attribute the offset points at (for example `IFLA_IFNAME` or
   * `IFLA_LINKINFO › IFLA_INFO_DATA › VETH_INFO_PEER`), where the request's layout is known.
   */
  readonly attribute?: string;
  /** Name of the missing attribute, where known. */
  readonly missingAttribute?: string;
}

/** Details of the request a NetlinkError answers. */
export interface RequestInfo {
  /** nlmsg_type of the request. */
  readonly type: number;
  /** Symbolic name of the request type, e.g. 'RTM_NEWLINK'. */
  readonly typeName: string;
  /** Sequence number of the request. */
  readonly seq: number;
  /** What the request was about, e.g. the link name ('v0'). */
  readonly subject?: string;
}

/**
 * The kernel refused a request. `code` is the Node-style errno name ('EEXIST',
 * 'ENODEV', …); `extack` holds the kernel's extended-ACK text and, where the
 * request's layout is known, the attribute it points at.
 *
 * Message shape: `EEXIST: File exists — <ext-ack text> [at IFLA_IFNAME] (RTM_NEWLINK v0)`.
 */
export class NetlinkError extends Error {
  declare readonly [NETLINK]: true;
  /** Node-style errno name, e.g. 'EEXIST'. */
  readonly code: string;
  /** Positive errno as the kernel returned it (negated in nlmsgerr.error). */
  readonly errno: number;
  /** Extended ACK details; empty object when the kernel sent none. */
  readonly extack: ExtAck;
  /** Request type, name, sequence and subject. */
  readonly request: RequestInfo;

  constructor(errno: number, request: RequestInfo, extack: ExtAck = {}, hint?: string) {
    const { code, text } = errnoInfo(errno);
    let msg = `${code}: ${text}`;
    if (extack.message) msg += ` — ${extack.message}`;
    if (extack.attribute) msg += ` [at ${extack.attribute}]`;
    if (extack.missingAttribute) msg += ` [missing ${extack.missingAttribute}]`;
    if (hint) msg += ` — ${hint}`;
    msg += ` (${request.typeName}${request.subject !== undefined ? ` ${request.subject}` : ''})`;
    super(msg);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = errno;
    this.extack = extack;
    this.request = request;
    Object.defineProperty(this, NETLINK, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.NetlinkError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, NetlinkError, v, NETLINK);
  }
}

/**
 * Bytes that do not parse as netlink: a short header, a length past the end or below
 * the header size, a truncated nest. `path` is the context chain, e.g.
 * `['RTM_NEWLINK', 'IFLA_LINKINFO', 'IFLA_INFO_DATA']`; `offset`, `need` and `have`
 * are the byte counts involved.
 */
export class DecodeError extends Error {
  declare readonly [DECODE]: true;
  /** Always 'ERR_NETLINK_DECODE'; stable across versions. */
  readonly code = 'ERR_NETLINK_DECODE';
  /** Context chain from the outermost message to the failing element. */
  readonly path: readonly string[];
  /** Offset of the failing element within the buffer given to the decoder. */
  readonly offset: number;
  /** Bytes the element claims or needs. */
  readonly need: number;
  /** Bytes actually available. */
  readonly have: number;

  constructor(what: string, path: readonly string[], offset: number, need: number, have: number) {
    super(`${what} at offset ${offset}: needs ${need} bytes, ${have} available${path.length ? ` (in ${path.join(' › ')})` : ''}`);
    this.name = 'DecodeError';
    this.path = path;
    this.offset = offset;
    this.need = need;
    this.have = have;
    Object.defineProperty(this, DECODE, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.DecodeError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, DecodeError, v, DECODE);
  }
}

/**
 * A dump came back with NLM_F_DUMP_INTR set on every try: the kernel's table changed
 * while it was being dumped, so the result may be inconsistent. `partial` holds what
 * the last try returned (decoded objects where the caller decoded them).
 */
export class DumpInterruptedError extends Error {
  declare readonly [DUMP_INTR]: true;
  /** Always 'ERR_NETLINK_DUMP_INTERRUPTED'; stable across versions. */
  readonly code = 'ERR_NETLINK_DUMP_INTERRUPTED';
  /** What the last attempt returned. */
  readonly partial: readonly unknown[];
  /** How many times the dump was tried. */
  readonly attempts: number;

  constructor(typeName: string, attempts: number, partial: readonly unknown[]) {
    super(`${typeName} dump was interrupted by concurrent changes (NLM_F_DUMP_INTR) on all ${attempts} attempts; the partial result is in .partial`);
    this.name = 'DumpInterruptedError';
    this.attempts = attempts;
    this.partial = partial;
    Object.defineProperty(this, DUMP_INTR, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.DumpInterruptedError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, DumpInterruptedError, v, DUMP_INTR);
  }
}

/**
 * Refuse keys of an options object that the callee does not know (a typo such as
 * `{ netsn: ns }` would otherwise be ignored and the default used): throws
 * InvalidArgumentError naming `${arg}${key}` and listing the known keys.
 * @internal
 */
export function checkOptionKeys(obj: object, allowed: ReadonlySet<string>, arg: string): void {
  // for-in over own keys: no key array allocated per call (Object.keys made one).
  for (const k in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
    if (!allowed.has(k)) throw new InvalidArgumentError(`${arg}${k}`, `unknown option '${k}' (known: ${[...allowed].join(', ')})`);
  }
}

/**
 * A value as an error message shows it: strings quoted (so '5' and 5 differ), bigints
 * with their `n`, arrays and objects by kind, everything else as String() gives it.
 * @internal
 */
export function showValue(v: unknown): string {
  switch (typeof v) {
    case 'string': {
      const t = v.length > 64 ? `${v.slice(0, 64)}...` : v;
      return `'${JSON.stringify(t).slice(1, -1).replace(/'/g, "\\'")}'`;
    }
    case 'bigint':
      return `${v}n`;
    case 'function':
      return 'a function';
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object';
    case 'symbol':
      return v.toString();
    default:
      return Object.is(v, -0) ? '-0' : String(v);
  }
}

/**
 * A caller passed a value nlkit refuses before anything is sent to the kernel (a
 * name too long, an MTU out of range, a malformed address). Also a `TypeError`-like
 * code so callers can tell it from kernel refusals: `code` is 'ERR_NLKIT_INVALID_ARG'.
 */
export class InvalidArgumentError extends Error {
  declare readonly [INVALID]: true;
  /** Always 'ERR_NLKIT_INVALID_ARG'; stable across versions. */
  readonly code = 'ERR_NLKIT_INVALID_ARG';
  /** The argument or field that was wrong, e.g. 'name' or 'peer.mtu'. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(`invalid ${argument}: ${message}`);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
    Object.defineProperty(this, INVALID, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.InvalidArgumentError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, InvalidArgumentError, v, INVALID);
  }
}

/** Use of a handle (socket, Rtnl, Netns) after `close()`. `code` is 'ERR_NLKIT_CLOSED'. */
export class ClosedError extends Error {
  declare readonly [CLOSED]: true;
  /** Always 'ERR_NLKIT_CLOSED'; stable across versions. */
  readonly code = 'ERR_NLKIT_CLOSED';

  constructor(what: string) {
    super(`${what} is closed`);
    this.name = 'ClosedError';
    Object.defineProperty(this, CLOSED, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.ClosedError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, ClosedError, v, CLOSED);
  }
}

/**
 * Restoring the thread's original netns failed: the thread is now in the wrong
 * namespace and every later socket would be created there. Treat as fatal.
 * `code` is 'ERR_NLKIT_NETNS_RESTORE'.
 */
export class NetnsRestoreError extends Error {
  declare readonly [RESTORE]: true;
  /** Always 'ERR_NLKIT_NETNS_RESTORE'; stable across versions. */
  readonly code = 'ERR_NLKIT_NETNS_RESTORE';
  /** The error from setns back. */
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super(`could not switch the thread back to its original network namespace: ${(cause as Error)?.message ?? String(cause)}; the thread is left in a foreign netns`);
    this.name = 'NetnsRestoreError';
    this.cause = cause;
    Object.defineProperty(this, RESTORE, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.NetnsRestoreError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, NetnsRestoreError, v, RESTORE);
  }
}
