/**
 * ethtool over generic netlink (family 'ethtool', <linux/ethtool_netlink.h>): a device's
 * link settings and state (`ethtool DEV`, `ethtool -s`), time stamping (`ethtool -T`),
 * channels (queues) and offload features (`ethtool -l/-L`, `ethtool -k/-K`), on a
 * {@link Genl} handle. The numbers come from scripts/gen-ethtool-constants.py.
 * @module
 */
import { DecodeError, HOST_LE, InvalidArgumentError, MessageWriter, NLMSG_HDRLEN, NetlinkError, checkOptionKeys, showValue, walkAttrs } from '../netlink/index.js';
import { GENL_HDRLEN, GENL_ID_CTRL } from './constants.js';
import { Genl, type GenlOptions } from './genl.js';
import type { GenlMessage } from './message.js';
import * as E from './ethtool-constants.js';

const A_HEADER_DEV_INDEX = E.ETHTOOL_A_HEADER_DEV_INDEX;
const A_HEADER_DEV_NAME = E.ETHTOOL_A_HEADER_DEV_NAME;
const A_HEADER_FLAGS = E.ETHTOOL_A_HEADER_FLAGS;
/** ETHTOOL_A_CHANNELS_*: the maxima and the counts of rx, tx, other, combined. */
const CHANNEL_ATTRS: readonly [number, keyof EthtoolChannels][] = [
  [E.ETHTOOL_A_CHANNELS_RX_MAX, 'rxMax'], [E.ETHTOOL_A_CHANNELS_TX_MAX, 'txMax'], [E.ETHTOOL_A_CHANNELS_OTHER_MAX, 'otherMax'],
  [E.ETHTOOL_A_CHANNELS_COMBINED_MAX, 'combinedMax'], [E.ETHTOOL_A_CHANNELS_RX_COUNT, 'rx'], [E.ETHTOOL_A_CHANNELS_TX_COUNT, 'tx'],
  [E.ETHTOOL_A_CHANNELS_OTHER_COUNT, 'other'], [E.ETHTOOL_A_CHANNELS_COMBINED_COUNT, 'combined'],
];
const SET_CHANNEL_ATTRS: readonly [number, keyof EthtoolChannelCounts][] = [
  [E.ETHTOOL_A_CHANNELS_RX_COUNT, 'rx'], [E.ETHTOOL_A_CHANNELS_TX_COUNT, 'tx'], [E.ETHTOOL_A_CHANNELS_OTHER_COUNT, 'other'], [E.ETHTOOL_A_CHANNELS_COMBINED_COUNT, 'combined'],
];
const CHANNEL_KEYS: ReadonlySet<string> = new Set(['rx', 'tx', 'other', 'combined']);
/**
 * The attributes of each SET an extended ACK may point at: by type, the argument they
 * came from, the attribute's name and whether its payload is a u32 to show. A refusal
 * names them as rtnetlink's do ("[at IFLA_MTU]") and says which setting of which device.
 */
const SET_FIELDS: ReadonlyMap<number, ReadonlyMap<number, readonly [arg: string, attr: string, u32: boolean]>> = new Map([
  [E.ETHTOOL_MSG_CHANNELS_SET, new Map<number, readonly [string, string, boolean]>([
    [E.ETHTOOL_A_CHANNELS_RX_COUNT, ['counts.rx', 'ETHTOOL_A_CHANNELS_RX_COUNT', true]],
    [E.ETHTOOL_A_CHANNELS_TX_COUNT, ['counts.tx', 'ETHTOOL_A_CHANNELS_TX_COUNT', true]],
    [E.ETHTOOL_A_CHANNELS_OTHER_COUNT, ['counts.other', 'ETHTOOL_A_CHANNELS_OTHER_COUNT', true]],
    [E.ETHTOOL_A_CHANNELS_COMBINED_COUNT, ['counts.combined', 'ETHTOOL_A_CHANNELS_COMBINED_COUNT', true]],
  ])],
  [E.ETHTOOL_MSG_LINKMODES_SET, new Map<number, readonly [string, string, boolean]>([
    [E.ETHTOOL_A_LINKMODES_AUTONEG, ['change.autoneg', 'ETHTOOL_A_LINKMODES_AUTONEG', false]],
    [E.ETHTOOL_A_LINKMODES_OURS, ['change.advertise', 'ETHTOOL_A_LINKMODES_OURS', false]],
    [E.ETHTOOL_A_LINKMODES_SPEED, ['change.speed', 'ETHTOOL_A_LINKMODES_SPEED', true]],
    [E.ETHTOOL_A_LINKMODES_DUPLEX, ['change.duplex', 'ETHTOOL_A_LINKMODES_DUPLEX', false]],
    [E.ETHTOOL_A_LINKMODES_LANES, ['change.lanes', 'ETHTOOL_A_LINKMODES_LANES', true]],
  ])],
  [E.ETHTOOL_MSG_FEATURES_SET, new Map<number, readonly [string, string, boolean]>([
    [E.ETHTOOL_A_FEATURES_WANTED, ['changes', 'ETHTOOL_A_FEATURES_WANTED', false]],
  ])],
]);

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

/**
 * @internal A bitset attribute (ETHTOOL_A_BITSET_*) in either form the kernel answers:
 * compact (SIZE, VALUE and MASK as u32 words; no MASK with NOMASK) or verbose (BITS, a nest
 * of BIT { INDEX, NAME, VALUE flag } — every bit of the mask listed, those of the value
 * flagged; with NOMASK only the bits set). Verbose bits carry their names; compact ones are
 * named from the string set of the attribute.
 */
export interface EthtoolBitset {
  /** ETHTOOL_A_BITSET_SIZE: how many bits the kernel has (its string set's length). */
  size: number;
  /** The bits set in the value (a list: sorted by index). */
  value: number[];
  /** The bits of the mask; undefined when the kernel sent ETHTOOL_A_BITSET_NOMASK (a plain list). */
  mask: number[] | undefined;
  /** Names a verbose bitset gave, by index. */
  names: Map<number, string>;
}

/** A NUL-terminated string attribute's text. */
function strzAt(view: DataView, off: number, len: number): string {
  return Buffer.from(view.buffer, view.byteOffset + off, len).toString('utf8').replace(/\0[\s\S]*$/, '');
}

/** A fixed-size attribute's payload: `len` must hold `want` bytes, else a DecodeError saying how many it has. */
function need(len: number, want: number, what: string, path: readonly string[], off: number): void {
  if (len < want) throw new DecodeError(`${what} payload too short`, path, off, want, len);
}

/** A u8 attribute's value (a DecodeError when shorter). */
function u8At(view: DataView, off: number, len: number, what: string, path: readonly string[]): number {
  need(len, 1, what, path, off);
  return view.getUint8(off);
}

