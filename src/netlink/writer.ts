/**
 * Builds netlink messages in place in a pooled slab: the nlmsghdr's `nlmsg_len` is the
 * cursor, attributes are written straight after it, nests are back-patched. No buffer
 * per attribute; padding is always zeroed (a slab holds stale bytes); the length field
 * excludes trailing padding as the kernel expects for attributes.
 * @module
 */
import { endianness } from 'node:os';
import { NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN, align4 } from './constants.js';
import { ClosedError, InvalidArgumentError } from './errors.js';
import { SLAB_SIZE, acquireSlab, releaseSlab } from './pool.js';

const LE = endianness() === 'LE';
/**
 * TypedArray's own fill, called directly: Buffer#fill is a JavaScript wrapper in Node's
 * library (argument checks, then this), which a new process runs unoptimised for its
 * first requests. `reserve` checks its argument itself.
 */
const U8_FILL = Uint8Array.prototype.fill;

/**
 * A reusable message builder over a pooled slab.
 *
 * Lifetime: the bytes returned by {@link MessageWriter.finish} are a view into the
 * slab, valid until the next {@link MessageWriter.begin} on this writer (or
 * `release()`); copy it (`Buffer.from(view)`) to keep it — `Buffer#slice` is a view too. A writer refuses a second `begin`
 * while a message is being built (re-entrancy guard).
 */
export class MessageWriter {
  /** The slab; replaced by a larger one when a message outgrows it. */
  buf: Buffer;
  /** DataView over {@link buf}. */
  view: DataView;
  /**
   * {@link buf} as host-order 32-bit words (a slab starts on a word boundary): word
   * `p >> 2` is bytes p..p+3 for a 4-aligned `p`. Netlink is host-order, so a u32 field
   * or an attribute header (length and type) is one store — cheaper than DataView calls
   * in the unoptimised code a process runs its first requests in (V8 had not optimised
   * the request path after W1's 1000 creates: bench/results/trace-opt-2026-12-01.txt).
   * A builder that writes through it re-reads it after `ensure(n)`: a grow replaces it.
   */
  words: Uint32Array;
  /** Write cursor: offset of the next byte (the whole batch length). */
  pos = 0;
  private msgStart = 0;
  private building = false;

