/**
 * Reading netlink bytes: message framing and attribute walking over views of the
 * receive buffer (no copies). Every length is bounds-checked; malformed input throws
 * {@link DecodeError} naming the lengths and the context path — never a read past the
 * end, a hang on a zero length, or a crash.
 * @module
 */
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN, align4 } from './constants.js';
import { DecodeError, InvalidArgumentError } from './errors.js';
import { HOST_LE } from './writer.js';

/** One framed netlink message as returned by {@link decodeMessages}. */
export interface DecodedMessage {
  /** nlmsg_type. */
  readonly type: number;
  /** nlmsg_flags. */
  readonly flags: number;
  /** nlmsg_seq. */
  readonly seq: number;
  /** nlmsg_pid (port id of the sender for kernel replies: 0). */
  readonly pid: number;
  /** Bytes after the header, a view into the input (valid as long as the input is). */
  readonly payload: Uint8Array;
}

/** One attribute as returned by {@link decodeAttributes}. */
export interface DecodedAttribute {
  /** Attribute type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. */
  readonly type: number;
  /** NLA_F_NESTED was set. */
  readonly nested: boolean;
  /** NLA_F_NET_BYTEORDER was set. */
  readonly netByteOrder: boolean;
  /** Payload without header or padding, a view into the input. */
  readonly value: Uint8Array;
}

/** A DataView over exactly the bytes of `b`. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Check the message header at `off` within `[off, end)` and return its nlmsg_len.
 * Throws DecodeError for a short header or a length below 16 or past `end`.
 */
export function checkMessage(v: DataView, off: number, end: number, path: readonly string[] = []): number {
  const have = end - off;
  if (have < NLMSG_HDRLEN) throw new DecodeError('short netlink message header', path, off, NLMSG_HDRLEN, have);
  const len = v.getUint32(off, HOST_LE);
  if (len < NLMSG_HDRLEN) throw new DecodeError(`nlmsg_len ${len} below the header size`, path, off, NLMSG_HDRLEN, len);
  if (len > have) throw new DecodeError(`nlmsg_len ${len} past the end`, path, off, len, have);
  return len;
}

/**
 * Split a buffer (one datagram or several concatenated) into netlink messages.
 * Payloads are views into `bytes`. Throws {@link DecodeError} on malformed framing.
 */
export function decodeMessages(bytes: Uint8Array): DecodedMessage[] {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', `expected a Buffer or Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  const v = viewOf(bytes);
  const out: DecodedMessage[] = [];
  let off = 0;
  const end = bytes.byteLength;
  while (off < end) {
    const len = checkMessage(v, off, end, [`message ${out.length}`]);
    out.push({
      type: v.getUint16(off + 4, HOST_LE),
      flags: v.getUint16(off + 6, HOST_LE),
      seq: v.getUint32(off + 8, HOST_LE),
      pid: v.getUint32(off + 12, HOST_LE),
      payload: bytes.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/**
 * Check the attribute at `off` within `[off, end)`; returns its nla_len.
 * Throws DecodeError for a short header, nla_len < 4 or past `end`.
 */
export function checkAttr(v: DataView, off: number, end: number, path: readonly string[]): number {
  const have = end - off;
  if (have < NLA_HDRLEN) throw new DecodeError('short attribute header', path, off, NLA_HDRLEN, have);
  const len = v.getUint16(off, HOST_LE);
  if (len < NLA_HDRLEN) throw new DecodeError(`nla_len ${len} below the attribute header size`, path, off, NLA_HDRLEN, len);
  if (len > have) throw new DecodeError(`nla_len ${len} past the end`, path, off, len, have);
  return len;
}

/**
 * Walk the attributes in `bytes` (one level). Values are views into `bytes`. A
 * trailing remainder shorter than an attribute header (at most 3 bytes of padding) is
 * tolerated, as the kernel's nla_parse does; anything else malformed throws.
 */
export function decodeAttributes(bytes: Uint8Array, path: readonly string[] = []): DecodedAttribute[] {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', `expected a Buffer or Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  const v = viewOf(bytes);
  const out: DecodedAttribute[] = [];
  let off = 0;
  const end = bytes.byteLength;
  while (end - off >= NLA_HDRLEN) {
    const len = checkAttr(v, off, end, path);
    const t = v.getUint16(off + 2, HOST_LE);
    out.push({
      type: t & NLA_TYPE_MASK,
      nested: (t & NLA_F_NESTED) !== 0,
      netByteOrder: (t & NLA_F_NET_BYTEORDER) !== 0,
      value: bytes.subarray(off + NLA_HDRLEN, off + len),
    });
    off += align4(len);
  }
  if (off < end && end - off > 3) throw new DecodeError('trailing bytes after attributes', path, off, NLA_HDRLEN, end - off);
  return out;
}

/**
 * Low-level walk for hot paths: calls `fn(type, valueOffset, valueLength)` for each
 * attribute in `[start, end)` of `v`, offsets relative to `v` (`type` without the
 * NLA_F_NESTED / NLA_F_NET_BYTEORDER bits). Checks every length; throws DecodeError
 * with `path` (e.g. `['RTM_NEWLINK']`) naming where a bad one was. Nothing is
 * allocated: read the values with `v`'s getters, as a `dump` handler does.
 *
 * @example
 * const mtus = await rt.sock.dump(RTM_GETLINK, 0, (w) => void w.reserve(16), (_b, v, off, len) => {
 *   let mtu = 0;
 *   walkAttrs(v, off + 32, off + len, ['RTM_NEWLINK'], (type, o) => { if (type === 4) mtu = v.getUint32(o, true); });
 *   return mtu;
 * });
 */
export function walkAttrs(
  v: DataView,
  start: number,
  end: number,
  path: readonly string[],
  fn: (type: number, off: number, len: number) => void,
): void {
  let off = start;
  while (end - off >= NLA_HDRLEN) {
    const len = checkAttr(v, off, end, path);
    fn(v.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK, off + NLA_HDRLEN, len - NLA_HDRLEN);
    off += align4(len);
  }
  if (end - off > 3) throw new DecodeError('trailing bytes after attributes', path, off, NLA_HDRLEN, end - off);
}

/**
 * A fixed-size attribute's payload: `len` must hold `want` bytes, else a DecodeError
 * naming it (`path` › `attr`), for decoders that read a scalar or struct straight off the
 * view — where a short one would be read out of the padding, or past the end as a
 * RangeError.
 */
export function need(len: number, want: number, path: readonly string[], attr: string, off: number): void {
  // The path array is made only for the error: this runs for every attribute of every object.
  if (len < want) throw new DecodeError('attribute shorter than its struct', [...path, attr], off, want, len);
}

/**
 * Find the attribute of `type` in `[start, end)` and return the offset of its value
 * or -1. Length of the value via `v.getUint16(valueOffset - 4) - 4`.
 */
export function findAttr(v: DataView, start: number, end: number, type: number, path: readonly string[] = []): number {
  let off = start;
  while (end - off >= NLA_HDRLEN) {
    const len = checkAttr(v, off, end, path);
    if ((v.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK) === type) return off + NLA_HDRLEN;
    off += align4(len);
  }
  return -1;
}