/** A u32 attribute's value, host order (a DecodeError when shorter). */
function u32At(view: DataView, off: number, len: number, what: string, path: readonly string[]): number {
  need(len, 4, what, path, off);
  return view.getUint32(off, HOST_LE);
}

/** The bits set in the u32 words at `off` (host order), below `size`: `len` must hold ceil(size / 32) words (a DecodeError, not a shorter list, when it does not). */
function wordBits(view: DataView, off: number, len: number, size: number, what: string): number[] {
  need(len, Math.ceil(size / 32) * 4, what, ['ethtool', 'bitset'], off);
  const out: number[] = [];
  const n = size;
  for (let i = 0; i < n; i++) if (((view.getUint32(off + (i >>> 5) * 4, HOST_LE) >>> (i & 31)) & 1) === 1) out.push(i);
  return out;
}

/** @internal Decode a bitset attribute's payload (`off`, `len` in `view`), compact or verbose. */
export function decodeBitset(view: DataView, off: number, len: number): EthtoolBitset {
  let size = 0;
  let nomask = false;
  let vOff = -1;
  let vLen = 0;
  let mOff = -1;
  let mLen = 0;
  let bitsOff = -1;
  let bitsLen = 0;
  walkAttrs(view, off, off + len, ['ethtool', 'bitset'], (t, o, l) => {
    if (t === E.ETHTOOL_A_BITSET_NOMASK) nomask = true;
    else if (t === E.ETHTOOL_A_BITSET_SIZE) size = u32At(view, o, l, 'ETHTOOL_A_BITSET_SIZE', ['ethtool', 'bitset']);
    else if (t === E.ETHTOOL_A_BITSET_VALUE) [vOff, vLen] = [o, l];
    else if (t === E.ETHTOOL_A_BITSET_MASK) [mOff, mLen] = [o, l];
    else if (t === E.ETHTOOL_A_BITSET_BITS) [bitsOff, bitsLen] = [o, l];
  });
  const names = new Map<number, string>();
  if (bitsOff >= 0) {
    const value: number[] = [];
    const mask: number[] = [];
    walkAttrs(view, bitsOff, bitsOff + bitsLen, ['ethtool', 'bitset', 'bits'], (t, o, l) => {
      if (t !== E.ETHTOOL_A_BITSET_BITS_BIT) return;
      let index = -1;
      let set = false;
      let name: string | undefined;
      walkAttrs(view, o, o + l, ['ethtool', 'bitset', 'bits', 'bit'], (bt, bo, bl) => {
        if (bt === E.ETHTOOL_A_BITSET_BIT_INDEX) index = u32At(view, bo, bl, 'ETHTOOL_A_BITSET_BIT_INDEX', ['ethtool', 'bitset', 'bits', 'bit']);
        else if (bt === E.ETHTOOL_A_BITSET_BIT_NAME) name = strzAt(view, bo, bl);
        else if (bt === E.ETHTOOL_A_BITSET_BIT_VALUE) set = true;
      });
      if (index < 0) throw new DecodeError('ETHTOOL_A_BITSET_BITS_BIT without ETHTOOL_A_BITSET_BIT_INDEX', ['ethtool', 'bitset', 'bits'], o, 8, 0);
      if (name !== undefined) names.set(index, name);
      mask.push(index);
      if (nomask || set) value.push(index);
    });
    value.sort((x, y) => x - y);
    mask.sort((x, y) => x - y);
    return { size, value, mask: nomask ? undefined : mask, names };
  }
  return {
    size,
    value: vOff >= 0 ? wordBits(view, vOff, vLen, size, 'ETHTOOL_A_BITSET_VALUE') : [],
    mask: nomask ? undefined : mOff >= 0 ? wordBits(view, mOff, mLen, size, 'ETHTOOL_A_BITSET_MASK') : [],
    names,
  };
}

/** The names of bits: a verbose bitset's own, else the string set's (`bit N` where neither has one). */
function bitNames(bits: readonly number[], bs: EthtoolBitset, set: readonly string[]): string[] {
  return bits.map((i) => bs.names.get(i) ?? (set[i] || `bit ${i}`));
}

/** An attribute of a reply nlkit does not decode (newer than the headers it was built from), kept raw. */
export interface EthtoolRawAttribute {
  /** Its type number. */
  type: number;
  /** Its payload, a copy. */
  value: Uint8Array;
}

function rawAttr(view: DataView, type: number, off: number, len: number): EthtoolRawAttribute {
  return { type, value: new Uint8Array(view.buffer.slice(view.byteOffset + off, view.byteOffset + off + len)) };
}

/** A name from a table by the kernel's number, or the number itself when the table has none. */
function named<T extends string>(table: ReadonlyMap<number, T>, v: number): T | number {
  return table.get(v) ?? v;
}

