/**
 * macvlan and macvtap: virtual interfaces with their own MAC on a parent link
 * (IFLA_LINK). IFLA_INFO_DATA is IFLA_MACVLAN_*; `mode` by name.
 *
 * Equivalent to: `ip link add NAME link PARENT type macvlan mode bridge`.
 * @module
 */
import { HOST_LE, InvalidArgumentError, hexColon, parseHexColon, showValue, walkAttrs, type CustomCodec } from '../../../netlink/index.js';
import { ARPHRD_ETHER, IFF_LOOPBACK, IFLA_MACVLAN_MACADDR, IFLA_MACVLAN_MACADDR_DATA, IFLA_MACVLAN_MACADDR_MODE, MACVLAN_FLAG_NODST, MACVLAN_FLAG_NOPROMISC, MACVLAN_MACADDR_ADD, MACVLAN_MACADDR_DEL, MACVLAN_MACADDR_FLUSH, MACVLAN_MACADDR_SET } from '../../constants.js';
import { table, enumCodec } from '../../table-helpers.js';
import type { KindCodec } from './kind.js';

/**
 * IFLA_MACVLAN_MACADDR_DATA (source mode): the nested IFLA_MACVLAN_MACADDR entries as
 * MAC strings, as `ip -j -d` prints macaddr_data. Decoded only: the kernel takes the list
 * with IFLA_MACVLAN_MACADDR_MODE set (`ip link … macaddr set ADDR…`), but nlkit does not
 * send it (nor IFLA_MACVLAN_MACADDR, which add and del need).
 */
const macaddrDataCodec: CustomCodec<string[], never> = {
  decode(ctx, start, len) {
    const out: string[] = [];
    walkAttrs(ctx.view, start, start + len, ctx.path, (type, off, alen) => {
      if (type === IFLA_MACVLAN_MACADDR) out.push(hexColon(ctx.buf, off, alen));
    });
    return out;
  },
};

/** A u32 the kernel reports and refuses in a request (MACADDR_COUNT, BC_QUEUE_LEN_USED): decoded, never sent. */
const reportedU32: CustomCodec<number, never> = {
  decode(ctx, off, len) {
    return len >= 4 ? ctx.view.getUint32(off, HOST_LE) : undefined;
  },
};

/**
 * A source-mode macvlan's list of source MAC addresses, changed (ip's `macaddr`):
 * `{ add: MAC }` or `{ del: MAC }` one address, `{ set: [MAC, …] }` replaces the list,
 * `'flush'` empties it. The link must be in mode 'source' (or be put in it by the same
 * change's `mode`). MACs as 'aa:bb:cc:dd:ee:ff' or 6 bytes.
 *
 * Equivalent to: `ip link set NAME type macvlan macaddr add|del MAC`, `… macaddr set MAC …`,
 * `… macaddr flush`.
 */
export type MacvlanMacaddrOp =
  | { readonly add: string | Uint8Array }
  | { readonly del: string | Uint8Array }
  | { readonly set: readonly (string | Uint8Array)[] }
  | 'flush';

function macArg(v: unknown, arg: string, at: string): Uint8Array {
  const b = typeof v === 'string' ? parseHexColon(v) : v instanceof Uint8Array ? v : null;
  if (b === null || b.length !== 6) throw new InvalidArgumentError(arg, `${at}expected a MAC address ('aa:bb:cc:dd:ee:ff' or 6 bytes), got ${showValue(v)}`);
  return b;
}

/**
 * The `macaddr` option: IFLA_MACVLAN_MACADDR_MODE with the address (IFLA_MACVLAN_MACADDR)
 * for add and del, or the list (IFLA_MACVLAN_MACADDR_DATA of IFLA_MACVLAN_MACADDR) for
 * set, as `ip link set … type macvlan macaddr …` writes them (nests without
 * NLA_F_NESTED). Encode-only: the kernel reports the list as macaddrData.
 */
const macaddrOpCodec: CustomCodec<never, MacvlanMacaddrOp> = {
  decode() {
    return undefined;
  },
  encode(w, type, value) {
    const arg = `attribute ${type}`; // renamed to data.macaddr by the table
    if (value === 'flush') {
      w.putU32(IFLA_MACVLAN_MACADDR_MODE, MACVLAN_MACADDR_FLUSH);
      return;
    }
    const keys = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) ? Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined) : [];
    if (keys.length !== 1 || !['add', 'del', 'set'].includes(keys[0]!)) throw new InvalidArgumentError(arg, `expected { add: MAC }, { del: MAC }, { set: [MAC, …] } or 'flush', got ${showValue(value)}`);
    const op = keys[0]!;
    const v = (value as Record<string, unknown>)[op];
    if (op === 'set') {
      if (!Array.isArray(v)) throw new InvalidArgumentError(arg, `set: expected an array of MAC addresses, got ${showValue(v)}`);
      const macs = v.map((m: unknown, i: number) => macArg(m, arg, `set[${i}]: `));
      w.putU32(IFLA_MACVLAN_MACADDR_MODE, MACVLAN_MACADDR_SET);
      const n = w.nestStart(IFLA_MACVLAN_MACADDR_DATA, false);
      for (const m of macs) w.putBytes(IFLA_MACVLAN_MACADDR, m);
      w.nestEnd(n);
      return;
    }
    const mac = macArg(v, arg, `${op}: `);
    w.putU32(IFLA_MACVLAN_MACADDR_MODE, op === 'add' ? MACVLAN_MACADDR_ADD : MACVLAN_MACADDR_DEL);
    w.putBytes(IFLA_MACVLAN_MACADDR, mac);
  },
};

