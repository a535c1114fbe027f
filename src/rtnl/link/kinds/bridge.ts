/**
 * bridge and its ports. IFLA_INFO_DATA is IFLA_BR_*; a port's IFLA_INFO_SLAVE_DATA
 * (slave kind 'bridge') is IFLA_BRPORT_*. Timers are in centiseconds as the kernel
 * sends them (`ip` prints seconds).
 *
 * Equivalent to: `ip link add NAME type bridge [stp_state 1] …`,
 * `ip link set PORT type bridge_slave hairpin on …`.
 * @module
 */
import { copyBytes, HOST_LE, InvalidArgumentError, parseHexColon, showValue, type CustomCodec } from '../../../netlink/index.js';
import { table, enumCodec, boolU8 } from '../../table-helpers.js';
import { vlanProtocolCodec } from './vlan.js';
import type { KindCodec } from './kind.js';

/**
 * struct ifla_bridge_id (2 priority bytes, 6 address bytes) as priority.address in hex,
 * every byte two digits: '8000.02:00:00:0a:0b:0c'. `ip` writes the address with glibc's
 * ether_ntoa, without leading zeros ('8000.2:0:0:a:b:c'); the two are the same id.
 * Read-only (the kernel reports it).
 */
const bridgeIdCodec: CustomCodec<string | Buffer, never> = {
  decode(ctx, off, len) {
    if (len < 8) return copyBytes(ctx.buf, off, off + len);
    const b = ctx.buf;
    const hx = (i: number): string => b[off + i]!.toString(16).padStart(2, '0');
    return `${hx(0)}${hx(1)}.${hx(2)}:${hx(3)}:${hx(4)}:${hx(5)}:${hx(6)}:${hx(7)}`;
  },
};

/** STP port states (BR_STATE_*). */
export const BRIDGE_PORT_STATES = { disabled: 0, listening: 1, learning: 2, forwarding: 3, blocking: 4 } as const;

/**
 * The bridge's boolean options (IFLA_BR_MULTI_BOOLOPT, struct br_boolopt_multi), as
 * `ip -j -d link show` prints them (no_linklocal_learn, mcast_vlan_snooping, mst_enabled).
 * Decoded: each option the kernel reports (its bit set in the mask) as a boolean, and the
 * raw `value` and `mask` words, which also carry options newer than these headers.
 *
 * Equivalent to: `ip link add NAME type bridge no_linklocal_learn 1 mcast_vlan_snooping 1 mst_enabled 1`.
 */
export interface BridgeBoolopts {
  /** Do not learn from link-local frames (BR_BOOLOPT_NO_LL_LEARN). */
  readonly noLinklocalLearn?: boolean | undefined;
  /** Per-VLAN multicast snooping (BR_BOOLOPT_MCAST_VLAN_SNOOPING; needs VLAN filtering). */
  readonly mcastVlanSnooping?: boolean | undefined;
  /** Multiple spanning trees (BR_BOOLOPT_MST_ENABLE). */
  readonly mstEnabled?: boolean | undefined;
  /** br_boolopt_multi.optval as the kernel sent it (decoded only). */
  readonly value?: number | undefined;
  /** br_boolopt_multi.optmask as the kernel sent it: the options it knows (decoded only). */
  readonly mask?: number | undefined;
}

/** The options of {@link BridgeBoolopts} by bit (enum br_boolopt_id, linux/if_bridge.h). */
const BOOLOPTS = [['noLinklocalLearn', 0], ['mcastVlanSnooping', 1], ['mstEnabled', 2]] as const;

/** Input of {@link BridgeBoolopts}: the options to change; the others are left as they are (not in the mask). */
export type BridgeBooloptsInput = Pick<BridgeBoolopts, 'noLinklocalLearn' | 'mcastVlanSnooping' | 'mstEnabled'>;