/** PORT_* as `ethtool DEV` prints them ("Port: Twisted Pair"). */
const PORT_NAMES: ReadonlyMap<number, EthtoolPort> = new Map<number, EthtoolPort>([
  [E.PORT_TP, 'Twisted Pair'], [E.PORT_AUI, 'AUI'], [E.PORT_BNC, 'BNC'], [E.PORT_MII, 'MII'], [E.PORT_FIBRE, 'FIBRE'],
  [E.PORT_DA, 'Direct Attach Copper'], [E.PORT_NONE, 'None'], [E.PORT_OTHER, 'Other'],
]);
/** XCVR_* as `ethtool DEV` prints them ("Transceiver: internal"). */
const XCVR_NAMES: ReadonlyMap<number, 'internal' | 'external'> = new Map([[E.XCVR_INTERNAL, 'internal'], [E.XCVR_EXTERNAL, 'external']]);
/** ETH_TP_MDI_* by the words of `ethtool -s DEV mdix off|on|auto` (ETH_TP_MDI_INVALID: 'unknown', ethtool's "MDI-X: Unknown"). */
const MDI_NAMES: ReadonlyMap<number, EthtoolMdix> = new Map<number, EthtoolMdix>([
  [E.ETH_TP_MDI_INVALID, 'unknown'], [E.ETH_TP_MDI, 'off'], [E.ETH_TP_MDI_X, 'on'], [E.ETH_TP_MDI_AUTO, 'auto'],
]);
const DUPLEX_NAMES: ReadonlyMap<number, EthtoolDuplex> = new Map<number, EthtoolDuplex>([[E.DUPLEX_HALF, 'half'], [E.DUPLEX_FULL, 'full'], [E.DUPLEX_UNKNOWN, 'unknown']]);
const MASTER_SLAVE_CFG_NAMES: ReadonlyMap<number, string> = new Map([
  [E.MASTER_SLAVE_CFG_UNKNOWN, 'unknown'], [E.MASTER_SLAVE_CFG_MASTER_PREFERRED, 'preferred-master'], [E.MASTER_SLAVE_CFG_SLAVE_PREFERRED, 'preferred-slave'],
  [E.MASTER_SLAVE_CFG_MASTER_FORCE, 'forced-master'], [E.MASTER_SLAVE_CFG_SLAVE_FORCE, 'forced-slave'],
]);
const MASTER_SLAVE_STATE_NAMES: ReadonlyMap<number, string> = new Map([
  [E.MASTER_SLAVE_STATE_UNKNOWN, 'unknown'], [E.MASTER_SLAVE_STATE_MASTER, 'master'], [E.MASTER_SLAVE_STATE_SLAVE, 'slave'], [E.MASTER_SLAVE_STATE_ERR, 'resolution error'],
]);
const RATE_MATCH_NAMES: ReadonlyMap<number, string> = new Map([
  [E.RATE_MATCH_NONE, 'none'], [E.RATE_MATCH_PAUSE, 'pause'], [E.RATE_MATCH_CRS, 'crs'], [E.RATE_MATCH_OPEN_LOOP, 'open-loop'],
]);
/** ETHTOOL_LINK_EXT_STATE_* as `ethtool DEV` prints them after "Link detected: no (…)". */
const EXT_STATE_NAMES: ReadonlyMap<number, string> = new Map([
  [E.ETHTOOL_LINK_EXT_STATE_AUTONEG, 'Autoneg'], [E.ETHTOOL_LINK_EXT_STATE_LINK_TRAINING_FAILURE, 'Link training failure'],
  [E.ETHTOOL_LINK_EXT_STATE_LINK_LOGICAL_MISMATCH, 'Logical mismatch'], [E.ETHTOOL_LINK_EXT_STATE_BAD_SIGNAL_INTEGRITY, 'Bad signal integrity'],
  [E.ETHTOOL_LINK_EXT_STATE_NO_CABLE, 'No cable'], [E.ETHTOOL_LINK_EXT_STATE_CABLE_ISSUE, 'Cable issue'], [E.ETHTOOL_LINK_EXT_STATE_EEPROM_ISSUE, 'EEPROM issue'],
  [E.ETHTOOL_LINK_EXT_STATE_CALIBRATION_FAILURE, 'Calibration failure'], [E.ETHTOOL_LINK_EXT_STATE_POWER_BUDGET_EXCEEDED, 'Power budget exceeded'],
  [E.ETHTOOL_LINK_EXT_STATE_OVERHEAT, 'Overheat'], [E.ETHTOOL_LINK_EXT_STATE_MODULE, 'Module'],
]);
const LINKMODE_KEYS: ReadonlySet<string> = new Set(['speed', 'duplex', 'autoneg', 'lanes', 'advertise']);
/** Lane counts the kernel takes (its ethnl_validate_lanes_cfg: 1, 2, 4, 8). */
const LANES: readonly number[] = [1, 2, 4, 8];

/** A connector as `ethtool DEV` prints its "Port:" line. */
export type EthtoolPort = 'Twisted Pair' | 'AUI' | 'BNC' | 'MII' | 'FIBRE' | 'Direct Attach Copper' | 'None' | 'Other';
/** MDI/MDI-X, by the words of `ethtool -s DEV mdix off|on|auto`; 'unknown' is ETH_TP_MDI_INVALID (not known or not applicable). */
export type EthtoolMdix = 'off' | 'on' | 'auto' | 'unknown';
/** Duplex, by the words of `ethtool -s DEV duplex half|full` (`ethtool DEV` prints "Half", "Full", "Unknown! (255)"). */
export type EthtoolDuplex = 'half' | 'full' | 'unknown';

/**
 * A device's port and PHY (`ethtool DEV`'s Port, PHYAD, Transceiver and MDI-X lines;
 * ETHTOOL_MSG_LINKINFO_GET). A value the headers nlkit was built from do not name comes as
 * the kernel's number.
 */
export interface EthtoolLinkInfo {
  /** The connector (ETHTOOL_A_LINKINFO_PORT, PORT_*), as ethtool prints it: 'Twisted Pair', 'FIBRE', 'Direct Attach Copper', … */
  port?: EthtoolPort | number;
  /** The PHY's MDIO address (ETHTOOL_A_LINKINFO_PHYADDR; ethtool's "PHYAD"). */
  phyAddress?: number;
  /** The transceiver (ETHTOOL_A_LINKINFO_TRANSCEIVER, XCVR_*): 'internal' or 'external' as ethtool prints them. */
  transceiver?: 'internal' | 'external' | number;
  /** MDI-X status now (ETHTOOL_A_LINKINFO_TP_MDIX); ethtool prints the "MDI-X:" line from it and `tpMdixCtrl` for a twisted-pair port only. */
  tpMdix?: EthtoolMdix | number;
  /** MDI-X control: forced 'off'/'on', 'auto', or 'unknown' when the driver has none (ETHTOOL_A_LINKINFO_TP_MDIX_CTRL). */
  tpMdixCtrl?: EthtoolMdix | number;
  /** Attributes of a kernel newer than nlkit's headers, raw (left out when none). */
  unknown?: EthtoolRawAttribute[];
}

/**
 * A device's speed, duplex, autonegotiation and link modes (`ethtool DEV`;
 * ETHTOOL_MSG_LINKMODES_GET). Link modes go by the kernel's names (ETH_SS_LINK_MODES:
 * '1000baseT/Full', '10000baseKR/Full', and the non-speed bits 'Autoneg', 'TP', 'FIBRE',
 * 'Pause', 'Asym_Pause', 'FEC_NONE', … which ethtool prints on its own lines).
 */
export interface EthtoolLinkModes {
  /** Autonegotiation on (ETHTOOL_A_LINKMODES_AUTONEG; ethtool's "Auto-negotiation: on"). */
  autoneg?: boolean;
  /**
   * Mb/s (ETHTOOL_A_LINKMODES_SPEED). Left out when the device does not know it: the kernel
   * says SPEED_UNKNOWN (0xffffffff), or 0 or 65535, which `ethtool` also prints as "Speed: Unknown!".
   */
  speed?: number;
  /** 'half', 'full', or 'unknown' (DUPLEX_UNKNOWN; ETHTOOL_A_LINKMODES_DUPLEX). */
  duplex?: EthtoolDuplex | number;
  /** Lanes in use (ETHTOOL_A_LINKMODES_LANES; sent only by drivers that know them). */
  lanes?: number;
  /** Master/slave configuration of a BASE-T1 PHY: 'preferred-master', 'forced-slave', … (ETHTOOL_A_LINKMODES_MASTER_SLAVE_CFG; left out where unsupported). */
  masterSlaveCfg?: string | number;
  /** Master/slave state: 'master', 'slave', 'resolution error', 'unknown' (ETHTOOL_A_LINKMODES_MASTER_SLAVE_STATE). */
  masterSlaveState?: string | number;
  /** How the PHY adapts a slower link to the MAC: 'none', 'pause', 'crs', 'open-loop' (ETHTOOL_A_LINKMODES_RATE_MATCHING). */
  rateMatching?: string | number;
  /** Link modes the device supports (ETHTOOL_A_LINKMODES_OURS's mask; ethtool's "Supported link modes" and "Supported ports"). */
  supported: string[];
  /** Link modes it advertises (ETHTOOL_A_LINKMODES_OURS's value). */
  advertised: string[];
  /** Link modes the link partner advertises (ETHTOOL_A_LINKMODES_PEER; empty when the driver reports none). */
  peer: string[];
  /** Attributes of a kernel newer than nlkit's headers, raw (left out when none). */
  unknown?: EthtoolRawAttribute[];
}

