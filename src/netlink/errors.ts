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

/** errno number → [code, text], e.g. 17 → ['EEXIST', 'File exists']. */
export function errnoInfo(errno: number): { code: string; text: string } {
  const n = Math.abs(errno);
  const e = sysErrors.get(-n);
  const text = STRERROR[n] || (e ? e[1] : `errno ${n}`);
  // The kernel's own names: libuv lacks many, and names 95 'ENOTSUP' where the kernel and iproute2 say EOPNOTSUPP.
  const name = ERRNO_NAME[n];
  if (name) return { code: name, text };
  if (e) return { code: e[0] === 'ENOTSUP' ? 'EOPNOTSUPP' : e[0], text };
  return { code: `E${n}`, text };
}

/**
 * Each Linux errno's name (index = errno), the first #define of that number in
 * <asm-generic/errno-base.h> and <asm-generic/errno.h> (aliases such as EWOULDBLOCK left
 * out). libuv's map, which Node's names come from, lacks many the kernel returns
 * (ESTALE, EDEADLK, ENOKEY…). Printed by scripts/gen-errno-names.py.
 */
const ERRNO_NAME: readonly string[] = [
  '', 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD', 'EAGAIN',
  'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR', 'EISDIR',
  'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS', 'EMLINK', 'EPIPE',
  'EDOM', 'ERANGE', 'EDEADLK', 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS', 'ENOTEMPTY', 'ELOOP', '', 'ENOMSG',
  'EIDRM', 'ECHRNG', 'EL2NSYNC', 'EL3HLT', 'EL3RST', 'ELNRNG', 'EUNATCH', 'ENOCSI', 'EL2HLT', 'EBADE',
  'EBADR', 'EXFULL', 'ENOANO', 'EBADRQC', 'EBADSLT', '', 'EBFONT', 'ENOSTR', 'ENODATA', 'ETIME', 'ENOSR',
  'ENONET', 'ENOPKG', 'EREMOTE', 'ENOLINK', 'EADV', 'ESRMNT', 'ECOMM', 'EPROTO', 'EMULTIHOP', 'EDOTDOT',
  'EBADMSG', 'EOVERFLOW', 'ENOTUNIQ', 'EBADFD', 'EREMCHG', 'ELIBACC', 'ELIBBAD', 'ELIBSCN', 'ELIBMAX',
  'ELIBEXEC', 'EILSEQ', 'ERESTART', 'ESTRPIPE', 'EUSERS', 'ENOTSOCK', 'EDESTADDRREQ', 'EMSGSIZE',
  'EPROTOTYPE', 'ENOPROTOOPT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EOPNOTSUPP', 'EPFNOSUPPORT',
  'EAFNOSUPPORT', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ENETDOWN', 'ENETUNREACH', 'ENETRESET', 'ECONNABORTED',
  'ECONNRESET', 'ENOBUFS', 'EISCONN', 'ENOTCONN', 'ESHUTDOWN', 'ETOOMANYREFS', 'ETIMEDOUT', 'ECONNREFUSED',
  'EHOSTDOWN', 'EHOSTUNREACH', 'EALREADY', 'EINPROGRESS', 'ESTALE', 'EUCLEAN', 'ENOTNAM', 'ENAVAIL', 'EISNAM',
  'EREMOTEIO', 'EDQUOT', 'ENOMEDIUM', 'EMEDIUMTYPE', 'ECANCELED', 'ENOKEY', 'EKEYEXPIRED', 'EKEYREVOKED',
  'EKEYREJECTED', 'EOWNERDEAD', 'ENOTRECOVERABLE', 'ERFKILL', 'EHWPOISON',
];

/**
 * strerror(3)'s text for each Linux errno (glibc, C locale; index = errno), which is
 * what `ip` prints ("RTNETLINK answers: No route to host"). libuv's texts differ for
 * many ("host is unreachable", "network is down", "too many symbolic links encountered"
 * for the ELOOP of enslaving a bridge to a bridge), and it has none for some errnos the
 * kernel returns (EBADMSG, ENOLINK, EDQUOT…). Empty where glibc has none.
 */
