/**
 * ethtool over generic netlink (family 'ethtool', <linux/ethtool_netlink.h>): a device's
 * channels (queues) and offload features, read and changed as `ethtool -l/-L` and
 * `ethtool -k/-K` do, on a {@link Genl} handle.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, checkOptionKeys, showValue, walkAttrs, type MessageWriter } from '../netlink/index.js';
import { Genl, type GenlOptions } from './genl.js';
import type { GenlMessage } from './message.js';

// Message types (user → kernel) and attributes, from <linux/ethtool_netlink.h>.
const MSG_STRSET_GET = 1;
const MSG_FEATURES_GET = 11;
const MSG_FEATURES_SET = 12;
const MSG_CHANNELS_GET = 17;
const MSG_CHANNELS_SET = 18;
const A_HEADER_DEV_INDEX = 1;
const A_HEADER_DEV_NAME = 2;
const A_HEADER_FLAGS = 3;
const FLAG_COMPACT_BITSETS = 1 << 0;
const FLAG_OMIT_REPLY = 1 << 1;
const A_BITSET_SIZE = 2;
const A_BITSET_VALUE = 4;
const A_BITSET_MASK = 5;
const A_STRSET_HEADER = 1;
const A_STRSET_STRINGSETS = 2;
const A_STRINGSETS_STRINGSET = 1;
const A_STRINGSET_ID = 1;
const A_STRINGSET_STRINGS = 3;
const A_STRINGS_STRING = 1;
const A_STRING_INDEX = 1;
const A_STRING_VALUE = 2;
/** ETH_SS_FEATURES (<linux/ethtool.h> enum ethtool_stringset). */
const ETH_SS_FEATURES = 4;
const A_FEATURES_HEADER = 1;
const A_FEATURES_HW = 2;
const A_FEATURES_WANTED = 3;
const A_FEATURES_ACTIVE = 4;
const A_FEATURES_NOCHANGE = 5;
/** ETHTOOL_A_CHANNELS_*: header, then the maxima and the counts of rx, tx, other, combined. */
const A_CHANNELS_HEADER = 1;
const CHANNEL_ATTRS: readonly [number, keyof EthtoolChannels][] = [
  [2, 'rxMax'], [3, 'txMax'], [4, 'otherMax'], [5, 'combinedMax'], [6, 'rx'], [7, 'tx'], [8, 'other'], [9, 'combined'],
];
const SET_CHANNEL_ATTRS: readonly [number, keyof EthtoolChannelCounts][] = [[6, 'rx'], [7, 'tx'], [8, 'other'], [9, 'combined']];
const CHANNEL_KEYS: ReadonlySet<string> = new Set(['rx', 'tx', 'other', 'combined']);

/** A device's channels (`ethtool -l`): each maximum and count the driver reports (a kind it has none of is left out). */
export interface EthtoolChannels {
  /** The most RX-only channels the device can have (ETHTOOL_A_CHANNELS_RX_MAX; `ethtool -l`'s "Pre-set maximums: RX"). */
  rxMax?: number;
  /** The most TX-only channels (ETHTOOL_A_CHANNELS_TX_MAX). */
  txMax?: number;
  /** The most other channels, e.g. for link interrupts (ETHTOOL_A_CHANNELS_OTHER_MAX). */
  otherMax?: number;
  /** The most combined (RX and TX) channels (ETHTOOL_A_CHANNELS_COMBINED_MAX). */
  combinedMax?: number;
  /** RX-only channels now (ETHTOOL_A_CHANNELS_RX_COUNT; "Current hardware settings: RX"). */
  rx?: number;
  /** TX-only channels now (ETHTOOL_A_CHANNELS_TX_COUNT). */
  tx?: number;
  /** Other channels now (ETHTOOL_A_CHANNELS_OTHER_COUNT). */
  other?: number;
  /** Combined channels now (ETHTOOL_A_CHANNELS_COMBINED_COUNT). */
  combined?: number;
}

/** The counts `setChannels` takes (`ethtool -L DEV rx N tx N other N combined N`): any of them, at least one. */
export interface EthtoolChannelCounts {
  /** RX-only channels (`rx N`). Defaults to the current count. */
  readonly rx?: number | undefined;
  /** TX-only channels (`tx N`). Defaults to the current count. */
  readonly tx?: number | undefined;
  /** Other channels (`other N`). Defaults to the current count. */
  readonly other?: number | undefined;
  /** Combined channels (`combined N`). Defaults to the current count. */
  readonly combined?: number | undefined;
}