/** MACVLAN_MODE_* by name (as `ip` spells them). */
export const MACVLAN_MODES = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;

/** IFLA_MACVLAN_* attributes. */
export const MACVLAN_DATA = table('IFLA_MACVLAN', 'IFLA_MACVLAN_', [
  ['IFLA_MACVLAN_MODE', enumCodec(4, MACVLAN_MODES)],
  ['IFLA_MACVLAN_FLAGS', 'u16'],
  ['IFLA_MACVLAN_MACADDR_MODE', 'u32'],
  ['IFLA_MACVLAN_MACADDR', macaddrOpCodec, 'macaddr'],
  ['IFLA_MACVLAN_MACADDR_DATA', macaddrDataCodec],
  ['IFLA_MACVLAN_MACADDR_COUNT', reportedU32],
  ['IFLA_MACVLAN_BC_QUEUE_LEN', 'u32'],
  ['IFLA_MACVLAN_BC_QUEUE_LEN_USED', reportedU32],
]);

const EINVAL = 22;

/**
 * The bare EINVAL of a macvlan or macvtap on a lower device that cannot carry one:
 * macvlan_port_create() (drivers/net/macvlan.c) takes only an Ethernet device
 * (ARPHRD_ETHER) that is not loopback (IFF_LOOPBACK); macvlan_common_newlink() takes
 * no MTU above the lower device's. Said only when the lower device, read back, is such
 * a device or has a smaller MTU than the one asked: EINVAL has other causes (a passthru
 * macvlan beside others: {@link explainUppers}), for which nothing is claimed here.
 */
function explainLower(kind: string): NonNullable<KindCodec['explainParent']> {
  return (errno, parent, mtu) => {
    if (errno !== EINVAL) return undefined;
    const head = `a ${kind}'s lower device (link) must be an Ethernet device; ${parent.name} is`;
    if (parent.rawFlags & IFF_LOOPBACK) return `${head} loopback`;
    if (parent.type !== ARPHRD_ETHER) return `${head} not one (link type ${parent.linkType})`;
    return mtu !== undefined && parent.mtu !== undefined && mtu > parent.mtu ? `a ${kind}'s MTU is at most its lower device's: ${parent.name}'s is ${parent.mtu}, got ${mtu}` : undefined;
  };
}

/**
 * The other bare EINVAL of macvlan_common_newlink() about the lower device: a passthru
 * macvlan (or macvtap: they share the lower device's port) is the only one there, so none
 * is made beside one, and a passthru one not beside others.
 */
function explainUppers(errno: number, parent: { name: string }, data: Record<string, unknown> | undefined, uppers: readonly { name: string; kind?: string | undefined; linkinfo?: { data?: unknown } | undefined }[]): string | undefined {
  if (errno !== EINVAL) return undefined;
  const macvlans = uppers.filter((u) => u.kind === 'macvlan' || u.kind === 'macvtap');
  const pt = macvlans.find((u) => (u.linkinfo?.data as Record<string, unknown> | undefined)?.['mode'] === 'passthru');
  if (pt) return `${parent.name} has a passthru ${pt.kind} (${pt.name}): a passthru macvlan or macvtap is the only one on its lower device`;
  const mode = data?.['mode'];
  if ((mode === 'passthru' || mode === MACVLAN_MODES.passthru) && macvlans.length > 0) {
    return `a passthru macvlan or macvtap is the only one on its lower device: ${parent.name} already has ${macvlans.map((u) => u.name).join(', ')}`;
  }
  return undefined;
}

/**
 * What macvlan_validate() and the source-address code refuse with a bare EINVAL: a mode
 * number that is no MACVLAN_MODE_*; flag bits other than nopromisc and nodst; a macaddrMode other than add, del, flush, set
 * (0..3), and add or del, which need the address (IFLA_MACVLAN_MACADDR) nlkit does not send.
 * A macaddrMode on a device whose mode is not 'source'. And macaddrData, which the kernel
 * takes but nlkit does not send either.
 */
