/**
 * Attributes described as data. A table of `{ type, name, key, codec }` drives both
 * the encoder (object → attributes written into a {@link MessageWriter}) and the
 * decoder (attributes → plain object). Unknown attributes are kept raw in
 * `unknown: [{ type, value }]`, never dropped.
 *
 * Codecs: u8 u16 u32 s32 u64 be16 be32 strz string binary flag mac, a nested table,
 * or a custom `{ encode, decode }` pair for context-dependent payloads.
 * @module
 */
import { NLA_HDRLEN, NLA_TYPE_MASK, NLA_F_NESTED, align4 } from './constants.js';
import { DecodeError, InvalidArgumentError } from './errors.js';
import { checkAttr } from './reader.js';
import { HOST_LE, MessageWriter } from './writer.js';

/** Decoding context handed to custom codecs. */
export interface DecodeContext {
  /** The receive buffer (values are views into it until copied). */
  readonly buf: Buffer;
  /** DataView over the same bytes. */
  readonly view: DataView;
  /** Context chain for error messages. */
  readonly path: readonly string[];
  /** The object being decoded at this level (earlier attributes already set). */
  readonly parent: Record<string, unknown>;
}

/** A context-dependent codec (for example IFLA_INFO_DATA, chosen by IFLA_INFO_KIND). */
export interface CustomCodec<Out = unknown, In = Out> {
  /** Decode the value at `[off, off+len)` (undefined: store nothing). */
  decode(ctx: DecodeContext, off: number, len: number): Out | undefined;
  /** Write the attribute `type` for `value` (the whole attribute, header included); `value` is checked here, whatever its static type. */
  encode?(w: MessageWriter, type: number, value: unknown, whole: Record<string, unknown>): void;
  /** Type level only, never set: what `encode` accepts (the `In` type parameter), for the option types derived from tables. */
  readonly inputType?: In;
}

/** A primitive codec name. */
export type PrimitiveCodec = 'u8' | 'u16' | 'u32' | 's32' | 'u64' | 'be16' | 'be32' | 'strz' | 'string' | 'binary' | 'flag' | 'mac';

/** What an attribute's payload is. */
export type Codec = PrimitiveCodec | AttrTable | CustomCodec;

/** One row of an attribute table. */
export interface AttrSpec {
  /** Attribute type number, from the kernel header. */
  readonly type: number;
  /** The header's name, e.g. 'IFLA_MTU' (used in errors and extack offsets). */
  readonly name: string;
  /** Property name in the decoded object, e.g. 'mtu'. */
  readonly key: string;
  /** Payload codec. */
  readonly codec: Codec;
  /** The attribute may repeat: decoded as an array. */
  readonly multi?: boolean | undefined;
}

/** An attribute with no row in the table, kept raw (a copy, not a view). */
export interface RawAttribute {
  /** nla_type with the NLA_F_NESTED and NLA_F_NET_BYTEORDER bits cleared. */
  readonly type: number;
  /** The payload, header and padding excluded (a copy). */
  readonly value: Uint8Array;
}

/**
 * Format 6 (or any) bytes as lowercase colon-separated hex. Up to 32 bytes the text is
 * written into a scratch buffer and read back as one string: one allocation instead of
 * a chain of concatenations (a dump of 1000 links formats 2000 MACs).
 */
export function hexColon(buf: Uint8Array, off: number, len: number): string {
  if (len > 32) {
    let s = '';
    for (let i = 0; i < len; i++) s += (i ? ':' : '') + HEX[buf[off + i]!];
    return s;
  }
  let p = 0;
  for (let i = 0; i < len; i++) {
    const b = buf[off + i]!;
    if (i) HEX_SCRATCH[p++] = 0x3a; // ':'
    HEX_SCRATCH[p++] = HEX_DIGITS[b >> 4]!;
    HEX_SCRATCH[p++] = HEX_DIGITS[b & 15]!;
  }
  return HEX_SCRATCH.toString('latin1', 0, p);
}
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));
const HEX_SCRATCH = Buffer.allocUnsafeSlow(96);
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Parse 'aa:bb:…' or 'aa-bb-…' hex into bytes; null when malformed. */
export function parseHexColon(s: string): Uint8Array | null {
  if (typeof s !== 'string' || s.length === 0) return null;
  // One separator throughout: '02:00-00:…' is more likely a typo than an address.
  const parts = s.split(s.includes(':') ? ':' : '-');
  const out = new Uint8Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    out[i] = parseInt(p, 16);
  }
  return out;
}