  constructor(size = SLAB_SIZE) {
    this.buf = acquireSlab(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.words = wordsOf(this.buf);
  }

  /** Make room for `n` more bytes, growing into a bigger slab if needed. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need > this.buf.length) this.grow(need);
  }

  /** Move to a slab of at least `need` bytes, keeping what is written. */
  private grow(need: number): void {
    // Doubling a released writer's empty buffer never reached `need`: the call hung.
    if (this.buf === EMPTY_BUF) throw new ClosedError('MessageWriter (used after release())');
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const nb = acquireSlab(size);
    this.buf.copy(nb, 0, 0, this.pos);
    releaseSlab(this.buf);
    this.buf = nb;
    this.view = new DataView(nb.buffer, nb.byteOffset, nb.length);
    this.words = wordsOf(nb);
  }

  /** Drop everything written; the next `begin` starts at offset 0. */
  reset(): this {
    this.pos = 0;
    this.building = false;
    return this;
  }

  /**
   * {@link reset} then {@link begin}, for a writer that builds one message at a time (a
   * socket's request writer) — except while a message is being built: then it throws like
   * `begin`, and what is written stays. A request made from inside another's builder reset
   * the writer under it: the outer request went out with the inner one's header (its
   * sequence number), so its answer was never recognised and the caller waited for ever.
   */
  restart(type: number, flags: number, seq: number): this {
    if (this.building) throw new Error('nlkit: a request made from inside the builder of another request on the same socket (re-entrant build): make it before or after');
    this.pos = 0;
    return this.begin(type, flags, seq, 0);
  }

  /**
   * Start a message: writes the nlmsghdr at the cursor (appending to a batch when the
   * writer was not reset). `finish()` fills in the length.
   */
  begin(type: number, flags: number, seq: number, pid = 0): this {
    if (this.building) throw new Error('nlkit: MessageWriter.begin() while a message is being built (re-entrant build)');
    const p = this.pos;
    if (p + NLMSG_HDRLEN > this.buf.length) this.grow(p + NLMSG_HDRLEN);
    this.building = true;
    this.msgStart = p;
    if ((p & 3) === 0) {
      const w = this.words;
      const i = p >> 2;
      w[i] = NLMSG_HDRLEN;
      w[i + 1] = LE ? (type & 0xffff) | (flags << 16) : (type << 16) | (flags & 0xffff);
      w[i + 2] = seq;
      w[i + 3] = pid;
    } else {
      const v = this.view;
      v.setUint32(p, NLMSG_HDRLEN, LE);
      v.setUint16(p + 4, type, LE);
      v.setUint16(p + 6, flags, LE);
      v.setUint32(p + 8, seq >>> 0, LE);
      v.setUint32(p + 12, pid >>> 0, LE);
    }
    this.pos = p + NLMSG_HDRLEN;
    return this;
  }

  /** Offset of the current message's header within the slab. */
  get messageStart(): number {
    return this.msgStart;
  }

  /**
   * Reserve `n` zeroed bytes for a fixed family header (ifinfomsg, ifaddrmsg, …),
   * aligned to 4; returns its offset for the caller to fill through {@link view}.
   * @throws InvalidArgumentError when `n` is negative, NaN or too large to align.
   */
  reserve(n: number): number {
    const a = align4(n);
    // Also catches NaN and a size whose alignment overflows int32 (align4 is bitwise).
    if (!(n >= 0) || a < n) throw new InvalidArgumentError('n', `expected a byte count from 0 to ${0x7ffffffc}, got ${n}`);
    const p = this.pos;
    if (p + a > this.buf.length) this.grow(p + a);
    if (a <= 16 && (p & 3) === 0) {
      // A family header (ifinfomsg, ifaddrmsg, rtmsg…): zeroed a word at a time, without
      // a call into the TypedArray builtin.
      const w = this.words;
      for (let i = p >> 2, e = (p + a) >> 2; i < e; i++) w[i] = 0;
    } else U8_FILL.call(this.buf, 0, p, p + a); // in bounds: grown above
    this.pos = p + a;
    return p;
  }

  /**
   * Finish the current message: sets nlmsg_len; returns a view of the whole batch
   * (`buf[0, pos)`). Creating the view allocates a small object; hot paths use
   * {@link finishLength} and send from {@link buf} directly.
   */
  finish(): Buffer {
    return this.buf.subarray(0, this.finishLength());
  }

  /**
   * Finish the current message like {@link finish} but return the batch length instead
   * of a view: the bytes are `buf[0, length)`, valid until the next `begin`. Allocates
   * nothing.
   */
  finishLength(): number {
    this.view.setUint32(this.msgStart, this.pos - this.msgStart, LE);
    this.building = false;
    return this.pos;
  }

  /** Abandon the message being built and rewind to its start. */
  abort(): void {
    if (this.building) this.pos = this.msgStart;
    this.building = false;
  }

  /** Write an attribute header (its length `NLA_HDRLEN + len`) at the cursor; returns the payload's offset. */
  private hdr(type: number, len: number): number {
    const total = NLA_HDRLEN + len;
    if (total > 0xffff) throw new InvalidArgumentError(`attribute ${type}`, `payload of ${len} bytes exceeds the 65531-byte netlink attribute limit`);
    const p = this.pos;
    const need = p + ((total + 3) & ~3);
    if (need > this.buf.length) this.grow(need);
    if ((p & 3) === 0) this.words[p >> 2] = LE ? total | (type << 16) : (total << 16) | (type & 0xffff);
    else {
      this.view.setUint16(p, total, LE);
      this.view.setUint16(p + 2, type, LE);
    }
    return p + NLA_HDRLEN;
  }

  /** Zero from `end` to the next 4-byte boundary and move the cursor there. */
  private pad(end: number): void {
    const a = (end + 3) & ~3;
    const b = this.buf;
    for (let i = end; i < a; i++) b[i] = 0;
    this.pos = a;
  }

  /** Attribute with a u8 payload. */
  putU8(type: number, v: number): this {
    const p = this.hdr(type, 1);
    this.buf[p] = v & 0xff;
    this.pad(p + 1);
    return this;
  }

  /** Attribute with a host-order u16 payload. */
  putU16(type: number, v: number): this {
    const p = this.hdr(type, 2);
    this.view.setUint16(p, v, LE);
    this.pad(p + 2);
    return this;
  }

  /** Attribute with a network-order u16 payload (ports, ethertypes). */
  putBe16(type: number, v: number): this {
    const p = this.hdr(type, 2);
    this.view.setUint16(p, v, false);
    this.pad(p + 2);
    return this;
  }

  /** Attribute with a host-order u32 payload. */
  putU32(type: number, v: number): this {
    const p = this.hdr(type, 4);
    if ((p & 3) === 0) this.words[p >> 2] = v; // ToUint32: the same bytes as setUint32(v >>> 0)
    else this.view.setUint32(p, v >>> 0, LE);
    this.pos = p + 4;
    return this;
  }

  /** Attribute with a host-order s32 payload. */
  putS32(type: number, v: number): this {
    const p = this.hdr(type, 4);
    if ((p & 3) === 0) this.words[p >> 2] = v; // two's complement, as setInt32
    else this.view.setInt32(p, v, LE);
    this.pos = p + 4;
    return this;
  }

  /** Attribute with a network-order u32 payload. */
  putBe32(type: number, v: number): this {
    const p = this.hdr(type, 4);
    this.view.setUint32(p, v >>> 0, false);
    this.pos = p + 4;
    return this;
  }

  /** Attribute with a host-order u64 payload. */
  putU64(type: number, v: bigint | number): this {
    const p = this.hdr(type, 8);
    this.view.setBigUint64(p, typeof v === 'bigint' ? v : BigInt(v), LE);
    this.pos = p + 8;
    return this;
  }

  /** NUL-terminated string attribute (UTF-8). */
  putStrz(type: number, s: string): this {
    const len = s.length;
    const max = len * 3 + 1;
    const start = this.pos;
    const need = start + ((NLA_HDRLEN + max + 3) & ~3);
    if (need > this.buf.length) this.grow(need);
    const p = start + NLA_HDRLEN;
    const buf = this.buf;
    // Short ASCII strings (names, kinds) are copied by a JS loop, without the native
    // Buffer#write call; anything else (longer, or non-ASCII) goes through UTF-8 encoding.
    let n = 0;
    if (len <= 32) {
      for (; n < len; n++) {
        const c = s.charCodeAt(n);
        if (c >= 0x80) break;
        buf[p + n] = c;
      }
    }
    if (n !== len) n = buf.write(s, p, 'utf8');
    this.buf[p + n] = 0;
    const total = NLA_HDRLEN + n + 1;
    if (total > 0xffff) {
      this.pos = start;
      throw new InvalidArgumentError(`attribute ${type}`, 'string exceeds the netlink attribute limit');
    }
    if ((start & 3) === 0) this.words[start >> 2] = LE ? total | (type << 16) : (total << 16) | (type & 0xffff);
    else {
      this.view.setUint16(start, total, LE);
      this.view.setUint16(start + 2, type, LE);
    }
    const end = p + n + 1;
    const a = (end + 3) & ~3;
    for (let i = end; i < a; i++) buf[i] = 0;
    this.pos = a;
    return this;
  }

  /** Attribute with raw bytes. */
  putBytes(type: number, bytes: Uint8Array): this {
    const p = this.hdr(type, bytes.length);
    this.buf.set(bytes, p);
    this.pad(p + bytes.length);
    return this;
  }

  /** Flag attribute (no payload). */
  putFlag(type: number): this {
    const p = this.hdr(type, 0);
    this.pos = p;
    return this;
  }

  /** Open a nested attribute; returns its offset for {@link nestEnd}/{@link nestCancel}. */
  nestStart(type: number, nestedFlag = true): number {
    const p = this.pos;
    this.hdr(nestedFlag ? type | NLA_F_NESTED : type, 0);
    this.pos = p + NLA_HDRLEN;
    return p;
  }

  /** Close a nest opened at `off`: back-patches its length. */
  nestEnd(off: number): void {
    const len = this.pos - off;
    if (len > 0xffff) throw new InvalidArgumentError('nested attribute', `nest of ${len} bytes exceeds the 65535-byte netlink attribute limit`);
    this.view.setUint16(off, len, LE);
  }

  /** Discard a nest opened at `off` and everything written into it. */
  nestCancel(off: number): void {
    this.pos = off;
  }

  /** Give the slab back to the pool. The writer must not be used afterwards. */
  release(): void {
    releaseSlab(this.buf);
    // Shared empty stand-ins (nothing can be written to a zero-length buffer): a handle's
    // close() made three objects here.
    this.buf = EMPTY_BUF;
    this.view = EMPTY_VIEW;
    this.words = EMPTY_WORDS;
    this.pos = 0;
  }
}

const EMPTY_BUF = Buffer.alloc(0);
const EMPTY_VIEW = new DataView(EMPTY_BUF.buffer, EMPTY_BUF.byteOffset, 0);
const EMPTY_WORDS = new Uint32Array(0);

/** The slab as host-order words; a slab from the pool starts a fresh ArrayBuffer (offset 0). */
function wordsOf(b: Buffer): Uint32Array {
  if (b.byteOffset & 3) throw new Error('nlkit: a writer slab must start on a 4-byte boundary');
  return new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
}

/** True when the host is little-endian (netlink uses host byte order). */
export const HOST_LE = LE;
