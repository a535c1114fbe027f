/**
 * MacAddr: a validated 6-byte Ethernet hardware address.
 * @module
 */
import { nodeCrypto } from '../builtins.js';
import { InvalidArgumentError, showValue } from '../netlink/index.js';

const MAC_RE = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/;

/** A 6-byte Ethernet (EUI-48) address. Immutable. */
export class MacAddr {
  readonly #bytes: Uint8Array;

  /**
   * From exactly 6 bytes (each an integer 0–255).
   * @throws InvalidArgumentError otherwise.
   */
  constructor(bytes: ArrayLike<number>) {
    if (bytes === null || typeof bytes !== 'object' || typeof (bytes as ArrayLike<number>).length !== 'number') {
      throw new InvalidArgumentError('mac', `expected 6 bytes, got ${showValue(bytes)}${typeof bytes === 'string' ? ' (a string is read with MacAddr.parse)' : ''}`);
    }
    if (bytes.length !== 6) throw new InvalidArgumentError('mac', `a MAC address is 6 bytes, got ${bytes.length}`);
    const b = new Uint8Array(6);
    for (let i = 0; i < 6; i++) {
      const x = bytes[i];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) throw new InvalidArgumentError('mac', `byte ${i} is ${showValue(x)}, not an integer 0..255`);
      b[i] = x;
    }
    this.#bytes = b;
  }

  /**
   * Parse 'aa:bb:cc:dd:ee:ff' or 'aa-bb-cc-dd-ee-ff', any case.
   * @throws InvalidArgumentError for anything else.
   */
  static parse(s: string): MacAddr {
    if (typeof s !== 'string') throw new InvalidArgumentError('mac', `expected a string, got ${showValue(s)}`);
    const m = MAC_RE.exec(s.trim());
    if (!m) throw new InvalidArgumentError('mac', `${showValue(s)} is not a MAC address (expected six hex pairs separated by ':' or '-')`);
    return new MacAddr([m[1]!, m[3]!, m[4]!, m[5]!, m[6]!, m[7]!].map((h) => parseInt(h, 16)));
  }

  /** A random locally administered, unicast address (bit 1 of the first byte set, bit 0 clear). */
  static random(): MacAddr {
    const b = nodeCrypto().randomBytes(6);
    b[0] = (b[0]! & 0xfe) | 0x02;
    return new MacAddr(b);
  }

  /** A copy of the 6 bytes. */
  get bytes(): Uint8Array {
    return new Uint8Array(this.#bytes);
  }

  /** Lowercase colon form, e.g. '00:15:5d:1a:1f:1c'. */
  toString(): string {
    let s = '';
    for (let i = 0; i < 6; i++) s += (i ? ':' : '') + this.#bytes[i]!.toString(16).padStart(2, '0');
    return s;
  }

  /** JSON is the string form. */
  toJSON(): string {
    return this.toString();
  }

  /**
   * `console.log` / `util.inspect` show the address, `MacAddr(00:15:5d:1a:1f:1c)`: the
   * bytes are private, so the default showed `MacAddr {}` (and a printed Veth or Link
   * showed no MAC at all).
   */
  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: { stylize?: (text: string, style: string) => string }): string {
    const s = this.toString();
    return `MacAddr(${options?.stylize ? options.stylize(s, 'special') : s})`;
  }

  /** Same 6 bytes (accepts a MacAddr or a string). */
  equals(other: MacAddr | string): boolean {
    const o = typeof other === 'string' ? MacAddr.parse(other) : other;
    if (!(o instanceof MacAddr)) return false;
    const ob = o.#bytes;
    for (let i = 0; i < 6; i++) if (ob[i] !== this.#bytes[i]) return false;
    return true;
  }

  /** Locally administered bit set. */
  get isLocal(): boolean {
    return (this.#bytes[0]! & 0x02) !== 0;
  }

  /** Multicast bit set. */
  get isMulticast(): boolean {
    return (this.#bytes[0]! & 0x01) !== 0;
  }
}