const booloptsCodec: CustomCodec<BridgeBoolopts | Buffer, BridgeBooloptsInput> = {
  decode(ctx, off, len) {
    if (len < 8) return copyBytes(ctx.buf, off, off + len);
    const value = ctx.view.getUint32(off, HOST_LE);
    const mask = ctx.view.getUint32(off + 4, HOST_LE);
    const out: Record<string, unknown> = {};
    for (const [k, bit] of BOOLOPTS) if (mask & (1 << bit)) out[k] = (value & (1 << bit)) !== 0;
    out['value'] = value;
    out['mask'] = mask;
    return out as BridgeBoolopts;
  },
  encode(w, type, value) {
    const arg = `attribute ${type}`; // renamed to the option's key (data.multiBoolopt) by the table
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      throw new InvalidArgumentError(arg, `expected { noLinklocalLearn?, mcastVlanSnooping?, mstEnabled? } (booleans), got ${showValue(value)}`);
    }
    const v = value as Record<string, unknown>;
    let optval = 0;
    let optmask = 0;
    for (const k of Object.keys(v)) {
      const row = BOOLOPTS.find(([name]) => name === k);
      if (!row) throw new InvalidArgumentError(arg, `unknown option '${k}' (known: ${BOOLOPTS.map(([n]) => n).join(', ')}; value and mask are read-only)`);
      if (v[k] === undefined) continue;
      if (typeof v[k] !== 'boolean') throw new InvalidArgumentError(arg, `${k} must be a boolean, got ${showValue(v[k])}`);
      optmask |= 1 << row[1];
      if (v[k]) optval |= 1 << row[1];
    }
    // struct br_boolopt_multi: two u32 in host order.
    const b = new DataView(new ArrayBuffer(8));
    b.setUint32(0, optval >>> 0, HOST_LE);
    b.setUint32(4, optmask >>> 0, HOST_LE);
    w.putBytes(type, new Uint8Array(b.buffer));
  },
};

/** IFLA_BR_* attributes. */
export const BRIDGE_DATA = table('IFLA_BR', 'IFLA_BR_', [
  ['IFLA_BR_FORWARD_DELAY', 'u32'],
  ['IFLA_BR_HELLO_TIME', 'u32'],
  ['IFLA_BR_MAX_AGE', 'u32'],
  ['IFLA_BR_AGEING_TIME', 'u32'],
  ['IFLA_BR_STP_STATE', 'u32'],
  ['IFLA_BR_PRIORITY', 'u16'],
  ['IFLA_BR_VLAN_FILTERING', 'u8'],
  // By name, as ip takes and prints it ('802.1Q', '802.1ad'); a number is taken too.
  ['IFLA_BR_VLAN_PROTOCOL', vlanProtocolCodec],
  ['IFLA_BR_GROUP_FWD_MASK', 'u16'],
  ['IFLA_BR_ROOT_ID', bridgeIdCodec],
  ['IFLA_BR_BRIDGE_ID', bridgeIdCodec],
  ['IFLA_BR_ROOT_PORT', 'u16'],
  ['IFLA_BR_ROOT_PATH_COST', 'u32'],
  ['IFLA_BR_TOPOLOGY_CHANGE', 'u8'],
  ['IFLA_BR_TOPOLOGY_CHANGE_DETECTED', 'u8'],
  ['IFLA_BR_HELLO_TIMER', 'u64'],
  ['IFLA_BR_TCN_TIMER', 'u64'],
  ['IFLA_BR_TOPOLOGY_CHANGE_TIMER', 'u64'],
  ['IFLA_BR_GC_TIMER', 'u64'],
  ['IFLA_BR_GROUP_ADDR', 'mac'],
  ['IFLA_BR_FDB_FLUSH', 'flag'],
  ['IFLA_BR_MCAST_ROUTER', 'u8'],
  ['IFLA_BR_MCAST_SNOOPING', 'u8'],
  ['IFLA_BR_MCAST_QUERY_USE_IFADDR', 'u8'],
  ['IFLA_BR_MCAST_QUERIER', 'u8'],
  ['IFLA_BR_MCAST_HASH_ELASTICITY', 'u32'],
  ['IFLA_BR_MCAST_HASH_MAX', 'u32'],
  ['IFLA_BR_MCAST_LAST_MEMBER_CNT', 'u32'],
  ['IFLA_BR_MCAST_STARTUP_QUERY_CNT', 'u32'],
  ['IFLA_BR_MCAST_LAST_MEMBER_INTVL', 'u64'],
  ['IFLA_BR_MCAST_MEMBERSHIP_INTVL', 'u64'],
  ['IFLA_BR_MCAST_QUERIER_INTVL', 'u64'],
  ['IFLA_BR_MCAST_QUERY_INTVL', 'u64'],
  ['IFLA_BR_MCAST_QUERY_RESPONSE_INTVL', 'u64'],
  ['IFLA_BR_MCAST_STARTUP_QUERY_INTVL', 'u64'],
  ['IFLA_BR_NF_CALL_IPTABLES', 'u8'],
  ['IFLA_BR_NF_CALL_IP6TABLES', 'u8'],
  ['IFLA_BR_NF_CALL_ARPTABLES', 'u8'],
  ['IFLA_BR_VLAN_DEFAULT_PVID', 'u16'],
  ['IFLA_BR_VLAN_STATS_ENABLED', 'u8'],
  ['IFLA_BR_MCAST_STATS_ENABLED', 'u8'],
  ['IFLA_BR_MCAST_IGMP_VERSION', 'u8'],
  ['IFLA_BR_MCAST_MLD_VERSION', 'u8'],
  ['IFLA_BR_VLAN_STATS_PER_PORT', 'u8'],
  ['IFLA_BR_MULTI_BOOLOPT', booloptsCodec],
]);