/** What `setLinkModes` changes (`ethtool -s DEV speed N duplex half|full autoneg on|off lanes N advertise …`): any of them, at least one. */
export interface EthtoolLinkModesChange {
  /** Mb/s, a positive integer (`speed N`). Defaults to unchanged. */
  readonly speed?: number | undefined;
  /** 'half' or 'full' (`duplex half|full`). Defaults to unchanged. */
  readonly duplex?: 'half' | 'full' | undefined;
  /** Autonegotiation on or off (`autoneg on|off`). Defaults to unchanged. */
  readonly autoneg?: boolean | undefined;
  /** 1, 2, 4 or 8 lanes (`lanes N`). Defaults to unchanged. */
  readonly lanes?: number | undefined;
  /**
   * The link modes to advertise, by the kernel's names as {@link EthtoolLinkModes} lists them:
   * the advertised set becomes exactly these (`advertise MASK`; [] advertises none). Defaults to unchanged.
   */
  readonly advertise?: readonly string[] | undefined;
}

/** A device's link state (`ethtool DEV`'s "Link detected" line; ETHTOOL_MSG_LINKSTATE_GET). */
export interface EthtoolLinkState {
  /** Link up (ETHTOOL_A_LINKSTATE_LINK: the driver's get_link, for most the carrier). Left out when the driver cannot tell. */
  link?: boolean;
  /** Signal quality index of a PHY that measures it (ETHTOOL_A_LINKSTATE_SQI). */
  sqi?: number;
  /** The highest SQI it reports (ETHTOOL_A_LINKSTATE_SQI_MAX). */
  sqiMax?: number;
  /** Why the link is down or odd, as ethtool prints it ("Link detected: no (No cable)"): 'No cable', 'Autoneg', … (ETHTOOL_A_LINKSTATE_EXT_STATE). */
  extState?: string | number;
  /** ETHTOOL_LINK_EXT_SUBSTATE_* of that state, the kernel's number (its meaning depends on `extState`). */
  extSubstate?: number;
  /** Link down events counted by the PHY (ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT, Linux 6.3+; newer than nlkit's headers). */
  extDownCount?: number;
  /** Attributes of a kernel newer than nlkit's headers, raw (left out when none). */
  unknown?: EthtoolRawAttribute[];
}

/** A device's time stamping capabilities (`ethtool -T DEV`; ETHTOOL_MSG_TSINFO_GET). */
export interface EthtoolTsInfo {
  /** SOF_TIMESTAMPING_* flags it supports by the kernel's names, as `ethtool -T` prints them under "Capabilities": 'software-transmit', 'hardware-receive', … */
  timestamping: string[];
  /** The index of its PTP hardware clock (/dev/ptpN; ETHTOOL_A_TSINFO_PHC_INDEX); left out when it has none ("PTP Hardware Clock: none"). */
  phcIndex?: number;
  /** HWTSTAMP_TX_* types: 'off', 'on', 'onestep-sync', … ("Hardware Transmit Timestamp Modes"; empty is ethtool's "none"). */
  txTypes: string[];
  /** HWTSTAMP_FILTER_* filters: 'none', 'all', 'ptpv2-event', … ("Hardware Receive Filter Modes"). */
  rxFilters: string[];
  /** Attributes of a kernel newer than nlkit's headers, raw (left out when none). */
  unknown?: EthtoolRawAttribute[];
}

/**
 * ethtool over netlink: link settings, link state, time stamping, channels and features
 * of the devices of one netns. Holds a {@link Genl} handle (its socket in that netns);
 * close it with `close()` or `using`. Reply attributes newer than the headers nlkit was
 * generated from come back raw in `unknown`; the reply's own header nest (which newer
 * kernels may extend, e.g. with a PHY index) is not decoded: the caller named the device.
 *
 * Equivalent to: `ethtool DEV`, `ethtool -s DEV …`, `ethtool -T DEV`, `ethtool -l/-L`, `ethtool -k/-K` (run in the netns).
 * @example
 * using et = Ethtool.open({ netns: ns });
 * await et.setFeatures('eth0', { 'tx-checksum-ip-generic': false }); // ethtool -K eth0 tx-checksum-ip-generic off
 * const { rx, tx } = await et.channels('eth0');                       // ethtool -l eth0
 * const { speed, duplex } = await et.linkModes('eth0');               // ethtool eth0
 * await et.setLinkModes('eth0', { speed: 1000, duplex: 'full', autoneg: false }); // ethtool -s eth0 speed 1000 duplex full autoneg off
 */
export class Ethtool {
  /** The generic netlink handle it speaks through. */
  readonly genl: Genl;
  /**
   * Global string sets (ETH_SS_FEATURES, ETH_SS_LINK_MODES, …) by id: names by bit, read
   * once (the kernel's, the same for every device). The read itself is kept, so concurrent
   * callers share one request; a failed read is not kept.
   */
  private readonly stringSets = new Map<number, Promise<string[]>>();

  private constructor(genl: Genl) {
    this.genl = genl;
  }