const STRERROR: readonly string[] = [
  '', 'Operation not permitted', 'No such file or directory', 'No such process', 'Interrupted system call',
  'Input/output error', 'No such device or address', 'Argument list too long', 'Exec format error',
  'Bad file descriptor', 'No child processes', 'Resource temporarily unavailable', 'Cannot allocate memory',
  'Permission denied', 'Bad address', 'Block device required', 'Device or resource busy', 'File exists',
  'Invalid cross-device link', 'No such device', 'Not a directory', 'Is a directory', 'Invalid argument',
  'Too many open files in system', 'Too many open files', 'Inappropriate ioctl for device', 'Text file busy',
  'File too large', 'No space left on device', 'Illegal seek', 'Read-only file system', 'Too many links',
  'Broken pipe', 'Numerical argument out of domain', 'Numerical result out of range',
  'Resource deadlock avoided', 'File name too long', 'No locks available', 'Function not implemented',
  'Directory not empty', 'Too many levels of symbolic links', '', 'No message of desired type',
  'Identifier removed', 'Channel number out of range', 'Level 2 not synchronized', 'Level 3 halted',
  'Level 3 reset', 'Link number out of range', 'Protocol driver not attached', 'No CSI structure available',
  'Level 2 halted', 'Invalid exchange', 'Invalid request descriptor', 'Exchange full', 'No anode',
  'Invalid request code', 'Invalid slot', '', 'Bad font file format', 'Device not a stream',
  'No data available', 'Timer expired', 'Out of streams resources', 'Machine is not on the network',
  'Package not installed', 'Object is remote', 'Link has been severed', 'Advertise error', 'Srmount error',
  'Communication error on send', 'Protocol error', 'Multihop attempted', 'RFS specific error', 'Bad message',
  'Value too large for defined data type', 'Name not unique on network', 'File descriptor in bad state',
  'Remote address changed', 'Can not access a needed shared library', 'Accessing a corrupted shared library',
  '.lib section in a.out corrupted', 'Attempting to link in too many shared libraries',
  'Cannot exec a shared library directly', 'Invalid or incomplete multibyte or wide character',
  'Interrupted system call should be restarted', 'Streams pipe error', 'Too many users',
  'Socket operation on non-socket', 'Destination address required', 'Message too long',
  'Protocol wrong type for socket', 'Protocol not available', 'Protocol not supported',
  'Socket type not supported', 'Operation not supported', 'Protocol family not supported',
  'Address family not supported by protocol', 'Address already in use', 'Cannot assign requested address',
  'Network is down', 'Network is unreachable', 'Network dropped connection on reset',
  'Software caused connection abort', 'Connection reset by peer', 'No buffer space available',
  'Transport endpoint is already connected', 'Transport endpoint is not connected',
  'Cannot send after transport endpoint shutdown', 'Too many references: cannot splice',
  'Connection timed out', 'Connection refused', 'Host is down', 'No route to host',
  'Operation already in progress', 'Operation now in progress', 'Stale file handle',
  'Structure needs cleaning', 'Not a XENIX named type file', 'No XENIX semaphores available',
  'Is a named type file', 'Remote I/O error', 'Disk quota exceeded', 'No medium found', 'Wrong medium type',
  'Operation canceled', 'Required key not available', 'Key has expired', 'Key has been revoked',
  'Key was rejected by service', 'Owner died', 'State not recoverable',
  'Operation not possible due to RF-kill', 'Memory page has hardware error',
];

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
const WARNING = brand('NetlinkWarning');

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
  /**
   * NLMSGERR_ATTR_POLICY: what the kernel's policy for the rejected attribute allows,
   * sent with a policy refusal ("Attribute failed policy validation", "integer out of
   * range"). The message gives it in words after the attribute.
   */
  readonly policy?: ExtAckPolicy;
}

/**
 * The kernel's policy for one attribute, as NLMSGERR_ATTR_POLICY reports it (the
 * NL_POLICY_TYPE_ATTR_* attributes; the same shape `genl-ctrl-list`'s policy dump uses).
 */
export interface ExtAckPolicy {
  /** NL_POLICY_TYPE_ATTR_TYPE by name: 'flag', 'u8' … 'u64', 's8' … 's64', 'binary', 'string', 'nul-string', 'nested', 'nested-array', 'bitfield32', 'sint', 'uint' (Linux 6.7+'s variable-length integers); 'type N' for a type newer than nlkit. */
  readonly type?: string;
  /** The smallest value allowed (NL_POLICY_TYPE_ATTR_MIN_VALUE_U or _S). */
  readonly min?: bigint;
  /** The largest value allowed (NL_POLICY_TYPE_ATTR_MAX_VALUE_U or _S). */
  readonly max?: bigint;
  /** The shortest payload allowed, in bytes (NL_POLICY_TYPE_ATTR_MIN_LENGTH). */
  readonly minLength?: number;
  /** The longest payload allowed, in bytes (NL_POLICY_TYPE_ATTR_MAX_LENGTH; for a nul-string, without its NUL). */
  readonly maxLength?: number;
  /** The bits allowed (NL_POLICY_TYPE_ATTR_MASK, or NL_POLICY_TYPE_ATTR_BITFIELD32_MASK for a bitfield32). */
  readonly mask?: bigint;
}