/**
 * The value of every empty binary payload: one frozen zero-length Buffer. It has no
 * bytes to change, so sharing it is invisible, and it saves a Buffer and an
 * ArrayBuffer per empty attribute (~0.3 µs each; a link dump carries two empty nests,
 * IFLA_DEVLINK_PORT and IFLA_DPLL_PIN, per link).
 */
export const EMPTY_BYTES: Buffer = Object.freeze(Buffer.alloc(0)) as Buffer;

/**
 * A copy of `buf[start, end)` that outlives the receive buffer. (`Buffer#slice` is a
 * view, not a copy: a value made with it would change when the slab is reused.)
 * An empty range gives the shared {@link EMPTY_BYTES}.
 */
export function copyBytes(buf: Uint8Array, start: number, end: number): Buffer {
  const n = end - start;
  if (n === 0) return EMPTY_BYTES;
  if (n > 64) return Buffer.from(buf.subarray(start, end));
  // Small payloads (most binary attributes): one Buffer from the pool and a byte loop,
  // instead of a subarray view plus a copy (two typed-array objects per attribute).
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = buf[start + i]!;
  return b;
}

function isTable(c: Codec): c is AttrTable {
  return c instanceof AttrTable;
}

/**
 * An attribute table: rows by type (dense array) and by key. `decode` turns an
 * attribute stream into a plain object; `encode` writes an object's known keys.
 */
export class AttrTable<Shape extends object = object, Input extends object = object> {
  /** Type level only, never set: the decoded object's type (derived from the rows by rtnl's `table()`). */
  declare readonly shapeType?: Shape;
  /** Type level only, never set: the type `encode` takes. */
  declare readonly inputType?: Input;
  /** Table name for errors and extack paths, e.g. 'IFLA'. */
  readonly name: string;
  /** Rows indexed by attribute type. */
  readonly byType: (AttrSpec | undefined)[] = [];
  /** Rows by decoded key. */
  readonly byKey = new Map<string, AttrSpec>();
  /** Rows in declaration order. */
  readonly rows: readonly AttrSpec[];

  constructor(name: string, rows: readonly AttrSpec[]) {
    this.name = name;
    this.rows = rows;
    for (const r of rows) {
      this.byType[r.type] = r;
      this.byKey.set(r.key, r);
    }
  }

  /** Name of an attribute type ('IFLA_MTU'), or `<table>#<type>` when unknown. */
  nameOf(type: number): string {
    return this.byType[type & NLA_TYPE_MASK]?.name ?? `${this.name}#${type & NLA_TYPE_MASK}`;
  }

  /**
   * Decode the attributes in `[start, end)` of `buf` into `out` (created when not
   * given). Strings and numbers become plain values; binary payloads are copied.
   */
  decode(buf: Buffer, view: DataView, start: number, end: number, path: readonly string[], out: Record<string, unknown> = {}): Record<string, unknown> {
    let off = start;
    let unknown: RawAttribute[] | undefined;
    while (end - off >= NLA_HDRLEN) {
      const alen = checkAttr(view, off, end, path);
      const type = view.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK;
      const voff = off + NLA_HDRLEN;
      const vlen = alen - NLA_HDRLEN;
      const row = this.byType[type];
      if (row === undefined) {
        (unknown ??= []).push({ type, value: copyBytes(buf, voff, voff + vlen) });
      } else {
        const val = decodeValue(row, buf, view, voff, vlen, path, out);
        if (val === undefined) {
          // A custom codec chose to store nothing (superseded attributes such as IFLA_STATS).
        } else if (row.multi) {
          const arr = out[row.key] as unknown[] | undefined;
          if (arr) arr.push(val);
          else out[row.key] = [val];
        } else {
          out[row.key] = val;
        }
      }
      off += align4(alen);
    }
    if (end - off > 3) throw new DecodeError('trailing bytes after attributes', path, off, NLA_HDRLEN, end - off);
    if (unknown) out['unknown'] = unknown;
    return out;
  }