  /**
   * Open one: a {@link Genl} handle with the same options (`netns`, `receiveBufferSize`, `onWarning`).
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
    const [m] = await this.call(E.ETHTOOL_MSG_CHANNELS_GET, d, 'read the channels of', (w) => putHeader(w, E.ETHTOOL_A_CHANNELS_HEADER, d, 0));
    const out: EthtoolChannels = {};
    if (m) walk(m, (t, o, l, v) => {
      for (const [type, key] of CHANNEL_ATTRS) if (t === type) out[key] = u32At(v, o, l, `attribute ${t}`, ['ethtool', 'channels']);
    });
    return out;
  }

  /**
   * Change a device's channel counts (ETHTOOL_MSG_CHANNELS_SET); the counts not given stay.
   *
   * Equivalent to: `ethtool -L DEV [rx N] [tx N] [other N] [combined N]`.
   * @throws InvalidArgumentError for no count, a count that is not a u32 or an unknown
   *   key (nothing sent); NetlinkError with the kernel's words ('EINVAL' "requested channel
   *   count exceeds maximum", naming the count it pointed at and the device: "[at
   *   ETHTOOL_A_CHANNELS_RX_COUNT] — 'v0' refused counts.rx 9"), 'ENODEV', 'EOPNOTSUPP',
   *   'EPERM' (without CAP_NET_ADMIN, saying so).
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
    await this.call(E.ETHTOOL_MSG_CHANNELS_SET, d, 'set the channels of', (w) => {
      putHeader(w, E.ETHTOOL_A_CHANNELS_HEADER, d, 0);
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
    const names = await this.strings(E.ETH_SS_FEATURES);
    const [m] = await this.call(E.ETHTOOL_MSG_FEATURES_GET, d, 'read the features of', (w) => putHeader(w, E.ETHTOOL_A_FEATURES_HEADER, d, E.ETHTOOL_FLAG_COMPACT_BITSETS));
    const sets: Record<number, boolean[]> = {};
    if (m) walk(m, (t, o, l, v) => {
      if (t < E.ETHTOOL_A_FEATURES_HW || t > E.ETHTOOL_A_FEATURES_NOCHANGE) return;
      const bits = new Array<boolean>(names.length).fill(false);
      for (const i of decodeBitset(v, o, l).value) bits[i] = true;
      sets[t] = bits;
    });
    const out: Record<string, EthtoolFeature> = {};
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (!name) continue;
      out[name] = {
        active: sets[E.ETHTOOL_A_FEATURES_ACTIVE]?.[i] ?? false,
        wanted: sets[E.ETHTOOL_A_FEATURES_WANTED]?.[i] ?? false,
        changeable: (sets[E.ETHTOOL_A_FEATURES_HW]?.[i] ?? false) && !(sets[E.ETHTOOL_A_FEATURES_NOCHANGE]?.[i] ?? false),
      };
    }
    return out;
  }

  /**
   * Turn offload features on or off (ETHTOOL_MSG_FEATURES_SET of the wanted bits given;
   * the others stay). Every name is checked against the device's features first: an
   * unknown name, or a feature the driver does not let change asked for against its state
   * (as it is, it is taken), is refused before the change is sent (only the string set and
   * the features were read). Resolves with the features after the change and those whose active state did
   * not follow the wish (a feature they need is off: the kernel keeps the wish and turns
   * them on once it can, as `ethtool -K` reports "Actual changes").
   *
   * Equivalent to: `ethtool -K DEV NAME on|off …`.
   * @throws InvalidArgumentError for an empty change, a value not true/false, an unknown
   *   feature, or a fixed one asked to change (naming it); NetlinkError 'ENODEV', 'EPERM' (without CAP_NET_ADMIN, saying so).
   */
  async setFeatures(dev: string | number, changes: Readonly<Record<string, boolean>>): Promise<EthtoolFeatureChange> {
    const d = checkDev(dev);
    if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) throw new InvalidArgumentError('changes', `expected { featureName: true | false }, got ${showValue(changes)}`);
    const keys = Object.keys(changes);
    if (keys.length === 0) throw new InvalidArgumentError('changes', 'no feature to change');
    for (const k of keys) if (typeof changes[k] !== 'boolean') throw new InvalidArgumentError(`changes.${k}`, `expected true or false, got ${showValue(changes[k])}`);
    const names = await this.strings(E.ETH_SS_FEATURES);
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
    await this.call(E.ETHTOOL_MSG_FEATURES_SET, d, 'set the features of', (w) => {
      putHeader(w, E.ETHTOOL_A_FEATURES_HEADER, d, E.ETHTOOL_FLAG_COMPACT_BITSETS | E.ETHTOOL_FLAG_OMIT_REPLY);
      const b = w.nestStart(E.ETHTOOL_A_FEATURES_WANTED);
      w.putU32(E.ETHTOOL_A_BITSET_SIZE, names.length);
      w.putBytes(E.ETHTOOL_A_BITSET_VALUE, new Uint8Array(value.buffer));
      w.putBytes(E.ETHTOOL_A_BITSET_MASK, new Uint8Array(mask.buffer));
      w.nestEnd(b);
    });
    const features = await this.features(d);
    return { features, unapplied: keys.filter((k) => features[k]!.active !== changes[k]) };
  }

  /**
   * A device's port, PHY address, transceiver and MDI-X (ETHTOOL_MSG_LINKINFO_GET).
   *
   * Equivalent to: `ethtool DEV` (its Port, PHYAD, Transceiver and MDI-X lines).
   * @throws NetlinkError 'ENODEV' (no such device), 'EOPNOTSUPP' (its driver has no
   *   get_link_ksettings: `lo`; the kernel says "failed to retrieve link settings").
   */
  async linkInfo(dev: string | number): Promise<EthtoolLinkInfo> {
    const d = checkDev(dev);
    const [m] = await this.call(E.ETHTOOL_MSG_LINKINFO_GET, d, 'read the link info of', (w) => putHeader(w, E.ETHTOOL_A_LINKINFO_HEADER, d, 0));
    const out: EthtoolLinkInfo = {};
    const unknown: EthtoolRawAttribute[] = [];
    if (m) walk(m, (t, o, l, v) => {
      const u8 = (): number => u8At(v, o, l, `attribute ${t}`, ['ethtool', 'linkinfo']);
      switch (t) {
        case E.ETHTOOL_A_LINKINFO_HEADER: break;
        case E.ETHTOOL_A_LINKINFO_PORT: out.port = named(PORT_NAMES, u8()); break;
        case E.ETHTOOL_A_LINKINFO_PHYADDR: out.phyAddress = u8(); break;
        case E.ETHTOOL_A_LINKINFO_TP_MDIX: out.tpMdix = named(MDI_NAMES, u8()); break;
        case E.ETHTOOL_A_LINKINFO_TP_MDIX_CTRL: out.tpMdixCtrl = named(MDI_NAMES, u8()); break;
        case E.ETHTOOL_A_LINKINFO_TRANSCEIVER: out.transceiver = named(XCVR_NAMES, u8()); break;
        default: unknown.push(rawAttr(v, t, o, l));
      }
    });
    if (unknown.length) out.unknown = unknown;
    return out;
  }

  /**
   * A device's autonegotiation, speed, duplex, lanes and link modes — supported,
   * advertised and the link partner's — by the kernel's names (ETHTOOL_MSG_LINKMODES_GET
   * with compact bitsets, named from the ETH_SS_LINK_MODES string set, read once).
   *
   * Equivalent to: `ethtool DEV` (its link mode, Speed, Duplex and Auto-negotiation lines).
   * `ethtool` asks for verbose bitsets, in which the kernel lists only the bits of the mask
   * (supported): a mode advertised but not supported — which a driver such as tun's takes —
   * is listed here and not there.
   * @throws NetlinkError 'ENODEV', 'EOPNOTSUPP' (no get_link_ksettings: `lo`).
   */
  async linkModes(dev: string | number): Promise<EthtoolLinkModes> {
    const d = checkDev(dev);
    const names = await this.strings(E.ETH_SS_LINK_MODES);
    const [m] = await this.call(E.ETHTOOL_MSG_LINKMODES_GET, d, 'read the link modes of', (w) => putHeader(w, E.ETHTOOL_A_LINKMODES_HEADER, d, E.ETHTOOL_FLAG_COMPACT_BITSETS));
    const out: EthtoolLinkModes = { supported: [], advertised: [], peer: [] };
    const unknown: EthtoolRawAttribute[] = [];
    if (m) walk(m, (t, o, l, v) => {
      const u8 = (): number => u8At(v, o, l, `attribute ${t}`, ['ethtool', 'linkmodes']);
      const u32 = (): number => u32At(v, o, l, `attribute ${t}`, ['ethtool', 'linkmodes']);
      switch (t) {
        case E.ETHTOOL_A_LINKMODES_HEADER: break;
        case E.ETHTOOL_A_LINKMODES_AUTONEG: out.autoneg = u8() === E.AUTONEG_ENABLE; break;
        case E.ETHTOOL_A_LINKMODES_OURS: {
          const bs = decodeBitset(v, o, l);
          out.advertised = bitNames(bs.value, bs, names);
          out.supported = bitNames(bs.mask ?? [], bs, names);
          break;
        }
        case E.ETHTOOL_A_LINKMODES_PEER: {
          const bs = decodeBitset(v, o, l);
          out.peer = bitNames(bs.value, bs, names);
          break;
        }
        case E.ETHTOOL_A_LINKMODES_SPEED: {
          const speed = u32();
          if (speed !== E.SPEED_UNKNOWN >>> 0 && speed !== 0 && speed !== 0xffff) out.speed = speed;
          break;
        }
        case E.ETHTOOL_A_LINKMODES_DUPLEX: out.duplex = named(DUPLEX_NAMES, u8()); break;
        case E.ETHTOOL_A_LINKMODES_LANES: out.lanes = u32(); break;
        case E.ETHTOOL_A_LINKMODES_MASTER_SLAVE_CFG: { const cfg = u8(); if (cfg !== E.MASTER_SLAVE_CFG_UNSUPPORTED) out.masterSlaveCfg = named(MASTER_SLAVE_CFG_NAMES, cfg); break; }
        case E.ETHTOOL_A_LINKMODES_MASTER_SLAVE_STATE: { const state = u8(); if (state !== E.MASTER_SLAVE_STATE_UNSUPPORTED) out.masterSlaveState = named(MASTER_SLAVE_STATE_NAMES, state); break; }
        case E.ETHTOOL_A_LINKMODES_RATE_MATCHING: out.rateMatching = named(RATE_MATCH_NAMES, u8()); break;
        default: unknown.push(rawAttr(v, t, o, l));
      }
    });
    if (unknown.length) out.unknown = unknown;
    return out;
  }

  /**
   * Change a device's speed, duplex, autonegotiation, lanes or advertised link modes
   * (ETHTOOL_MSG_LINKMODES_SET); what is not given stays. Everything is checked before
   * anything that changes the device is sent: the fields' types and ranges, and each
   * `advertise` name against the kernel's link mode names (the ETH_SS_LINK_MODES string
   * set, read once per handle). With autonegotiation on and no `advertise`, the kernel
   * itself advertises the supported modes that match a speed, duplex or lanes given.
   *
   * Equivalent to: `ethtool -s DEV [speed N] [duplex half|full] [autoneg on|off] [lanes N] [advertise MASK]`.
   * @throws InvalidArgumentError naming the field (`change.speed`, `change.advertise`, …)
   *   for bad input or an unknown key; NetlinkError 'EOPNOTSUPP' (a driver without
   *   set_link_ksettings, such as veth's; or what the driver refuses, in the kernel's words:
   *   "lanes configuration not supported by device"), 'EINVAL', 'ENODEV', 'EPERM' (without
   *   CAP_NET_ADMIN, saying so).
   */
  async setLinkModes(dev: string | number, change: EthtoolLinkModesChange): Promise<void> {
    const d = checkDev(dev);
    if (typeof change !== 'object' || change === null || Array.isArray(change)) throw new InvalidArgumentError('change', `expected { speed, duplex, autoneg, lanes, advertise }, got ${showValue(change)}`);
    checkOptionKeys(change, LINKMODE_KEYS, 'change.');
    const { speed, duplex, autoneg, lanes, advertise } = change;
    if (speed !== undefined && (typeof speed !== 'number' || !Number.isInteger(speed) || speed < 1 || speed > 0x7fffffff)) throw new InvalidArgumentError('change.speed', `expected Mb/s (an integer 1..2147483647), got ${showValue(speed)}`);
    if (duplex !== undefined && duplex !== 'half' && duplex !== 'full') throw new InvalidArgumentError('change.duplex', `expected 'half' or 'full', got ${showValue(duplex)}`);
    if (autoneg !== undefined && typeof autoneg !== 'boolean') throw new InvalidArgumentError('change.autoneg', `expected true or false, got ${showValue(autoneg)}`);
    if (lanes !== undefined && !LANES.includes(lanes as number)) throw new InvalidArgumentError('change.lanes', `expected 1, 2, 4 or 8, got ${showValue(lanes)}`);
    if (advertise !== undefined && (!Array.isArray(advertise) || !advertise.every((x) => typeof x === 'string'))) throw new InvalidArgumentError('change.advertise', `expected an array of link mode names (e.g. ['1000baseT/Full']), got ${showValue(advertise)}`);
    if (speed === undefined && duplex === undefined && autoneg === undefined && lanes === undefined && advertise === undefined) throw new InvalidArgumentError('change', 'give at least one of speed, duplex, autoneg, lanes, advertise');
    let words: Uint32Array | undefined;
    let size = 0;
    if (advertise !== undefined) {
      const names = await this.strings(E.ETH_SS_LINK_MODES);
      size = names.length;
      words = new Uint32Array(Math.ceil(size / 32));
      for (const name of advertise) {
        const i = name === '' ? -1 : names.indexOf(name);
        if (i < 0) throw new InvalidArgumentError('change.advertise', `no link mode '${name}' (the kernel's names, as linkModes() lists them: e.g. '1000baseT/Full', '10000baseT/Full', 'Autoneg', 'Pause')`);
        words[i >>> 5]! |= 1 << (i & 31);
      }
    }
    const bits = words;
    await this.call(E.ETHTOOL_MSG_LINKMODES_SET, d, 'set the link modes of', (w) => {
      putHeader(w, E.ETHTOOL_A_LINKMODES_HEADER, d, 0);
      if (autoneg !== undefined) w.putU8(E.ETHTOOL_A_LINKMODES_AUTONEG, autoneg ? E.AUTONEG_ENABLE : E.AUTONEG_DISABLE);
      if (speed !== undefined) w.putU32(E.ETHTOOL_A_LINKMODES_SPEED, speed);
      if (duplex !== undefined) w.putU8(E.ETHTOOL_A_LINKMODES_DUPLEX, duplex === 'half' ? E.DUPLEX_HALF : E.DUPLEX_FULL);
      if (lanes !== undefined) w.putU32(E.ETHTOOL_A_LINKMODES_LANES, lanes);
      if (bits) {
        // NOMASK: the list is the whole advertised set (bits not in it are cleared).
        const b = w.nestStart(E.ETHTOOL_A_LINKMODES_OURS);
        w.putFlag(E.ETHTOOL_A_BITSET_NOMASK);
        w.putU32(E.ETHTOOL_A_BITSET_SIZE, size);
        w.putBytes(E.ETHTOOL_A_BITSET_VALUE, new Uint8Array(bits.buffer));
        w.nestEnd(b);
      }
    });
  }

  /**
   * A device's link state: link detected, and where the driver or PHY reports them the
   * signal quality, why the link is down, and how often it went down
   * (ETHTOOL_MSG_LINKSTATE_GET).
   *
   * Equivalent to: `ethtool DEV`'s "Link detected: yes|no (EXT_STATE, EXT_SUBSTATE)" line.
   * @throws NetlinkError 'ENODEV'.
   */
  async linkState(dev: string | number): Promise<EthtoolLinkState> {
    const d = checkDev(dev);
    const [m] = await this.call(E.ETHTOOL_MSG_LINKSTATE_GET, d, 'read the link state of', (w) => putHeader(w, E.ETHTOOL_A_LINKSTATE_HEADER, d, 0));
    const out: EthtoolLinkState = {};
    const unknown: EthtoolRawAttribute[] = [];
    if (m) walk(m, (t, o, l, v) => {
      const u8 = (): number => u8At(v, o, l, `attribute ${t}`, ['ethtool', 'linkstate']);
      const u32 = (): number => u32At(v, o, l, `attribute ${t}`, ['ethtool', 'linkstate']);
      switch (t) {
        case E.ETHTOOL_A_LINKSTATE_HEADER: break;
        case E.ETHTOOL_A_LINKSTATE_LINK: out.link = u8() !== 0; break;
        case E.ETHTOOL_A_LINKSTATE_SQI: out.sqi = u32(); break;
        case E.ETHTOOL_A_LINKSTATE_SQI_MAX: out.sqiMax = u32(); break;
        case E.ETHTOOL_A_LINKSTATE_EXT_STATE: out.extState = named(EXT_STATE_NAMES, u8()); break;
        case E.ETHTOOL_A_LINKSTATE_EXT_SUBSTATE: out.extSubstate = u8(); break;
        case E.ETHTOOL_A_LINKSTATE_EXT_DOWN_CNT: out.extDownCount = u32(); break;
        default: unknown.push(rawAttr(v, t, o, l));
      }
    });
    if (unknown.length) out.unknown = unknown;
    return out;
  }

  /**
   * A device's time stamping capabilities: the SOF_TIMESTAMPING_* flags it supports, its
   * PTP hardware clock, and its hardware TX types and RX filters, by the kernel's names
   * (ETHTOOL_MSG_TSINFO_GET with compact bitsets, named from the ETH_SS_SOF_TIMESTAMPING,
   * ETH_SS_TS_TX_TYPES and ETH_SS_TS_RX_FILTERS string sets).
   *
   * Equivalent to: `ethtool -T DEV`.
   * @throws NetlinkError 'ENODEV'.
   */
  async tsInfo(dev: string | number): Promise<EthtoolTsInfo> {
    const d = checkDev(dev);
    const [ts, tx, rx] = [await this.strings(E.ETH_SS_SOF_TIMESTAMPING), await this.strings(E.ETH_SS_TS_TX_TYPES), await this.strings(E.ETH_SS_TS_RX_FILTERS)];
    const [m] = await this.call(E.ETHTOOL_MSG_TSINFO_GET, d, 'read the time stamping of', (w) => putHeader(w, E.ETHTOOL_A_TSINFO_HEADER, d, E.ETHTOOL_FLAG_COMPACT_BITSETS));
    const out: EthtoolTsInfo = { timestamping: [], txTypes: [], rxFilters: [] };
    const unknown: EthtoolRawAttribute[] = [];
    const list = (v: DataView, o: number, l: number, set: string[]): string[] => {
      const bs = decodeBitset(v, o, l);
      return bitNames(bs.value, bs, set);
    };
    if (m) walk(m, (t, o, l, v) => {
      switch (t) {
        case E.ETHTOOL_A_TSINFO_HEADER: break;
        case E.ETHTOOL_A_TSINFO_TIMESTAMPING: out.timestamping = list(v, o, l, ts); break;
        case E.ETHTOOL_A_TSINFO_TX_TYPES: out.txTypes = list(v, o, l, tx); break;
        case E.ETHTOOL_A_TSINFO_RX_FILTERS: out.rxFilters = list(v, o, l, rx); break;
        case E.ETHTOOL_A_TSINFO_PHC_INDEX: out.phcIndex = u32At(v, o, l, 'ETHTOOL_A_TSINFO_PHC_INDEX', ['ethtool', 'tsinfo']); break;
        default: unknown.push(rawAttr(v, t, o, l));
      }
    });
    if (unknown.length) out.unknown = unknown;
    return out;
  }

  /** Close the handle (idempotent). */
  close(): void {
    this.genl.close();
  }

  /** `using et = Ethtool.open()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A global string set, read once (ETHTOOL_MSG_STRSET_GET without a device: the kernel's set, e.g. ETH_SS_FEATURES). */
  private strings(id: number): Promise<string[]> {
    let p = this.stringSets.get(id);
    if (!p) {
      p = this.readStrings(id);
      this.stringSets.set(id, p);
      p.catch(() => { if (this.stringSets.get(id) === p) this.stringSets.delete(id); });
    }
    return p;
  }

  private async readStrings(id: number): Promise<string[]> {
    const [m] = await this.genl.request('ethtool', E.ETHTOOL_MSG_STRSET_GET, {
      attrs: (w) => {
        const h = w.nestStart(E.ETHTOOL_A_STRSET_HEADER);
        w.nestEnd(h);
        const sets = w.nestStart(E.ETHTOOL_A_STRSET_STRINGSETS);
        const s = w.nestStart(E.ETHTOOL_A_STRINGSETS_STRINGSET);
        w.putU32(E.ETHTOOL_A_STRINGSET_ID, id);
        w.nestEnd(s);
        w.nestEnd(sets);
      },
    }).catch((e: unknown) => { throw e instanceof NetlinkError ? lookupRefusal(e) : e; });
    const names: string[] = [];
    let count = 0;
    if (m) walk(m, (t, o, l, v) => {
      if (t !== E.ETHTOOL_A_STRSET_STRINGSETS) return;
      walkAttrs(v, o, o + l, ['ethtool', 'stringsets'], (_t, so, sl) => {
        walkAttrs(v, so, so + sl, ['ethtool', 'stringset'], (st, xo, xl) => {
          if (st === E.ETHTOOL_A_STRINGSET_COUNT) count = u32At(v, xo, xl, 'ETHTOOL_A_STRINGSET_COUNT', ['ethtool', 'stringset']);
          if (st !== E.ETHTOOL_A_STRINGSET_STRINGS) return;
          walkAttrs(v, xo, xo + xl, ['ethtool', 'strings'], (it, io, il) => {
            if (it !== E.ETHTOOL_A_STRINGS_STRING) return;
            let index = -1;
            let value = '';
            walkAttrs(v, io, io + il, ['ethtool', 'string'], (ft, fo, fl) => {
              if (ft === E.ETHTOOL_A_STRING_INDEX) index = u32At(v, fo, fl, 'ETHTOOL_A_STRING_INDEX', ['ethtool', 'string']);
              else if (ft === E.ETHTOOL_A_STRING_VALUE) value = strzAt(v, fo, fl);
            });
            // The kernel sends COUNT before the strings and every index below it: one beyond would grow the list to it.
            if (index >= count) throw new DecodeError(`ETHTOOL_A_STRING_INDEX ${index} not below the set's count ${count}`, ['ethtool', 'string'], io, 4, il);
            if (index >= 0) names[index] = value;
          });
        });
      });
    });
    for (let i = 0; i < names.length; i++) names[i] ??= '';
    return names;
  }

  /** One ethtool request about `dev`, its refusals said in terms of the device (and of the setting the kernel pointed at). */
  private async call(cmd: number, dev: string | number, what: string, attrs: (w: MessageWriter) => void): Promise<GenlMessage[]> {
    try {
      return await this.genl.request('ethtool', cmd, { attrs });
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      // The family's lookup was refused, not this request: said as the controller's refusal it is.
      if (e.request.type === GENL_ID_CTRL) throw lookupRefusal(e);
      const name = typeof dev === 'number' ? `ifindex ${dev}` : `'${dev}'`;
      const field = e.extack.offset !== undefined ? fieldAt(cmd, attrs, e.extack.offset) : undefined;
      // An EOPNOTSUPP that points at an attribute of the request ("lanes configuration not
      // supported by device") refuses that one setting, not the operation: the driver has it.
      const why = e.code === 'ENODEV' ? `no device ${name} in the handle's netns`
        : e.code === 'EOPNOTSUPP' && e.extack.offset !== undefined ? `${name} cannot ${what.replace(/ of$/, '')} as asked (the kernel refused ${field ? field.setting : 'the attribute it names'}, not the operation)`
          : e.code === 'EOPNOTSUPP' ? `${name}: its driver cannot ${what.replace(/ of$/, '')} (it has no ethtool support for that)`
            // The kernel's bare EPERM of a SET (GENL_UNS_ADMIN_PERM), checked before the device is looked at.
            : e.code === 'EPERM' ? `${what.replace(/^set /, 'setting ')} ${name} needs CAP_NET_ADMIN in the user namespace that owns the handle's netns`
              // Any other refusal ("requested channel count exceeds maximum"): which device, and which setting where the kernel said.
              : field ? `${name} refused ${field.setting}`
                : `while ${what.replace(/^(read|set) /, (_m, v: string) => (v === 'read' ? 'reading ' : 'setting '))} ${name}`;
      const extack = field && !e.extack.attribute ? { ...e.extack, attribute: field.attr } : e.extack;
      // The request by its command and device ('ETHTOOL_MSG_CHANNELS_GET dev v0'), not Genl.request's 'cmd 17'.
      const request = { ...e.request, subject: `${commandName(cmd)} dev ${typeof dev === 'number' ? `ifindex ${dev}` : dev}` };
      // Genl's own hint for a bare EPERM or EOPNOTSUPP (from the family's ops) says less than `why` does: not both.
      const hint = e.hint && e.code !== 'EPERM' && e.code !== 'EOPNOTSUPP' ? `${e.hint}; ${why}` : why;
      throw new NetlinkError(e.errno, request, extack, hint);
    }
  }
}