/** One offload feature of a device (`ethtool -k`). */
export interface EthtoolFeature {
  /** In effect now. */
  active: boolean;
  /** What was asked for (ethtool's "requested"): may differ from `active` while a feature it needs is off. */
  wanted: boolean;
  /** The driver lets it change (ethtool prints "[fixed]" for the others). */
  changeable: boolean;
}

/** What `setFeatures` did. */
export interface EthtoolFeatureChange {
  /** Every feature after the change. */
  features: Record<string, EthtoolFeature>;
  /** The features asked for whose active state is not what was asked (the kernel took the wish, the device did not follow: usually a feature it needs is off). */
  unapplied: string[];
}

/** A device as ethtool's request header names it: its name (or altname) or its ifindex. */
function checkDev(dev: unknown): string | number {
  if (typeof dev === 'number') {
    if (!Number.isInteger(dev) || dev <= 0 || dev > 0x7fffffff) throw new InvalidArgumentError('dev', `expected a positive ifindex, got ${showValue(dev)}`);
    return dev;
  }
  if (typeof dev !== 'string' || dev === '' || dev.includes('\0') || Buffer.byteLength(dev) > 127) throw new InvalidArgumentError('dev', `expected a device name or ifindex, got ${showValue(dev)}`);
  return dev;
}

/** ETHTOOL_A_*_HEADER: the device, and header flags. */
function putHeader(w: MessageWriter, type: number, dev: string | number, flags: number): void {
  const h = w.nestStart(type);
  if (typeof dev === 'number') w.putU32(A_HEADER_DEV_INDEX, dev);
  else w.putStrz(A_HEADER_DEV_NAME, dev);
  if (flags) w.putU32(A_HEADER_FLAGS, flags);
  w.nestEnd(h);
}

/** The attributes of a reply as (type, DataView offset, length) calls. */
function walk(m: GenlMessage, fn: (type: number, off: number, len: number, view: DataView) => void): void {
  const view = new DataView(m.attrs.buffer, m.attrs.byteOffset, m.attrs.length);
  walkAttrs(view, 0, m.attrs.length, ['ethtool'], (type, off, len) => fn(type, off, len, view));
}

/** A compact bitset (ETHTOOL_A_BITSET_SIZE and _VALUE): the bits set, as a boolean per index. */
function compactBits(view: DataView, off: number, len: number): boolean[] {
  let size = 0;
  let vOff = -1;
  walkAttrs(view, off, off + len, ['ethtool', 'bitset'], (t, o, l) => {
    if (t === A_BITSET_SIZE) size = view.getUint32(o, HOST_LE);
    else if (t === A_BITSET_VALUE) vOff = l > 0 ? o : -1;
  });
  const bits: boolean[] = new Array<boolean>(size).fill(false);
  if (vOff >= 0) for (let i = 0; i < size; i++) bits[i] = ((view.getUint32(vOff + (i >>> 5) * 4, HOST_LE) >>> (i & 31)) & 1) === 1;
  return bits;
}

/**
 * ethtool over netlink: channels and features of the devices of one netns. Holds a
 * {@link Genl} handle (its socket in that netns); close it with `close()` or `using`.
 *
 * Equivalent to: `ethtool -l/-L`, `ethtool -k/-K` (run in the netns).
 * @example
 * using et = Ethtool.open({ netns: ns });
 * await et.setFeatures('eth0', { 'tx-checksum-ip-generic': false }); // ethtool -K eth0 tx-checksum-ip-generic off
 * const { rx, tx } = await et.channels('eth0');                       // ethtool -l eth0
 */
export class Ethtool {
  /** The generic netlink handle it speaks through. */
  readonly genl: Genl;
  /** ETH_SS_FEATURES: feature names by bit, read once (they are the kernel's, the same for every device). */
  private featureNames: string[] | undefined;

  private constructor(genl: Genl) {
    this.genl = genl;
  }

  /**
   * Open one: a {@link Genl} handle with the same options (`netns`, `receiveBufferSize`).
   *
   * Equivalent to: `ip netns exec NAME ethtool …`.
   */
  static open(options: GenlOptions = {}): Ethtool {
    return new Ethtool(Genl.open(options));
  }

  /**
   * A device's channels: the maximum and current count of RX, TX, other and combined
   * queues its driver reports (ETHTOOL_MSG_CHANNELS_GET).
   *
   * Equivalent to: `ethtool -l DEV`.
   * @throws NetlinkError 'ENODEV' (no such device), 'EOPNOTSUPP' (its driver has no channels).
   */
  async channels(dev: string | number): Promise<EthtoolChannels> {
    const d = checkDev(dev);
    const [m] = await this.call(MSG_CHANNELS_GET, d, 'read the channels of', (w) => putHeader(w, A_CHANNELS_HEADER, d, 0));
    const out: EthtoolChannels = {};
    if (m) walk(m, (t, o, _l, v) => {
      for (const [type, key] of CHANNEL_ATTRS) if (t === type) out[key] = v.getUint32(o, HOST_LE);
    });
    return out;
  }