  /**
   * Write every key of `obj` that has a row (in table order). `undefined` values are
   * skipped; `false` skips a flag. Throws InvalidArgumentError for a value the codec
   * cannot hold.
   */
  encode(w: MessageWriter, obj: Record<string, unknown>, argPrefix = ''): void {
    const rows = this.rows;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const v = obj[row.key];
      if (v === undefined) continue;
      if (row.multi && Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) encodeValue(w, row, v[i], obj, argPrefix);
      } else {
        encodeValue(w, row, v, obj, argPrefix);
      }
    }
  }

  /**
   * Describe the attribute at byte `offset` of a request built with this table,
   * starting at `attrsStart`: 'IFLA_LINKINFO › IFLA_INFO_DATA › VETH_INFO_PEER'. Returns
   * undefined when the offset does not land on an attribute.
   */
  describeOffset(req: Uint8Array, attrsStart: number, offset: number): string | undefined {
    const v = new DataView(req.buffer, req.byteOffset, req.byteLength);
    return describeIn(this, v, attrsStart, req.byteLength, offset);
  }
}

function describeIn(table: AttrTable | undefined, v: DataView, start: number, end: number, target: number): string | undefined {
  let off = start;
  while (end - off >= NLA_HDRLEN) {
    const len = v.getUint16(off, HOST_LE);
    if (len < NLA_HDRLEN || off + len > end) return undefined;
    const type = v.getUint16(off + 2, HOST_LE);
    const name = table ? table.nameOf(type) : `#${type & NLA_TYPE_MASK}`;
    if (off === target) return name;
    if (target > off && target < off + len) {
      const row = table?.byType[type & NLA_TYPE_MASK];
      const sub = row && isTable(row.codec) ? row.codec : undefined;
      // Nested tables, or a nested flag on an attribute whose table we do not know.
      if (sub || (type & NLA_F_NESTED) !== 0 || (row && typeof row.codec === 'object')) {
        const inner = describeIn(sub ?? subTableOf(row), v, off + NLA_HDRLEN, off + len, target);
        return inner ? `${name} › ${inner}` : name;
      }
      return name;
    }
    off += align4(len);
  }
  return undefined;
}

function subTableOf(row: AttrSpec | undefined): AttrTable | undefined {
  const c = row?.codec as { table?: AttrTable } | undefined;
  return c && typeof c === 'object' && c.table instanceof AttrTable ? c.table : undefined;
}

function need(path: readonly string[], row: AttrSpec, off: number, want: number, len: number): void {
  if (len < want) throw new DecodeError(`${row.name} payload too short`, path, off, want, len);
}

function decodeValue(row: AttrSpec, buf: Buffer, v: DataView, off: number, len: number, path: readonly string[], parent: Record<string, unknown>): unknown {
  const c = row.codec;
  switch (c) {
    case 'u8':
      need(path, row, off, 1, len);
      return buf[off];
    case 'u16':
      need(path, row, off, 2, len);
      return v.getUint16(off, HOST_LE);
    case 'be16':
      need(path, row, off, 2, len);
      return v.getUint16(off, false);
    case 'u32':
      need(path, row, off, 4, len);
      return v.getUint32(off, HOST_LE);
    case 's32':
      need(path, row, off, 4, len);
      return v.getInt32(off, HOST_LE);
    case 'be32':
      need(path, row, off, 4, len);
      return v.getUint32(off, false);
    case 'u64':
      need(path, row, off, 8, len);
      return v.getBigUint64(off, HOST_LE);
    case 'strz': {
      let e = off + len;
      while (e > off && buf[e - 1] === 0) e--;
      return buf.toString('utf8', off, e);
    }
    case 'string':
      return buf.toString('utf8', off, off + len);
    case 'binary':
      return copyBytes(buf, off, off + len);
    case 'flag':
      return true;
    case 'mac':
      return hexColon(buf, off, len);
    default:
      if (isTable(c)) return c.decode(buf, v, off, off + len, childPath(path, row.name));
      return c.decode({ buf, view: v, path: childPath(path, row.name), parent }, off, len);
  }
}

/**
 * `[...path, name]`, cached so steady-state decoding builds no arrays: a one-entry
 * cache per name (paths repeat: the same table is decoded under the same parent), a
 * WeakMap behind it.
 */
const lastPath = new Map<string, { parent: readonly string[]; child: readonly string[] }>();
const paths = new WeakMap<readonly string[], Map<string, readonly string[]>>();
export function childPath(path: readonly string[], name: string): readonly string[] {
  const last = lastPath.get(name);
  if (last !== undefined && last.parent === path) return last.child;
  let m = paths.get(path);
  if (m === undefined) paths.set(path, (m = new Map()));
  let p = m.get(name);
  if (p === undefined) m.set(name, (p = Object.freeze([...path, name])));
  lastPath.set(name, { parent: path, child: p });
  return p;
}