/**
 * The controller's refusal to look up family 'ethtool' (its request, its words), and for
 * ENOENT what the kernel lacks: the family registers only with CONFIG_ETHTOOL_NETLINK, from
 * Linux 5.6 on (older kernels have the SIOCETHTOOL ioctl only).
 */
function lookupRefusal(e: NetlinkError): NetlinkError {
  if (e.code !== 'ENOENT') return e;
  return new NetlinkError(e.errno, e.request, e.extack, `${e.hint ? `${e.hint}: ` : ''}ethtool over netlink needs Linux 5.6 or later built with CONFIG_ETHTOOL_NETLINK`);
}

/** An ethtool request command's name, 'ETHTOOL_MSG_CHANNELS_GET' for 17 (built on an error only). */
function commandName(cmd: number): string {
  for (const [k, v] of Object.entries(E)) {
    if (v === cmd && k.startsWith('ETHTOOL_MSG_') && !k.endsWith('_REPLY') && !k.endsWith('_NTF')) return k;
  }
  return `cmd ${cmd}`;
}

/**
 * The setting an extended ACK's offset points at in a SET request: the request is built
 * again (the same builder: the same bytes) and its top-level attribute at that offset
 * named; its value too where it is a u32. Only on the error path.
 */
function fieldAt(cmd: number, attrs: (w: MessageWriter) => void, offset: number): { setting: string; attr: string } | undefined {
  const fields = SET_FIELDS.get(cmd);
  if (!fields) return undefined;
  const w = new MessageWriter();
  try {
    w.begin(0, 0, 0);
    w.reserve(GENL_HDRLEN);
    attrs(w);
    let found: { setting: string; attr: string } | undefined;
    walkAttrs(w.view, NLMSG_HDRLEN + GENL_HDRLEN, w.pos, ['ethtool'], (t, o, l) => {
      if (o - 4 !== offset) return;
      const f = fields.get(t);
      if (f) found = { setting: f[2] && l >= 4 ? `${f[0]} ${w.view.getUint32(o, HOST_LE)}` : f[0], attr: f[1] };
    });
    return found;
  } catch {
    return undefined; // naming is best effort
  } finally {
    w.release();
  }
}