  /**
   * Change a device's channel counts (ETHTOOL_MSG_CHANNELS_SET); the counts not given stay.
   *
   * Equivalent to: `ethtool -L DEV [rx N] [tx N] [other N] [combined N]`.
   * @throws InvalidArgumentError for no count, a count that is not a u32 or an unknown
   *   key (nothing sent); NetlinkError with the kernel's words ('EINVAL' "requested channel
   *   count exceeds maximum"), 'ENODEV', 'EOPNOTSUPP'.
   */
  async setChannels(dev: string | number, counts: EthtoolChannelCounts): Promise<void> {
    const d = checkDev(dev);
    if (typeof counts !== 'object' || counts === null) throw new InvalidArgumentError('counts', `expected { rx, tx, other, combined }, got ${showValue(counts)}`);
    checkOptionKeys(counts, CHANNEL_KEYS, 'counts.');
    const given: [number, number][] = [];
    for (const [type, key] of SET_CHANNEL_ATTRS) {
      const n = counts[key];
      if (n === undefined) continue;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError(`counts.${key}`, `expected a channel count (an integer 0..4294967295), got ${showValue(n)}`);
      given.push([type, n]);
    }
    if (given.length === 0) throw new InvalidArgumentError('counts', 'give at least one of rx, tx, other, combined');
    await this.call(MSG_CHANNELS_SET, d, 'set the channels of', (w) => {
      putHeader(w, A_CHANNELS_HEADER, d, 0);
      for (const [type, n] of given) w.putU32(type, n);
    });
  }