/** IFLA_BRPORT_* attributes (a bridge port's IFLA_INFO_SLAVE_DATA / IFLA_PROTINFO). */
export const BRIDGE_PORT_DATA = table('IFLA_BRPORT', 'IFLA_BRPORT_', [
  ['IFLA_BRPORT_STATE', enumCodec(1, BRIDGE_PORT_STATES)],
  ['IFLA_BRPORT_PRIORITY', 'u16'],
  ['IFLA_BRPORT_COST', 'u32'],
  ['IFLA_BRPORT_MODE', boolU8, 'hairpin'],
  ['IFLA_BRPORT_GUARD', boolU8],
  ['IFLA_BRPORT_PROTECT', boolU8, 'rootBlock'],
  ['IFLA_BRPORT_FAST_LEAVE', boolU8],
  ['IFLA_BRPORT_LEARNING', boolU8],
  ['IFLA_BRPORT_UNICAST_FLOOD', boolU8, 'flood'],
  ['IFLA_BRPORT_PROXYARP', boolU8],
  ['IFLA_BRPORT_LEARNING_SYNC', boolU8],
  ['IFLA_BRPORT_PROXYARP_WIFI', boolU8],
  ['IFLA_BRPORT_ROOT_ID', bridgeIdCodec],
  ['IFLA_BRPORT_BRIDGE_ID', bridgeIdCodec],
  ['IFLA_BRPORT_DESIGNATED_PORT', 'u16'],
  ['IFLA_BRPORT_DESIGNATED_COST', 'u16'],
  ['IFLA_BRPORT_ID', 'u16'],
  ['IFLA_BRPORT_NO', 'u16'],
  ['IFLA_BRPORT_TOPOLOGY_CHANGE_ACK', 'u8'],
  ['IFLA_BRPORT_CONFIG_PENDING', 'u8'],
  ['IFLA_BRPORT_MESSAGE_AGE_TIMER', 'u64'],
  ['IFLA_BRPORT_FORWARD_DELAY_TIMER', 'u64'],
  ['IFLA_BRPORT_HOLD_TIMER', 'u64'],
  ['IFLA_BRPORT_FLUSH', 'flag'],
  ['IFLA_BRPORT_MULTICAST_ROUTER', 'u8'],
  ['IFLA_BRPORT_MCAST_FLOOD', boolU8],
  ['IFLA_BRPORT_MCAST_TO_UCAST', boolU8],
  ['IFLA_BRPORT_VLAN_TUNNEL', boolU8],
  ['IFLA_BRPORT_BCAST_FLOOD', boolU8],
  ['IFLA_BRPORT_GROUP_FWD_MASK', 'u16'],
  ['IFLA_BRPORT_NEIGH_SUPPRESS', boolU8],
  ['IFLA_BRPORT_ISOLATED', boolU8],
  ['IFLA_BRPORT_BACKUP_PORT', 'u32'],
  ['IFLA_BRPORT_MRP_RING_OPEN', boolU8],
  ['IFLA_BRPORT_MRP_IN_OPEN', boolU8],
  ['IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT', 'u32'],
  ['IFLA_BRPORT_MCAST_EHT_HOSTS_CNT', 'u32'],
  ['IFLA_BRPORT_LOCKED', boolU8],
]);

/**
 * IFLA_BR_* the kernel reports and br_changelink() does not read (no entry in its
 * policy: sent, they would be dropped without a word): refused in a change as in a create
 * the other read-only rows are.
 */