function validateMacvlan(spec: Record<string, unknown>): void {
  const d = spec['data'] as Record<string, unknown> | undefined;
  if (d === undefined) return;
  checkMacvlanData(d);
  // At create, the mode in data is the device's: macvlan_common_newlink takes a source
  // list (macaddrMode, or data.macaddr) on a source-mode device only, a bare EINVAL
  // otherwise (the default mode is vepa). A change checks against the link's mode instead.
  const mode = d['mode'];
  if ((d['macaddrMode'] !== undefined || d['macaddr'] !== undefined) && mode !== 'source' && mode !== MACVLAN_MODES.source) {
    const arg = d['macaddr'] !== undefined ? 'data.macaddr' : 'data.macaddrMode';
    throw new InvalidArgumentError(arg, `only a macvlan of mode 'source' has source addresses, got mode ${mode === undefined ? "'vepa' (the default)" : showValue(mode)}`);
  }
}

/** {@link validateMacvlan}'s checks of `data`, for a create and a change alike. */
function checkMacvlanData(d: Record<string, unknown>): void {
  const flags = d['flags'];
  const known = MACVLAN_FLAG_NOPROMISC | MACVLAN_FLAG_NODST;
  if (typeof flags === 'number' && Number.isInteger(flags) && flags >= 0 && (flags & ~known) !== 0) {
    throw new InvalidArgumentError('data.flags', `the kernel takes only nopromisc (${MACVLAN_FLAG_NOPROMISC}) and nodst (${MACVLAN_FLAG_NODST}), got ${flags}`);
  }
  const mode = d['mode'];
  // macvlan_validate() takes one MACVLAN_MODE_* only (a bare EINVAL otherwise); a name the codec checks.
  if (typeof mode === 'number' && !(Object.values(MACVLAN_MODES) as number[]).includes(mode)) {
    throw new InvalidArgumentError('data.mode', `expected a mode by name or number: ${Object.entries(MACVLAN_MODES).map(([k, v]) => `${k} (${v})`).join(', ')}, one of them; got ${showValue(mode)}`);
  }
  if (d['macaddr'] !== undefined) {
    if (d['macaddrMode'] !== undefined) throw new InvalidArgumentError('data.macaddr', 'not with data.macaddrMode: macaddr sends the mode itself (add, del, set or flush)');
    // The kernel takes the source list only on a link in source mode: a bare EINVAL otherwise.
    if (mode !== undefined && mode !== 'source' && mode !== MACVLAN_MODES.source) throw new InvalidArgumentError('data.macaddr', `a list of source addresses is for mode 'source', not ${showValue(mode)}`);
  }
  // Not the generic read-only refusal, which says the kernel takes no value: it does (the
  // list data.macaddr's { set } sends).
  if (d['macaddrData'] !== undefined) {
    throw new InvalidArgumentError('data.macaddrData', "the source list is sent by data.macaddr: { set: [MAC, …] } replaces it, { add: MAC } / { del: MAC } change one address, 'flush' empties it (what `ip link … mode source macaddr set|add|del|flush` sends)");
  }
  const mm = d['macaddrMode'];
  if (mm === undefined) return;
  if (typeof mm !== 'number' || !Number.isInteger(mm) || mm < 0 || mm > MACVLAN_MACADDR_SET) {
    throw new InvalidArgumentError('data.macaddrMode', `expected a MACVLAN_MACADDR_* mode in 0..3 (add, del, flush, set), got ${showValue(mm)}`);
  }
  if (mm <= MACVLAN_MACADDR_DEL) throw new InvalidArgumentError('data.macaddrMode', `${mm === 0 ? 'add' : 'del'} (${mm}) needs an address (IFLA_MACVLAN_MACADDR), which data.macaddrMode does not send: give data.macaddr ({ add: MAC } or { del: MAC }); 2 (flush) and 3 (set, to none) need none`);
}

/**
 * A change's data: the create checks, and passthru, which macvlan_changelink() neither
 * sets nor clears on an existing link (a bare EINVAL).
 */
function checkMacvlanChange(d: Record<string, unknown>): void {
  checkMacvlanData(d);
  if (d['mode'] === 'passthru' || d['mode'] === MACVLAN_MODES.passthru) throw new InvalidArgumentError('data.mode', "passthru is chosen when the link is created: the kernel neither sets nor clears it on an existing link (delete and re-create it)");
}

export const macvlan: KindCodec = { kind: 'macvlan', ether: true, data: MACVLAN_DATA, needsParent: true, validate: validateMacvlan, validateChange: checkMacvlanChange, explainParent: explainLower('macvlan'), explainUppers };
export const macvtap: KindCodec = { kind: 'macvtap', ether: true, data: MACVLAN_DATA, needsParent: true, validate: validateMacvlan, validateChange: checkMacvlanChange, explainParent: explainLower('macvtap'), explainUppers };