/** An {@link ExtAckPolicy} in words: 'u32 in 0..65535', 'nul-string of at most 15 bytes', 'u32 with bits 0x7'. */
export function describePolicy(p: ExtAckPolicy): string {
  const parts: string[] = [];
  if (p.min !== undefined || p.max !== undefined) parts.push(`in ${p.min ?? '…'}..${p.max ?? '…'}`);
  if (p.minLength !== undefined && p.maxLength !== undefined) parts.push(p.minLength === p.maxLength ? `of exactly ${p.minLength} bytes` : `of ${p.minLength}..${p.maxLength} bytes`);
  else if (p.maxLength !== undefined) parts.push(`of at most ${p.maxLength} bytes`);
  else if (p.minLength !== undefined) parts.push(`of at least ${p.minLength} bytes`);
  if (p.mask !== undefined) parts.push(`with bits 0x${p.mask.toString(16)} only`);
  return [p.type ?? 'a value', ...parts].join(' ');
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
  /**
   * What nlkit adds to the kernel's answer, as in the message after the extended-ACK
   * text: what a bare errno means for this request ('no route matches'), or what the
   * call did about it. Absent when there is none.
   */
  declare readonly hint?: string;

  /**
   * `name`: the code and text of an errno private to a netlink family, which the C
   * library has no name for (ipset's 4097 'IPSET_ERR_PROTOCOL' …); defaults to the
   * errno's own name and strerror text.
   */
  constructor(errno: number, request: RequestInfo, extack: ExtAck = {}, hint?: string, name?: { readonly code: string; readonly text: string }) {
    const { code, text } = name ?? errnoInfo(errno);
    let msg = `${code}: ${text}`;
    if (extack.message) msg += ` — ${extack.message}`;
    if (extack.attribute) msg += ` [at ${extack.attribute}${extack.policy ? `, policy: ${describePolicy(extack.policy)}` : ''}]`;
    else if (extack.policy) msg += ` [policy: ${describePolicy(extack.policy)}]`;
    if (extack.missingAttribute) msg += ` [missing ${extack.missingAttribute}]`;
    // Unnamed (no describer for it): by type, as the kernel gave it, rather than not at all.
    else if (extack.missingType !== undefined) msg += ` [missing attribute type ${extack.missingType}${extack.missingNest !== undefined ? ` in the nest at offset ${extack.missingNest}` : ''}]`;
    if (hint) msg += ` — ${hint}`;
    msg += ` (${request.typeName}${request.subject !== undefined ? ` ${request.subject}` : ''})`;
    super(msg);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = errno;
    this.extack = extack;
    this.request = request;
    if (hint) Object.defineProperty(this, 'hint', { value: hint, enumerable: true });
    Object.defineProperty(this, NETLINK, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.NetlinkError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, NetlinkError, v, NETLINK);
  }
}

/**
 * The kernel accepted a request but said something about it: an extended-ACK message
 * on a success ACK (or on the end of a dump), which `ip` and `tc` print as
 * `Warning: …`. For example HTB's `quantum of class 10001 is big. Consider r2q change.`
 * when it clamps a class's quantum. Not thrown: a socket hands it to its `onWarning`
 * (by default `process.emitWarning`, which prints each one on stderr as
 * `(node:PID) [NLKIT_KERNEL_WARNING] NetlinkWarning: …`; see the `onWarning` option of `NetlinkSocket.open`,
 * `Rtnl.open` and the other handles).
 *
 * Message shape: `<ext-ack text> [at ATTR] (RTM_NEWTCLASS 1:1 on v0)`.
 *
 * Equivalent to: iproute2's `Warning: …` line on stderr after a successful command.
 */
export class NetlinkWarning extends Error {
  declare readonly [WARNING]: true;
  /** Always 'NLKIT_KERNEL_WARNING' (the `code` Node's warning listeners see). */
  readonly code = 'NLKIT_KERNEL_WARNING';
  /** The kernel's extended-ACK details: `message`, and `attribute`/`offset` where it pointed at one. */
  readonly extack: ExtAck;
  /** The request the kernel accepted: type, name, sequence and subject. */
  readonly request: RequestInfo;