/**
 * Decode one attribute value with `row`'s codec (what {@link AttrTable.decode} does per
 * attribute), for hand-written decoders that switch on hot types and fall back here.
 */
export function decodeRow(row: AttrSpec, buf: Buffer, view: DataView, off: number, len: number, path: readonly string[], parent: Record<string, unknown>): unknown {
  return decodeValue(row, buf, view, off, len, path, parent);
}

/** `${prefix}${row.key}.`, cached so that steady-state encoding builds no strings. */
const prefixes = new WeakMap<AttrSpec, Map<string, string>>();
function childPrefix(row: AttrSpec, prefix: string): string {
  let m = prefixes.get(row);
  if (m === undefined) prefixes.set(row, (m = new Map()));
  let p = m.get(prefix);
  if (p === undefined) m.set(prefix, (p = `${prefix}${row.key}.`));
  return p;
}

function num(row: AttrSpec, v: unknown, prefix: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(prefix + row.key, `${String(v)} is not an integer in ${min}..${max} (${row.name})`);
  }
  return v;
}

function encodeValue(w: MessageWriter, row: AttrSpec, v: unknown, whole: Record<string, unknown>, prefix: string): void {
  const c = row.codec;
  switch (c) {
    case 'u8':
      w.putU8(row.type, num(row, v, prefix, 0, 0xff));
      return;
    case 'u16':
      w.putU16(row.type, num(row, v, prefix, 0, 0xffff));
      return;
    case 'be16':
      w.putBe16(row.type, num(row, v, prefix, 0, 0xffff));
      return;
    case 'u32':
      w.putU32(row.type, num(row, v, prefix, 0, 0xffffffff));
      return;
    case 's32':
      w.putS32(row.type, num(row, v, prefix, -0x80000000, 0x7fffffff));
      return;
    case 'be32':
      w.putBe32(row.type, num(row, v, prefix, 0, 0xffffffff));
      return;
    case 'u64': {
      if (typeof v === 'bigint') {
        if (v < 0n || v > 0xffffffffffffffffn) throw new InvalidArgumentError(prefix + row.key, `${v} is out of u64 range (${row.name})`);
        w.putU64(row.type, v);
      } else w.putU64(row.type, num(row, v, prefix, 0, Number.MAX_SAFE_INTEGER));
      return;
    }
    case 'strz':
    case 'string':
      if (typeof v !== 'string') throw new InvalidArgumentError(prefix + row.key, `expected a string (${row.name})`);
      if (v.includes('\0')) throw new InvalidArgumentError(prefix + row.key, `contains a NUL byte (${row.name})`);
      if (c === 'strz') w.putStrz(row.type, v);
      else w.putBytes(row.type, Buffer.from(v, 'utf8'));
      return;
    case 'binary':
      if (!(v instanceof Uint8Array)) throw new InvalidArgumentError(prefix + row.key, `expected a Uint8Array (${row.name})`);
      w.putBytes(row.type, v);
      return;
    case 'flag':
      if (v === true) w.putFlag(row.type);
      else if (v !== false) throw new InvalidArgumentError(prefix + row.key, `expected a boolean (${row.name})`);
      return;
    case 'mac': {
      const b = typeof v === 'string' ? parseHexColon(v) : v instanceof Uint8Array ? v : null;
      if (!b) throw new InvalidArgumentError(prefix + row.key, `${String(v)} is not a hardware address (${row.name})`);
      w.putBytes(row.type, b);
      return;
    }
    default:
      if (isTable(c)) {
        if (typeof v !== 'object' || v === null) throw new InvalidArgumentError(prefix + row.key, `expected an object (${row.name})`);
        const n = w.nestStart(row.type);
        c.encode(w, v as Record<string, unknown>, childPrefix(row, prefix));
        w.nestEnd(n);
        return;
      }
      if (!c.encode) throw new InvalidArgumentError(prefix + row.key, `${row.name} is read-only: the kernel reports it, and takes no value for it`);
      try {
        c.encode(w, row.type, v, whole);
      } catch (e) {
        // A custom codec knows its attribute's number, not the key it was given as:
        // name the key ('bridgePort.state', not 'attribute 1').
        if (e instanceof InvalidArgumentError && e.argument === `attribute ${row.type}`) {
          throw new InvalidArgumentError(prefix + row.key, e.message.slice(`invalid ${e.argument}: `.length));
        }
        throw e;
      }
  }
}