const BRIDGE_REPORTED: ReadonlyMap<string, string> = new Map([
  'rootPort', 'rootPathCost', 'topologyChange', 'topologyChangeDetected', 'helloTimer', 'tcnTimer', 'topologyChangeTimer', 'gcTimer',
].map((k) => [k, 'is read-only: the kernel reports it, and takes no value for it']));

/**
 * Values br_changelink() refuses whatever the bridge's state, with a bare errno (no
 * extended-ACK text: `ip link add … type bridge hello_time 50` prints only "Numerical
 * result out of range"): refused before sending, on add and on set, naming the option.
 * Timers are centiseconds (USER_HZ), as the kernel takes them.
 */
const BRIDGE_LIMITS: ReadonlyArray<readonly [key: string, lo: number, hi: number, what: string]> = [
  // br_set_hello_time, br_set_max_age: ERANGE outside BR_MIN/MAX_HELLO_TIME (1..10 s), BR_MIN/MAX_MAX_AGE (6..40 s).
  ['helloTime', 100, 1000, "a bridge's helloTime (hello_time) is 100..1000 centiseconds (1..10 s)"],
  ['maxAge', 600, 4000, "a bridge's maxAge (max_age) is 600..4000 centiseconds (6..40 s)"],
  // br_multicast_set_router (MDB_RTR_TYPE_DISABLED..PERM), br_multicast_set_igmp_version, br_multicast_set_mld_version: EINVAL.
  ['mcastRouter', 0, 2, "a bridge's mcastRouter (mcast_router) is 0 (disabled), 1 (learned from queries) or 2 (always): 0..2"],
  ['mcastIgmpVersion', 2, 3, "a bridge's mcastIgmpVersion (mcast_igmp_version) is 2 or 3"],
  ['mcastMldVersion', 1, 2, "a bridge's mcastMldVersion (mcast_mld_version) is 1 or 2"],
];

/** BR_GROUPFWD_RESTRICTED: 01:80:c2:00:00:00 (STP), :01 (MAC pause), :02 (slow protocols, LACP), never forwarded. */
const GROUPFWD_RESTRICTED = 0x0007;

/** {@link BRIDGE_LIMITS}, the restricted groupFwdMask bits and a groupAddr that is not link-local, for a create and a change alike. */
function checkBridgeData(d: Record<string, unknown>): void {
  for (const [key, lo, hi, what] of BRIDGE_LIMITS) {
    const v = d[key];
    // Not a number, or not an integer: the codec refuses it naming the key.
    if (typeof v === 'number' && Number.isInteger(v) && (v < lo || v > hi)) throw new InvalidArgumentError(`data.${key}`, `${what}, got ${v}`);
  }
  const mask = d['groupFwdMask'];
  if (typeof mask === 'number' && Number.isInteger(mask) && mask >= 0 && (mask & GROUPFWD_RESTRICTED) !== 0) {
    throw new InvalidArgumentError('data.groupFwdMask', `bits 0..2 (0x7: STP, MAC pause and LACP frames, 01:80:c2:00:00:00..02) are never forwarded and the kernel refuses them, got 0x${mask.toString(16)}`);
  }
  const addr = d['groupAddr'];
  if (addr !== undefined) {
    // br_changelink: EINVAL unless is_link_local_ether_addr() (01:80:c2:00:00:0X).
    const b = typeof addr === 'string' ? parseHexColon(addr) : addr instanceof Uint8Array ? addr : null;
    if (b === null || b.length !== 6 || b[0] !== 0x01 || b[1] !== 0x80 || b[2] !== 0xc2 || b[3] !== 0 || b[4] !== 0 || (b[5]! & 0xf0) !== 0) {
      throw new InvalidArgumentError('data.groupAddr', `a bridge's STP group address (group_address) is a link-local multicast address, 01:80:c2:00:00:00..0f, got ${showValue(addr)}`);
    }
  }
}

export const bridge: KindCodec = {
  kind: 'bridge',
  ether: true,
  noParent: true,
  data: BRIDGE_DATA,
  slaveData: BRIDGE_PORT_DATA,
  changeRefused: BRIDGE_REPORTED,
  validate(spec) {
    const d = spec['data'];
    if (typeof d === 'object' && d !== null) checkBridgeData(d as Record<string, unknown>);
  },
  validateChange: checkBridgeData,
};