  /**
   * A device's offload features by the kernel's names ('tx-checksum-ip-generic',
   * 'rx-gro', …): whether each is active, wanted, and changeable
   * (ETHTOOL_MSG_FEATURES_GET; the names from the ETH_SS_FEATURES string set).
   *
   * Equivalent to: `ethtool -k DEV` (which also prints a few legacy group names, such as
   * 'tx-checksumming', that stand for several of these).
   * @throws NetlinkError 'ENODEV' (no such device).
   */
  async features(dev: string | number): Promise<Record<string, EthtoolFeature>> {
    const d = checkDev(dev);
    const names = await this.names();
    const [m] = await this.call(MSG_FEATURES_GET, d, 'read the features of', (w) => putHeader(w, A_FEATURES_HEADER, d, FLAG_COMPACT_BITSETS));
    const sets: Record<number, boolean[]> = {};
    if (m) walk(m, (t, o, l, v) => {
      if (t >= A_FEATURES_HW && t <= A_FEATURES_NOCHANGE) sets[t] = compactBits(v, o, l);
    });
    const out: Record<string, EthtoolFeature> = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (!name) continue;
      out[name] = {
        active: sets[A_FEATURES_ACTIVE]?.[i] ?? false,
        wanted: sets[A_FEATURES_WANTED]?.[i] ?? false,
        changeable: (sets[A_FEATURES_HW]?.[i] ?? false) && !(sets[A_FEATURES_NOCHANGE]?.[i] ?? false),
      };
    }
    return out;
  }

  /**
   * Turn offload features on or off (ETHTOOL_MSG_FEATURES_SET of the wanted bits given;
   * the others stay). Every name is checked against the device's features first: an
   * unknown name or one the driver does not let change is refused before anything is
   * sent. Resolves with the features after the change and those whose active state did
   * not follow the wish (a feature they need is off: the kernel keeps the wish and turns
   * them on once it can, as `ethtool -K` reports "Actual changes").
   *
   * Equivalent to: `ethtool -K DEV NAME on|off …`.
   * @throws InvalidArgumentError for an empty change, a value not true/false, an unknown
   *   or fixed feature (naming it); NetlinkError 'ENODEV'.
   */
  async setFeatures(dev: string | number, changes: Readonly<Record<string, boolean>>): Promise<EthtoolFeatureChange> {
    const d = checkDev(dev);
    if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) throw new InvalidArgumentError('changes', `expected { featureName: true | false }, got ${showValue(changes)}`);
    const keys = Object.keys(changes);
    if (keys.length === 0) throw new InvalidArgumentError('changes', 'no feature to change');
    for (const k of keys) if (typeof changes[k] !== 'boolean') throw new InvalidArgumentError(`changes.${k}`, `expected true or false, got ${showValue(changes[k])}`);
    const names = await this.names();
    const before = await this.features(d);
    for (const k of keys) {
      // Own keys only: 'toString' or 'constructor' is no feature, whatever the prototype has.
      const f = Object.hasOwn(before, k) ? before[k] : undefined;
      if (!f) throw new InvalidArgumentError(`changes.${k}`, `no feature '${k}' (the kernel's names, as features() lists them: e.g. 'tx-checksum-ip-generic', 'rx-gro'; ethtool's group names such as 'tx-checksumming' are not features)`);
      if (!f.changeable && f.active !== changes[k]) throw new InvalidArgumentError(`changes.${k}`, `'${k}' is fixed ${f.active ? 'on' : 'off'} on ${typeof d === 'number' ? `ifindex ${d}` : `'${d}'`} (its driver does not let it change)`);
    }
    const words = Math.ceil(names.length / 32);
    const value = new Uint32Array(words);
    const mask = new Uint32Array(words);
    for (const k of keys) {
      const i = names.indexOf(k);
      mask[i >>> 5]! |= 1 << (i & 31);
      if (changes[k]) value[i >>> 5]! |= 1 << (i & 31);
    }
    await this.call(MSG_FEATURES_SET, d, 'set the features of', (w) => {
      putHeader(w, A_FEATURES_HEADER, d, FLAG_COMPACT_BITSETS | FLAG_OMIT_REPLY);
      const b = w.nestStart(A_FEATURES_WANTED);
      w.putU32(A_BITSET_SIZE, names.length);
      w.putBytes(A_BITSET_VALUE, new Uint8Array(value.buffer));
      w.putBytes(A_BITSET_MASK, new Uint8Array(mask.buffer));
      w.nestEnd(b);
    });
    const features = await this.features(d);
    return { features, unapplied: keys.filter((k) => features[k]!.active !== changes[k]) };
  }

  /** Close the handle (idempotent). */
  close(): void {
    this.genl.close();
  }

  /** `using et = Ethtool.open()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** ETH_SS_FEATURES, read once (ETHTOOL_MSG_STRSET_GET without a device: the kernel's global set). */
  private async names(): Promise<string[]> {
    if (this.featureNames) return this.featureNames;
    const [m] = await this.genl.request('ethtool', MSG_STRSET_GET, {
      attrs: (w) => {
        const h = w.nestStart(A_STRSET_HEADER);
        w.nestEnd(h);
        const sets = w.nestStart(A_STRSET_STRINGSETS);
        const s = w.nestStart(A_STRINGSETS_STRINGSET);
        w.putU32(A_STRINGSET_ID, ETH_SS_FEATURES);
        w.nestEnd(s);
        w.nestEnd(sets);
      },
    });
    const names: string[] = [];
    if (m) walk(m, (t, o, l, v) => {
      if (t !== A_STRSET_STRINGSETS) return;
      walkAttrs(v, o, o + l, ['ethtool', 'stringsets'], (_t, so, sl) => {
        walkAttrs(v, so, so + sl, ['ethtool', 'stringset'], (st, xo, xl) => {
          if (st !== A_STRINGSET_STRINGS) return;
          walkAttrs(v, xo, xo + xl, ['ethtool', 'strings'], (it, io, il) => {
            if (it !== A_STRINGS_STRING) return;
            let index = -1;
            let value = '';
            walkAttrs(v, io, io + il, ['ethtool', 'string'], (ft, fo, fl) => {
              if (ft === A_STRING_INDEX) index = v.getUint32(fo, HOST_LE);
              else if (ft === A_STRING_VALUE) value = Buffer.from(v.buffer, v.byteOffset + fo, fl).toString('utf8').replace(/\0[\s\S]*$/, '');
            });
            if (index >= 0) names[index] = value;
          });
        });
      });
    });
    for (let i = 0; i < names.length; i++) names[i] ??= '';
    return (this.featureNames = names);
  }

  /** One ethtool request about `dev`, its refusals said in terms of the device. */
  private async call(cmd: number, dev: string | number, what: string, attrs: (w: MessageWriter) => void): Promise<GenlMessage[]> {
    try {
      return await this.genl.request('ethtool', cmd, { attrs });
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      const name = typeof dev === 'number' ? `ifindex ${dev}` : `'${dev}'`;
      const why = e.code === 'ENODEV' ? `no device ${name} in the handle's netns`
        : e.code === 'EOPNOTSUPP' ? `${name}: its driver cannot ${what.replace(/ of$/, '')} (it has no ethtool support for that)`
          : undefined;
      if (!why) throw e;
      throw new NetlinkError(e.errno, e.request, e.extack, e.hint ? `${e.hint}; ${why}` : why);
    }
  }
}