  constructor(request: RequestInfo, extack: ExtAck) {
    let msg = extack.message ?? 'the kernel acknowledged the request with extended-ACK data but no text';
    if (extack.attribute) msg += ` [at ${extack.attribute}]`;
    msg += ` (${request.typeName}${request.subject !== undefined ? ` ${request.subject}` : ''})`;
    super(msg);
    this.name = 'NetlinkWarning';
    this.extack = extack;
    this.request = request;
    Object.defineProperty(this, WARNING, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit (by its `Symbol.for('nlkit.NetlinkWarning')` brand). */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, NetlinkWarning, v, WARNING);
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
 * A dump came back with NLM_F_DUMP_INTR set on every try (or on a `forEach` walk, which
 * is not retried): the kernel's table changed while it was being dumped, so the result
 * may be inconsistent. `partial` holds what the last try returned (decoded objects
 * where the caller decoded them; empty for a walk, whose objects went to its callback).
 */
export class DumpInterruptedError extends Error {
  declare readonly [DUMP_INTR]: true;
  /** Always 'ERR_NETLINK_DUMP_INTERRUPTED'; stable across versions. */
  readonly code = 'ERR_NETLINK_DUMP_INTERRUPTED';
  /** What the last attempt returned. */
  readonly partial: readonly unknown[];
  /** How many times the dump was tried. */
  readonly attempts: number;
  /**
   * For a `forEach` walk (which is not retried: its callback has seen the objects), how
   * many objects the callback was given; undefined for a list.
   */
  readonly delivered: number | undefined;

  constructor(typeName: string, attempts: number, partial: readonly unknown[], delivered?: number) {
    super(delivered === undefined
      ? `${typeName} dump was interrupted by concurrent changes (NLM_F_DUMP_INTR) on all ${attempts} attempts; the partial result is in .partial`
      : `${typeName} dump was interrupted by concurrent changes (NLM_F_DUMP_INTR) after ${delivered} objects went to the callback; they may miss or repeat objects: walk again (a walk is not retried, as a list is)`);
    this.name = 'DumpInterruptedError';
    this.attempts = attempts;
    this.partial = partial;
    this.delivered = delivered;
    Object.defineProperty(this, DUMP_INTR, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.DumpInterruptedError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, DumpInterruptedError, v, DUMP_INTR);
  }
}

/** An error's message for another error's text: `message` of an Error-like value, else String() of it (never throws). */
function messageOf(e: unknown): string {
  try {
    const m = (e as { message?: unknown } | null | undefined)?.message;
    return typeof m === 'string' ? m : String(e);
  } catch {
    return 'an unprintable value';
  }
}

/**
 * Refuse keys of an options object that the callee does not know (a typo such as
 * `{ netsn: ns }` would otherwise be ignored and the default used): throws
 * InvalidArgumentError naming `${arg}${key}` and listing the known keys.
 * @internal
 */
export function checkOptionKeys(obj: object, allowed: ReadonlySet<string>, arg: string): void {
  // for-in: no key array allocated per call (Object.keys made one). Own keys only, but
  // ownership is asked only of a key not in the set: an inherited known key passes either
  // way, and hasOwnProperty.call on every key was most of this loop's cost in the
  // unoptimised code a process runs its first requests in.
  for (const k in obj) {
    if (!allowed.has(k) && Object.prototype.hasOwnProperty.call(obj, k)) throw new InvalidArgumentError(`${arg}${k}`, `unknown option '${k}' (known: ${[...allowed].join(', ')})`);
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
 *
 * When the callback run in the namespace had thrown before the switch back failed, both
 * failures are kept: `cause` is the callback's error (so `util.inspect` and loggers that
 * follow `cause` show its stack), the message names it after the setns failure, and
 * `setnsError` holds the failed switch back. Otherwise `cause` is the setns error.
 */
export class NetnsRestoreError extends Error {
  declare readonly [RESTORE]: true;
  /** Always 'ERR_NLKIT_NETNS_RESTORE'; stable across versions. */
  readonly code = 'ERR_NLKIT_NETNS_RESTORE';
  /** The callback's own error when it threw (see `callbackThrew`), else the error from setns back. */
  override readonly cause: unknown;
  /** The error from setns back (a SysError). */
  readonly setnsError: unknown;
  /** True when the callback threw before the switch back failed; its error is then `cause`. */
  readonly callbackThrew: boolean;
  /**
   * @param setnsError the failed switch back.
   * @param callback `{ error }` when the callback had thrown `error` first.
   */
  constructor(setnsError: unknown, callback?: { readonly error: unknown }) {
    super(`could not switch the thread back to its original network namespace: ${messageOf(setnsError)}; the thread is left in a foreign netns${callback ? `; the callback had thrown first: ${messageOf(callback.error)}` : ''}`);
    this.name = 'NetnsRestoreError';
    this.cause = callback ? callback.error : setnsError;
    this.setnsError = setnsError;
    this.callbackThrew = callback !== undefined;
    Object.defineProperty(this, RESTORE, { value: true });
  }

  /** `instanceof` that also matches instances from another copy of nlkit, by the `Symbol.for('nlkit.NetnsRestoreError')` brand; a subclass matches by prototype chain only. */
  static override [Symbol.hasInstance](v: unknown): boolean {
    return isInstance(this, NetnsRestoreError, v, RESTORE);
  }
}
