/**
 * IPsec over NETLINK_XFRM: the security policy database (SPD) and the security
 * association database (SAD) of a network namespace — what `ip xfrm policy` and
 * `ip xfrm state` do.
 * @module
 */
import {
  ClosedError, HOST_LE, InvalidArgumentError, MulticastMonitor, checkMonitorOptions, trackMonitor, NETLINK_ROUTE, NETLINK_XFRM, NetlinkError, openHandleSocket, openSiblingSocket, showValue, walkAttrs,
  type FamilyDescriber, type MessageWriter, type NetlinkSocket, type NetnsTarget, type SocketPlace, type NetlinkWarning,
} from '../netlink/index.js';
import { IFLA_IFNAME, RTM_GETLINK, SIZEOF_IFINFOMSG } from '../rtnl/constants.js';
import { formatIp, parsePrefix } from '../rtnl/ip.js';
import {
  checkAe, checkAllocSpi, checkDefaults, checkMigrate, checkObject, checkPolicy, checkPolicyId, checkState, checkStateId, checkUint, decodeAe, selectorText as selectorTextOf, decodeDefaults, decodePolicy, decodeState, markOf, protoName, protoNumber,
  writeAllocSpi, writeGetAe, writeMigrate, writeNewAe, writePolicy, writePolicyId, writeState, writeStateId,
  type CheckedAe, type CheckedAllocSpi, type CheckedMigrate, type CheckedPolicy, type CheckedPolicyId, type CheckedSelector, type CheckedState, type CheckedStateId,
  type XfrmAe, type XfrmAeSpec, type XfrmAllocSpiSpec, type XfrmDefaultAction, type XfrmDir, type XfrmMark, type XfrmMode, type XfrmMigrateSpec, type XfrmPolicy, type XfrmPolicyDefaults, type XfrmPolicyKey, type XfrmPolicySpec, type XfrmProto, type XfrmState, type XfrmStateKey, type XfrmStateSpec,
} from './codec.js';
import * as X from './constants.js';
import { EVENT_GROUPS, decodeXfrmEvent, type XfrmEvent, type XfrmEventGroup, type XfrmMonitor, type XfrmMonitorOptions } from './monitor.js';

/** Options of {@link Xfrm.open}. */
export interface XfrmOptions {
  /** The network namespace whose IPsec databases the handle sees (a Netns, an fd, or `{ pid }`). Defaults to the caller's (or the enclosing execNetns target's). */
  readonly netns?: NetnsTarget | undefined;
  /** SO_RCVBUF(FORCE) of the socket, bytes. Defaults to the kernel's. */
  readonly receiveBufferSize?: number | undefined;
  /**
   * What to do with a kernel warning on an accepted request (a NetlinkWarning): a
   * function called with each, or `null` to drop them. Defaults to `process.emitWarning`.
   */
  readonly onWarning?: ((warning: NetlinkWarning) => void) | null | undefined;
}

/** Which policies {@link XfrmPolicies.list} returns (matched here, on each policy the kernel dumps). */
export interface XfrmPolicyFilter {
  /** Only this direction (`ip xfrm policy list dir out`). Defaults to all. */
  readonly dir?: XfrmDir | undefined;
  /** Only this type. Defaults to both. */
  readonly ptype?: 'main' | 'sub' | undefined;
  /** Only selectors of this family. Defaults to both. */
  readonly family?: 4 | 6 | undefined;
  /** Only this index. */
  readonly index?: number | undefined;
  /** Only policies with this mark (value and mask equal). */
  readonly mark?: number | XfrmMark | undefined;
  /** Only policies with this if_id. */
  readonly ifId?: number | undefined;
  /** Only this action. */
  readonly action?: 'allow' | 'block' | undefined;
}

/** Which states {@link XfrmStates.list} returns: proto and addresses are filtered by the kernel, the rest here. */
export interface XfrmStateFilter {
  /** Only this protocol (XFRMA_PROTO). Defaults to all. */
  readonly proto?: XfrmProto | undefined;
  /** Only states whose source is in this prefix (XFRMA_ADDRESS_FILTER). */
  readonly src?: string | undefined;
  /** Only states whose destination is in this prefix. */
  readonly dst?: string | undefined;
  /** Only this SPI. */
  readonly spi?: number | undefined;
  /** Only this mode. */
  readonly mode?: XfrmMode | undefined;
  /** Only this reqid. */
  readonly reqid?: number | undefined;
}

/** The SPD's counters (`ip xfrm policy count`; XFRM_MSG_GETSPDINFO). */
export interface XfrmSpdInfo {
  /** Policies of direction in (`SPD IN`). */
  readonly in: number;
  /** Of direction out. */
  readonly out: number;
  /** Of direction fwd. */
  readonly fwd: number;
  /** Socket policies of direction in (`Sock: IN`). */
  readonly inSocket: number;
  /** Socket policies of direction out. */
  readonly outSocket: number;
  /** Socket policies of direction fwd. */
  readonly fwdSocket: number;
  /** Buckets of the policy hash (`SPD buckets: count`). */
  readonly hashCount: number;
  /** Its limit (`Max`). */
  readonly hashMax: number;
  /** IPv4 prefix lengths from which policies are hashed (`ip xfrm policy set hthresh4 L R`). */
  readonly hthresh4?: { readonly lbits: number; readonly rbits: number } | undefined;
  /** IPv6's (`hthresh6`). */
  readonly hthresh6?: { readonly lbits: number; readonly rbits: number } | undefined;
}

/** The SAD's counters (`ip xfrm state count`; XFRM_MSG_GETSADINFO). */
export interface XfrmSadInfo {
  /** States. */
  readonly count: number;
  /** Buckets of the state hash. */
  readonly hashCount: number;
  /** Its limit. */
  readonly hashMax: number;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['netns', 'receiveBufferSize', 'onWarning']);
const POLICY_FILTER_KEYS: ReadonlySet<string> = new Set(['dir', 'ptype', 'family', 'index', 'mark', 'ifId', 'action']);
const STATE_FILTER_KEYS: ReadonlySet<string> = new Set(['proto', 'src', 'dst', 'spi', 'mode', 'reqid']);
const POLICY_FLUSH_KEYS: ReadonlySet<string> = new Set(['type']);
const STATE_FLUSH_KEYS: ReadonlySet<string> = new Set(['proto']);
const MONITOR_KEYS: ReadonlySet<string> = new Set(['signal', 'maxQueued', 'receiveBufferSize']);
const NLMSG_HDRLEN = 16;
const NLM_F_REPLACE = 0x100;
const GROUP_LIST = Object.keys(EVENT_GROUPS).map((g) => `'${g}'`).join(', ');

const MSG_NAMES: Record<number, string> = {};
for (const [k, v] of Object.entries(X)) if (k.startsWith('XFRM_MSG_') && typeof v === 'number') MSG_NAMES[v] = k;

/** What a kernel module or option a missing IPsec protocol needs, for the EPROTONOSUPPORT of a state. */
const MISSING_TYPE: Readonly<Record<XfrmProto, (family: 4 | 6) => string>> = {
  esp: (f) => `this kernel has no ESP for IPv${f} (CONFIG_INET${f === 6 ? '6' : ''}_ESP / the esp${f} module)`,
  ah: (f) => `this kernel has no AH for IPv${f} (CONFIG_INET${f === 6 ? '6' : ''}_AH / the ah${f} module)`,
  comp: (f) => `this kernel has no IPComp for IPv${f} (CONFIG_INET${f === 6 ? '6' : ''}_IPCOMP / the ipcomp${f === 6 ? '6' : ''} module)`,
  route2: () => 'this kernel has no Mobile IPv6 routing header type (CONFIG_IPV6_MIP6 / the mip6 module)',
  hao: () => 'this kernel has no Mobile IPv6 home address option type (CONFIG_IPV6_MIP6 / the mip6 module)',
};

/**
 * What an ALLOCSPI without a free SPI leaves: xfrm_alloc_userspi makes (or finds) the larval
 * state before it looks for an SPI, and keeps it when there is none (`ip xfrm state allocspi`
 * too).
 */
const ALLOC_LEFT = 'the larval state the kernel made for it stays, with SPI 0 (no get or del finds it), until it expires; an allocSpi of the same src, dst, proto, mode and reqid takes it again';

/**
 * 'no such state' for a GETSA, DELSA, GETAE or NEWAE (each starts with struct xfrm_usersa_id);
 * for SPI 0 of esp, ah or comp also why a state the SAD lists is not found: the kernel
 * hashes no state by SPI 0 (a larval one an allocSpi without a free SPI left).
 */
function noStateHint(request: Uint8Array): string {
  const base = 'no such state (dst, proto, spi and mark)';
  const id = NLMSG_HDRLEN;
  if (request.length < id + X.SIZEOF_XFRM_USERSA_ID) return base;
  const proto = request[id + X.OFF_XFRM_USERSA_ID_PROTO];
  const spi = new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(id + X.OFF_XFRM_USERSA_ID_SPI);
  if (spi !== 0 || (proto !== X.IPPROTO_ESP && proto !== X.IPPROTO_AH && proto !== X.IPPROTO_COMP)) return base;
  return `${base}; a listed state of SPI 0 (what an allocSpi without a free SPI leaves) is never found by SPI: it goes at its expiry, or with state.flush()`;
}

const NO_POLICY = 'no such policy (selector, dir, mark, if_id and type, or index)';
const BY_INDEX = 'no such policy: by index the kernel also matches the policy\'s type, mark and if_id (xfrm_policy_byid), so a policy of that index with a mark, an if_id or type sub is found only with them (or by the listed policy)';

/** 'no such policy' for a GETPOLICY or DELPOLICY: by index, what else the kernel matches. */
function noPolicyHint(request: Uint8Array): string {
  const id = NLMSG_HDRLEN;
  if (request.length < id + X.SIZEOF_XFRM_USERPOLICY_ID) return NO_POLICY;
  const index = new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(id + X.OFF_XFRM_USERPOLICY_ID_INDEX, HOST_LE);
  return index === 0 ? NO_POLICY : BY_INDEX;
}

/** @internal Names a request for error messages, and says what a bare errno means for it. */
export const XFRM_DESCRIBER: FamilyDescriber = {
  typeName: (type) => MSG_NAMES[type] ?? `xfrm message ${type}`,
  explain(request, errno) {
    if (request.length < NLMSG_HDRLEN) return undefined;
    const type = new DataView(request.buffer, request.byteOffset, request.byteLength).getUint16(4, HOST_LE);
    if (errno === 2 /* ENOENT */) {
      if (type === X.XFRM_MSG_GETPOLICY || type === X.XFRM_MSG_DELPOLICY) return noPolicyHint(request);
      if (type === X.XFRM_MSG_MIGRATE) return 'no policy of that dir, type and if_id (and no mark) matches the selector\'s addresses';
      if (type === X.XFRM_MSG_GETSA || type === X.XFRM_MSG_DELSA) return 'no such state (dst, proto, spi and mark)';
      if (type === X.XFRM_MSG_ALLOCSPI) return `no free SPI in the range; ${ALLOC_LEFT}`;
    }
    // xfrm_user_state_lookup answers ESRCH for a state it does not find.
    if (errno === 3 /* ESRCH */ && (type === X.XFRM_MSG_GETSA || type === X.XFRM_MSG_DELSA)) return noStateHint(request);
    // xfrm_state_update: an UPDSA finds the state by dst, proto, spi and mark and adds none.
    if (errno === 3 /* ESRCH */ && type === X.XFRM_MSG_UPDSA) return 'no such state (dst, proto, spi and mark) to update: update() adds none: add() it';
    if (errno === 17 /* EEXIST */) {
      if (type === X.XFRM_MSG_NEWPOLICY) return 'a policy with that selector, dir, mark, if_id and type exists (update() replaces it)';
      if (type === X.XFRM_MSG_NEWSA) return 'a state with that dst, proto, spi and mark exists (update() changes only its lifetimes, encap, output mark and if_id: del() and add() to change its keys)';
    }
    // xfrm_new_ae: a state that is not XFRM_STATE_VALID (larval, or dying) has no counters to set.
    if (errno === 22 /* EINVAL */ && type === X.XFRM_MSG_NEWAE) return 'only a complete state\'s counters can be set (not a larval one from allocSpi or an acquire)';
    if ((errno === 3 /* ESRCH */ || errno === 2) && (type === X.XFRM_MSG_GETAE || type === X.XFRM_MSG_NEWAE)) return noStateHint(request);
    // xfrm_migrate: the policy was found but none of its templates matched a move
    // (xfrm_policy_migrate), or a state a move matched could not be moved (xfrm_state_migrate).
    if (errno === 61 /* ENODATA */ && type === X.XFRM_MSG_MIGRATE) return 'no template of the policy has the old endpoints, proto, mode and reqid of any move, or a state of one could not be moved';
    if (errno === 1 /* EPERM */) return 'needs CAP_NET_ADMIN in the netns\'s user namespace';
    return undefined;
  },
};

const POLICY_OPTS = { subjectOf: (p: CheckedPolicy): string => selectorText(p.sel, p.dir) };
const POLICY_ID_OPTS = { subjectOf: (p: CheckedPolicyId): string => (p.index ? `index ${p.index} dir ${dirText(p.dir)}` : selectorText(p.sel, p.dir)) };
const STATE_OPTS = { subjectOf: (s: CheckedState): string => stateText(s.proto, s.spi, s.dst) };
const ALLOC_OPTS = { subjectOf: (s: CheckedAllocSpi): string => `${protoName(s.proto) ?? s.proto} spi 0x${s.min.toString(16)}..0x${s.max.toString(16)} dst ${stateText(s.proto, 0, s.dst).split(' dst ')[1]}` };
const MIGRATE_OPTS = { subjectOf: (m: CheckedMigrate): string => selectorText(m.sel, m.dir) };
const AE_OPTS = { subjectOf: (a: CheckedAe): string => stateText(a.id.proto, a.id.spi, a.id.dst) };
const STATE_ID_OPTS = { subjectOf: (s: CheckedStateId): string => stateText(s.proto, s.spi, s.dst) };

function dirText(d: number): string {
  return d === X.XFRM_POLICY_IN ? 'in' : d === X.XFRM_POLICY_OUT ? 'out' : d === X.XFRM_POLICY_FWD ? 'fwd' : String(d);
}

function selectorText(s: CheckedSelector, dir: number): string {
  return `${selectorTextOf(s)} dir ${dirText(dir)}`;
}

function stateText(proto: number, spi: number, dst: Uint8Array): string {
  const d = formatIp(dst, 0, dst.length); // parseIp's bytes: 4 for IPv4, 16 for IPv6
  return `${protoName(proto) ?? proto} spi 0x${spi.toString(16).padStart(8, '0')} dst ${d}`;
}

function putU32Body(w: MessageWriter, v: number): void {
  const o = w.reserve(4);
  w.view.setUint32(o, v, HOST_LE);
}

/** The spd info of a NEWSPDINFO reply. */
function decodeSpdInfo(buf: Buffer, view: DataView, off: number, len: number): XfrmSpdInfo {
  const r: { -readonly [K in keyof XfrmSpdInfo]: XfrmSpdInfo[K] } = { in: 0, out: 0, fwd: 0, inSocket: 0, outSocket: 0, fwdSocket: 0, hashCount: 0, hashMax: 0 };
  walkAttrs(view, off + NLMSG_HDRLEN + 4, off + len, ['xfrm spdinfo'], (t, a) => {
    if (t === X.XFRMA_SPD_INFO) {
      r.in = view.getUint32(a + X.OFF_XFRMU_SPDINFO_INCNT, HOST_LE); r.out = view.getUint32(a + X.OFF_XFRMU_SPDINFO_OUTCNT, HOST_LE);
      r.fwd = view.getUint32(a + X.OFF_XFRMU_SPDINFO_FWDCNT, HOST_LE); r.inSocket = view.getUint32(a + X.OFF_XFRMU_SPDINFO_INSCNT, HOST_LE);
      r.outSocket = view.getUint32(a + X.OFF_XFRMU_SPDINFO_OUTSCNT, HOST_LE); r.fwdSocket = view.getUint32(a + X.OFF_XFRMU_SPDINFO_FWDSCNT, HOST_LE);
    } else if (t === X.XFRMA_SPD_HINFO) {
      r.hashCount = view.getUint32(a + X.OFF_XFRMU_SPDHINFO_SPDHCNT, HOST_LE); r.hashMax = view.getUint32(a + X.OFF_XFRMU_SPDHINFO_SPDHMCNT, HOST_LE);
    } else if (t === X.XFRMA_SPD_IPV4_HTHRESH) r.hthresh4 = { lbits: buf[a + X.OFF_XFRMU_SPDHTHRESH_LBITS]!, rbits: buf[a + X.OFF_XFRMU_SPDHTHRESH_RBITS]! };
    else if (t === X.XFRMA_SPD_IPV6_HTHRESH) r.hthresh6 = { lbits: buf[a + X.OFF_XFRMU_SPDHTHRESH_LBITS]!, rbits: buf[a + X.OFF_XFRMU_SPDHTHRESH_RBITS]! };
  });
  return r;
}

function decodeSadInfo(_buf: Buffer, view: DataView, off: number, len: number): XfrmSadInfo {
  const r = { count: 0, hashCount: 0, hashMax: 0 };
  walkAttrs(view, off + NLMSG_HDRLEN + 4, off + len, ['xfrm sadinfo'], (t, a) => {
    if (t === X.XFRMA_SAD_CNT) r.count = view.getUint32(a, HOST_LE);
    else if (t === X.XFRMA_SAD_HINFO) {
      r.hashCount = view.getUint32(a + X.OFF_XFRMU_SADHINFO_SADHCNT, HOST_LE); r.hashMax = view.getUint32(a + X.OFF_XFRMU_SADHINFO_SADHMCNT, HOST_LE);
    }
  });
  return r;
}

/**
 * The policies of an {@link Xfrm} handle (the SPD): `ip xfrm policy`.
 */
export class XfrmPolicies {
  private constructor(private readonly x: Xfrm) {}

  /** @internal Made by {@link Xfrm} only. */
  static of(x: Xfrm): XfrmPolicies {
    return new XfrmPolicies(x);
  }

  /**
   * Add a policy; a policy with the same selector, dir, mark, if_id and type is refused.
   *
   * Equivalent to: `ip xfrm policy add SELECTOR dir DIR [priority P] [action A] [index I] [mark M mask K] [if_id N] [ptype T] [flag F] [limit …] [tmpl …]`.
   * @throws InvalidArgumentError for a bad spec (nothing sent); NetlinkError 'EEXIST' when it exists.
   */
  async add(spec: XfrmPolicySpec): Promise<void> {
    const p = checkPolicy(spec, 'spec');
    await this.x.resolveDev(p.sel, 'spec.selector.dev');
    await this.x.sock.requestWith(X.XFRM_MSG_NEWPOLICY, 0, writePolicy, p, undefined, POLICY_OPTS);
  }

  /**
   * Add a policy or replace the one with the same selector, dir, mark, if_id and type.
   *
   * Equivalent to: `ip xfrm policy update …` (the arguments of add).
   * @throws InvalidArgumentError for a bad spec (nothing sent).
   */
  async update(spec: XfrmPolicySpec): Promise<void> {
    const p = checkPolicy(spec, 'spec');
    await this.x.resolveDev(p.sel, 'spec.selector.dev');
    await this.x.sock.requestWith(X.XFRM_MSG_UPDPOLICY, 0, writePolicy, p, undefined, POLICY_OPTS);
  }

  /**
   * One policy, by selector and dir, or by index and dir — either way with its mark, if_id
   * and type, which the kernel matches by index too (a listed policy carries them).
   *
   * Equivalent to: `ip xfrm policy get { SELECTOR | index I } dir DIR [mark M mask K] [if_id N] [ptype T]`.
   * @throws InvalidArgumentError for a bad key; NetlinkError 'ENOENT' when there is none.
   */
  async get(key: XfrmPolicyKey | XfrmPolicy): Promise<XfrmPolicy> {
    const k = checkPolicyId(key, 'key');
    await this.x.resolveDev(k.sel, 'key.selector.dev');
    const p = await this.x.sock.requestWith(X.XFRM_MSG_GETPOLICY, 0, writePolicyId, k, (b, v, o, l) => decodePolicy(b, v, o, l), { ...POLICY_ID_OPTS, ack: false })
    if (!p) throw new NetlinkError(2, { type: X.XFRM_MSG_GETPOLICY, typeName: 'XFRM_MSG_GETPOLICY', seq: 0, subject: POLICY_ID_OPTS.subjectOf(k) }, {}, 'no such policy');
    return p;
  }

  /**
   * Delete one policy, by selector and dir or by index and dir, either way with its mark,
   * if_id and type (a listed policy: by its index, with its own).
   *
   * Equivalent to: `ip xfrm policy delete { SELECTOR | index I } dir DIR [mark M mask K] [if_id N] [ptype T]`.
   * @throws InvalidArgumentError for a bad key; NetlinkError 'ENOENT' when there is none.
   */
  async del(key: XfrmPolicyKey | XfrmPolicy): Promise<void> {
    const k = checkPolicyId(key, 'key');
    await this.x.resolveDev(k.sel, 'key.selector.dev');
    await this.x.sock.requestWith(X.XFRM_MSG_DELPOLICY, 0, writePolicyId, k, undefined, POLICY_ID_OPTS)
  }

  /**
   * Every policy (of the main and sub types), filtered here.
   *
   * Equivalent to: `ip -s xfrm policy list [dir D] [ptype T] [index I] [action A]`.
   * @throws InvalidArgumentError for a bad filter (nothing sent).
   */
  async list(filter: XfrmPolicyFilter = {}): Promise<XfrmPolicy[]> {
    checkObject(filter, 'filter', POLICY_FILTER_KEYS);
    const dir = filter.dir;
    if (dir !== undefined && dir !== 'in' && dir !== 'out' && dir !== 'fwd') throw new InvalidArgumentError('dir', `expected 'in', 'out' or 'fwd', got ${showValue(dir)}`);
    if (filter.ptype !== undefined && filter.ptype !== 'main' && filter.ptype !== 'sub') throw new InvalidArgumentError('ptype', `expected 'main' or 'sub', got ${showValue(filter.ptype)}`);
    if (filter.family !== undefined && filter.family !== 4 && filter.family !== 6) throw new InvalidArgumentError('family', `expected 4 or 6, got ${showValue(filter.family)}`);
    if (filter.action !== undefined && filter.action !== 'allow' && filter.action !== 'block') throw new InvalidArgumentError('action', `expected 'allow' or 'block', got ${showValue(filter.action)}`);
    const index = filter.index === undefined ? undefined : checkUint(filter.index, 'index', 0xffffffff);
    const mark = filter.mark === undefined ? undefined : markOf(filter.mark, 'mark');
    const ifId = filter.ifId === undefined ? undefined : checkUint(filter.ifId, 'ifId', 0xffffffff);
    this.x.live();
    const all = await this.x.sock.dump(X.XFRM_MSG_GETPOLICY, 0, () => undefined, (b, v, o, l) => decodePolicy(b, v, o, l), { subject: 'policy table' });
    return all.filter((p) => (dir === undefined || p.dir === dir) && (filter.ptype === undefined || p.ptype === filter.ptype)
      && (filter.family === undefined || p.selector.family === filter.family) && (index === undefined || p.index === index)
      && (filter.action === undefined || p.action === filter.action) && (ifId === undefined || (p.ifId ?? 0) === ifId)
      && (mark === undefined || (p.mark !== undefined && p.mark.value === mark.value && p.mark.mask === mark.mask)));
  }

  /**
   * Delete every policy of one type (main by default, as the kernel does with no type).
   *
   * Equivalent to: `ip xfrm policy flush [ptype T]`.
   * @throws InvalidArgumentError for bad options.
   */
  async flush(options: { readonly type?: 'main' | 'sub' | undefined } = {}): Promise<void> {
    checkObject(options, 'options', POLICY_FLUSH_KEYS);
    const t = options.type;
    if (t !== undefined && t !== 'main' && t !== 'sub') throw new InvalidArgumentError('type', `expected 'main' or 'sub', got ${showValue(t)}`);
    this.x.live();
    await this.x.sock.request(X.XFRM_MSG_FLUSHPOLICY, 0, (w) => {
      if (t !== undefined) {
        const o = w.nestStart(X.XFRMA_POLICY_TYPE, false);
        w.reserve(X.SIZEOF_XFRM_USERPOLICY_TYPE);
        w.view.setUint16(o, 4 + X.SIZEOF_XFRM_USERPOLICY_TYPE, HOST_LE);
        w.buf[o + 4 + X.OFF_XFRM_USERPOLICY_TYPE_TYPE] = t === 'sub' ? X.XFRM_POLICY_TYPE_SUB : X.XFRM_POLICY_TYPE_MAIN;
      }
    }, undefined, { subject: 'policy table' });
  }

  /**
   * Move a policy's tunnel to new endpoints (MOBIKE, RFC 4555; Mobile IPv6): each move
   * changes the templates of the policy that have its old endpoints, protocol, mode and
   * reqid, and the states that fulfil them. Which policy: see {@link XfrmMigrateSpec.selector}
   * — since Linux 6.12 the one a packet between the selector's addresses would match, which
   * is not the policy with that selector when a broader one has a higher priority. Monitors
   * of 'migrate' see a `migrate` event. `ip` has no command for it.
   *
   * Equivalent to: XFRM_MSG_MIGRATE (libreswan's and racoon's MOBIKE path; no `ip xfrm` command).
   * @throws InvalidArgumentError for a bad spec (nothing sent); NetlinkError 'ENOENT' when
   *   there is no such policy, 'ENODATA' when none of its templates matches a move or a
   *   state that does could not be moved (nothing is changed then),
   *   'ENOPROTOOPT' on a kernel without CONFIG_XFRM_MIGRATE.
   */
  async migrate(spec: XfrmMigrateSpec): Promise<void> {
    const m = checkMigrate(spec, 'spec');
    await this.x.resolveDev(m.sel, 'spec.selector.dev');
    await this.x.sock.requestWith(X.XFRM_MSG_MIGRATE, 0, writeMigrate, m, undefined, MIGRATE_OPTS);
  }

  /**
   * What happens to packets no policy matches, per direction ('accept' unless changed).
   *
   * Equivalent to: `ip xfrm policy getdefault`.
   */
  async getDefault(): Promise<XfrmPolicyDefaults> {
    this.x.live();
    const r = await this.x.sock.request(X.XFRM_MSG_GETDEFAULT, 0, (w) => { w.reserve(X.SIZEOF_XFRM_USERPOLICY_DEFAULT); },
      (b, _v, o, l) => decodeDefaults(b, o + NLMSG_HDRLEN, l - NLMSG_HDRLEN), { subject: 'policy defaults', ack: false });
    return r!;
  }

  /**
   * Set the default action of one or more directions; those not given are left as they
   * are. With 'block', a packet no policy matches is dropped — also for this host's own
   * traffic (IKE included), so add the policies that let it through first. Monitors of
   * 'policy' see a `policy-defaults` event.
   *
   * Equivalent to: `ip xfrm policy setdefault [in ACTION] [fwd ACTION] [out ACTION]`.
   * @throws InvalidArgumentError for an empty or bad object (nothing sent).
   */
  async setDefault(defaults: { readonly in?: XfrmDefaultAction | undefined; readonly fwd?: XfrmDefaultAction | undefined; readonly out?: XfrmDefaultAction | undefined }): Promise<void> {
    const d = checkDefaults(defaults, 'defaults');
    this.x.live();
    await this.x.sock.request(X.XFRM_MSG_SETDEFAULT, 0, (w) => {
      const o = w.reserve(X.SIZEOF_XFRM_USERPOLICY_DEFAULT);
      w.buf[o + X.OFF_XFRM_USERPOLICY_DEFAULT_IN] = d[0]!;
      w.buf[o + X.OFF_XFRM_USERPOLICY_DEFAULT_FWD] = d[1]!;
      w.buf[o + X.OFF_XFRM_USERPOLICY_DEFAULT_OUT] = d[2]!;
    }, undefined, { subject: 'policy defaults' });
  }

  /**
   * The SPD's counters and hash thresholds.
   *
   * Equivalent to: `ip -s -s xfrm policy count`.
   */
  async count(): Promise<XfrmSpdInfo> {
    this.x.live();
    const r = await this.x.sock.request(X.XFRM_MSG_GETSPDINFO, 0, (w) => putU32Body(w, 0xffffffff), decodeSpdInfo, { subject: 'policy table', ack: false });
    return r!;
  }
}

/**
 * The states (SAs) of an {@link Xfrm} handle (the SAD): `ip xfrm state`.
 */
export class XfrmStates {
  private constructor(private readonly x: Xfrm) {}

  /** @internal Made by {@link Xfrm} only. */
  static of(x: Xfrm): XfrmStates {
    return new XfrmStates(x);
  }

  /**
   * Add a state. A kernel without the protocol (no ESP, AH or IPComp built or loaded)
   * refuses with 'EPROTONOSUPPORT', and the error's hint names the missing option and module.
   *
   * Equivalent to: `ip xfrm state add src S dst D proto P spi SPI [mode M] [reqid R] [replay-window W] [flag F] [sel …] [aead|enc|auth|auth-trunc|comp …] [encap …] [coa ADDR] [mark M mask K] [output-mark …] [if_id N] [limit …]`.
   * @throws InvalidArgumentError for a bad spec (nothing sent); NetlinkError 'EEXIST' when it exists.
   */
  async add(spec: XfrmStateSpec): Promise<void> {
    const s = checkState(spec, 'spec');
    if (s.sel) await this.x.resolveDev(s.sel, 'spec.selector.dev');
    await this.x.sock.requestWith(X.XFRM_MSG_NEWSA, 0, writeState, s, undefined, STATE_OPTS).catch((e: unknown) => { throw missingType(e, s); });
  }

  /**
   * Update the state with the same dst, proto, spi and mark (net/xfrm/xfrm_state.c
   * xfrm_state_update). A larval state (from {@link XfrmStates.allocSpi} or an ACQUIRE) is
   * replaced by the whole spec: this is how an SA negotiated for a reserved SPI is
   * installed. A complete state keeps its algorithms, keys, reqid, mode, flags and
   * selector: only its encapsulation (of the same type), care-of address, lifetime
   * limits, output mark and if_id are taken from the spec — to change the rest, `del` and
   * `add`. It adds nothing: without such a state the kernel answers 'ESRCH'.
   *
   * Equivalent to: `ip xfrm state update …` (the arguments of add).
   * @throws InvalidArgumentError for a bad spec (nothing sent); NetlinkError 'ESRCH' when
   *   there is no such state, 'EEXIST' for a state the kernel made itself, 'EINVAL' for an
   *   encapsulation added, removed or of another type.
   */
  async update(spec: XfrmStateSpec): Promise<void> {
    const s = checkState(spec, 'spec');
    if (s.sel) await this.x.resolveDev(s.sel, 'spec.selector.dev');
    await this.x.sock.requestWith(X.XFRM_MSG_UPDSA, 0, writeState, s, undefined, STATE_OPTS).catch((e: unknown) => { throw missingType(e, s); });
  }

  /**
   * One state by dst, proto and spi (and mark).
   *
   * Equivalent to: `ip xfrm state get dst D proto P spi SPI [src S] [mark M mask K]`.
   * @throws InvalidArgumentError for a bad key; NetlinkError 'ESRCH' when there is none (the kernel's code for a missing state).
   */
  async get(key: XfrmStateKey | XfrmState): Promise<XfrmState> {
    const k = checkStateId(key, 'key');
    this.x.live();
    const s = await this.x.sock.requestWith(X.XFRM_MSG_GETSA, 0, writeStateId, k, (b, v, o, l) => decodeState(b, v, o, l), { ...STATE_ID_OPTS, ack: false });
    if (!s) throw new NetlinkError(2, { type: X.XFRM_MSG_GETSA, typeName: 'XFRM_MSG_GETSA', seq: 0, subject: STATE_ID_OPTS.subjectOf(k) }, {}, 'no such state');
    return s;
  }

  /**
   * Reserve an SPI: the kernel makes a larval state (an ACQUIRE's, with a hard lifetime of
   * 30 s unless completed by `update`) with a free SPI in [min, max], and returns it. Needs
   * no transform module (it works on a kernel without ESP).
   *
   * Equivalent to: `ip xfrm state allocspi src S dst D proto P [mode M] [reqid R] [seq N] [mark M mask K] [min A max B]`.
   * @throws InvalidArgumentError for a bad spec (nothing sent); NetlinkError 'ENOENT' when no SPI in the range is free
   *   (this kernel, 6.18, counts an SPI of the protocol taken for any destination). The larval state is made before the
   *   SPI is looked for and stays, as after `ip xfrm state allocspi`: SPI 0 (no get or del finds it) until it expires;
   *   an allocSpi of the same src, dst, proto, mode and reqid takes it again.
   */
  async allocSpi(spec: XfrmAllocSpiSpec): Promise<XfrmState> {
    const s = checkAllocSpi(spec, 'spec');
    this.x.live();
    const r = await this.x.sock.requestWith(X.XFRM_MSG_ALLOCSPI, 0, writeAllocSpi, s, (b, v, o, l) => decodeState(b, v, o, l), { ...ALLOC_OPTS, ack: false }).catch((e: unknown) => {
      // The kernel's text ('No SPI available in the requested range') says nothing of the state it kept.
      if (e instanceof NetlinkError && e.code === 'ENOENT' && e.extack.message !== undefined) throw new NetlinkError(e.errno, e.request, e.extack, ALLOC_LEFT);
      throw e;
    });
    return r!;
  }

  /**
   * A state's replay and lifetime counters and its event thresholds (what an HA pair
   * copies to its standby). Works on a larval state too.
   *
   * Equivalent to: XFRM_MSG_GETAE (no `ip` command; `ip xfrm monitor aevent` prints the same fields).
   * @throws InvalidArgumentError for a bad key; NetlinkError 'ESRCH' when there is no such state.
   */
  async getAe(key: XfrmStateKey | XfrmState): Promise<XfrmAe> {
    const k = checkStateId(key, 'key');
    this.x.live();
    const r = await this.x.sock.requestWith(X.XFRM_MSG_GETAE, 0, writeGetAe, k, (b, v, o, l) => decodeAe(b, v, o, l), { ...STATE_ID_OPTS, ack: false });
    if (!r) throw new NetlinkError(3, { type: X.XFRM_MSG_GETAE, typeName: 'XFRM_MSG_GETAE', seq: 0, subject: STATE_ID_OPTS.subjectOf(k) }, {}, 'no such state');
    return r;
  }

  /**
   * Set a complete state's replay or lifetime counters or its event thresholds (a standby
   * taking over an SA: its counters must not start again from 0). Monitors of 'aevents'
   * see an `aevent` event with cause 'update'. The kernel refuses a larval state ('EINVAL').
   *
   * Equivalent to: XFRM_MSG_NEWAE with NLM_F_REPLACE (no `ip` command).
   * @throws InvalidArgumentError for a bad key or counters (nothing sent); NetlinkError
   *   'ESRCH' when there is no such state, 'EINVAL' for a larval state or an ESN bitmap of
   *   another length than the state's.
   */
  async setAe(key: XfrmStateKey | XfrmState, counters: XfrmAeSpec): Promise<void> {
    const a = checkAe(key, counters, 'counters');
    this.x.live();
    await this.x.sock.requestWith(X.XFRM_MSG_NEWAE, NLM_F_REPLACE, writeNewAe, a, undefined, AE_OPTS);
  }

  /**
   * Delete one state by dst, proto and spi (and mark).
   *
   * Equivalent to: `ip xfrm state delete dst D proto P spi SPI [src S] [mark M mask K]`.
   * @throws InvalidArgumentError for a bad key; NetlinkError 'ESRCH' when there is none (the kernel's code for a missing state),
   *   also for a listed esp, ah or comp state of SPI 0 (left by an allocSpi without a free SPI), which the kernel never finds by SPI: `flush` removes it.
   */
  async del(key: XfrmStateKey | XfrmState): Promise<void> {
    const k = checkStateId(key, 'key');
    this.x.live();
    await this.x.sock.requestWith(X.XFRM_MSG_DELSA, 0, writeStateId, k, undefined, STATE_ID_OPTS);
  }

  /**
   * Every state, keys included; proto and address prefixes filtered by the kernel.
   *
   * Equivalent to: `ip -s xfrm state list [src S] [dst D] [proto P] [spi SPI] [mode M] [reqid R]`.
   * @throws InvalidArgumentError for a bad filter (nothing sent).
   */
  async list(filter: XfrmStateFilter = {}): Promise<XfrmState[]> {
    checkObject(filter, 'filter', STATE_FILTER_KEYS);
    const proto = filter.proto === undefined ? undefined : protoOf(filter.proto, 'proto');
    const src = filter.src === undefined ? undefined : parsePrefix(filter.src, 'src');
    const dst = filter.dst === undefined ? undefined : parsePrefix(filter.dst, 'dst');
    if (src && dst && src.family !== dst.family) throw new InvalidArgumentError('filter', `src ${filter.src} is IPv${src.family} but dst ${filter.dst} is IPv${dst.family}`);
    const spi = filter.spi === undefined ? undefined : checkUint(filter.spi, 'spi', 0xffffffff, 'an SPI');
    const reqid = filter.reqid === undefined ? undefined : checkUint(filter.reqid, 'reqid', 0xffffffff);
    const modes = ['transport', 'tunnel', 'ro', 'in_trigger', 'beet'];
    if (filter.mode !== undefined && !modes.includes(filter.mode)) throw new InvalidArgumentError('mode', `unknown mode ${showValue(filter.mode)} (${modes.map((m) => `'${m}'`).join(', ')})`);
    this.x.live();
    const all = await this.x.sock.dump(X.XFRM_MSG_GETSA, 0, (w) => {
      if (src || dst) {
        // struct xfrm_address_filter { saddr, daddr, family, splen, dplen }: not generated (no offsets needed
        // beyond these, fixed by the UAPI): 16 + 16 + 2 + 1 + 1 = 36 bytes.
        const o = w.nestStart(X.XFRMA_ADDRESS_FILTER, false);
        const b = w.reserve(36);
        w.view.setUint16(o, 4 + 36, HOST_LE);
        if (src) w.buf.set(src.bytes, b);
        if (dst) w.buf.set(dst.bytes, b + 16);
        w.view.setUint16(b + 32, (src ?? dst)!.family === 4 ? X.AF_INET : X.AF_INET6, HOST_LE);
        w.buf[b + 34] = src?.prefixLen ?? 0;
        w.buf[b + 35] = dst?.prefixLen ?? 0;
      }
      if (proto !== undefined) w.putU8(X.XFRMA_PROTO, proto);
    }, (b, v, o, l) => decodeState(b, v, o, l), { subject: 'state table' });
    return all.filter((s) => (spi === undefined || s.spi === spi) && (reqid === undefined || s.reqid === reqid) && (filter.mode === undefined || s.mode === filter.mode));
  }

  /**
   * Delete every state (of one protocol).
   *
   * Equivalent to: `ip xfrm state flush [proto P]`.
   * @throws InvalidArgumentError for bad options.
   */
  async flush(options: { readonly proto?: XfrmProto | undefined } = {}): Promise<void> {
    checkObject(options, 'options', STATE_FLUSH_KEYS);
    const proto = options.proto === undefined ? 0 : protoOf(options.proto, 'proto');
    this.x.live();
    await this.x.sock.request(X.XFRM_MSG_FLUSHSA, 0, (w) => {
      const o = w.reserve(X.SIZEOF_XFRM_USERSA_FLUSH);
      w.buf[o + X.OFF_XFRM_USERSA_FLUSH_PROTO] = proto; // 0: every state (xfrm_id_proto_match)
    }, undefined, { subject: 'state table' });
  }

  /**
   * The SAD's counters.
   *
   * Equivalent to: `ip -s -s xfrm state count`.
   */
  async count(): Promise<XfrmSadInfo> {
    this.x.live();
    const r = await this.x.sock.request(X.XFRM_MSG_GETSADINFO, 0, (w) => putU32Body(w, 0xffffffff), decodeSadInfo, { subject: 'state table', ack: false });
    return r!;
  }
}

function protoOf(v: unknown, arg: string): number {
  const names: readonly XfrmProto[] = ['esp', 'ah', 'comp', 'route2', 'hao'];
  if (typeof v === 'string' && (names as readonly string[]).includes(v)) return protoNumber(v as XfrmProto);
  throw new InvalidArgumentError(arg, `unknown proto ${showValue(v)} (${names.map((n) => `'${n}'`).join(', ')})`);
}

/** The algorithm attributes of each role the kernel names in "Requested ROLE algorithm not found" (xfrm_user.c attach_*). */
const ALGO_ROLE: Readonly<Record<string, readonly number[]>> = {
  AEAD: [X.XFRMA_ALG_AEAD], AUTH: [X.XFRMA_ALG_AUTH, X.XFRMA_ALG_AUTH_TRUNC], CRYPT: [X.XFRMA_ALG_CRYPT], COMP: [X.XFRMA_ALG_COMP],
};

/**
 * A state the kernel cannot build, with what it lacks: EPROTONOSUPPORT ("Requested type
 * not found") names the protocol's kernel option and module; ENOSYS ("Requested ROLE
 * algorithm not found") the algorithm of that role: xfrm looks a name (or its alias) up in
 * its own table (net/xfrm/xfrm_algo.c) and only then asks the crypto API for it, so one
 * /proc/crypto lists (ecb(aes)) is refused too.
 */
function missingType(e: unknown, s: CheckedState): unknown {
  if (!(e instanceof NetlinkError)) return e;
  // The kernel says "Requested type not found" when the protocol is missing; its other
  // EPROTONOSUPPORTs (a mode the family lacks, …) are not about a module.
  if (e.code === 'EPROTONOSUPPORT' && (e.extack.message === undefined || e.extack.message === 'Requested type not found')) {
    const p = protoName(s.proto);
    return p ? new NetlinkError(e.errno, e.request, e.extack, MISSING_TYPE[p](s.family)) : e;
  }
  if (e.code === 'ENOSYS' && s.algos.length) {
    const role = /^Requested (\w+) algorithm not found/.exec(e.extack.message ?? '')?.[1];
    const types = role !== undefined ? ALGO_ROLE[role] : undefined;
    const algos = types ? s.algos.filter((a) => types.includes(a.type)) : s.algos;
    const names = (algos.length ? algos : s.algos).map((a) => a.name).join(' or ');
    return new NetlinkError(e.errno, e.request, e.extack, `xfrm has no ${names}${role !== undefined && types ? ` for ${role.toLowerCase()}` : ''}: not a name (or alias) its algorithm table lists for that role (net/xfrm/xfrm_algo.c), or its crypto module is not built or not loaded`);
  }
  return e;
}

/**
 * An IPsec handle: one NETLINK_XFRM socket made in the given netns, which sees that
 * netns's policies ({@link Xfrm.policy}) and states ({@link Xfrm.state}). Close it with
 * `close()` or `using`.
 *
 * Equivalent to: `ip xfrm`, run in that netns.
 * @example
 * using xf = Xfrm.open({ netns });
 * await xf.policy.add({ selector: { src: '10.0.0.0/24', dst: '10.1.0.0/24' }, dir: 'out',
 *   templates: [{ src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 1 }] });
 * for (const p of await xf.policy.list({ dir: 'out' })) console.log(p.selector.src, p.templates);
 */
export class Xfrm {
  /** The handle's socket. */
  readonly sock: NetlinkSocket;
  /** Policies: `ip xfrm policy`. */
  readonly policy: XfrmPolicies;
  /** States (SAs): `ip xfrm state`. */
  readonly state: XfrmStates;

  /** Monitors opened from this handle and still open (closed with it). */
  private readonly monitors = new Set<XfrmMonitor>();

  private constructor(
    sock: NetlinkSocket,
    /** Where the handle was opened: for the rtnetlink socket that names a selector's dev. */
    private readonly place: SocketPlace,
  ) {
    this.sock = sock;
    sock.owner = 'Xfrm handle';
    this.policy = XfrmPolicies.of(this);
    this.state = XfrmStates.of(this);
  }

  /**
   * Open a handle. Synchronous: the socket is created with the thread switched into the
   * target netns and straight back. Unknown option keys are refused.
   *
   * Equivalent to: `ip netns exec NAME ip xfrm …`.
   * @throws InvalidArgumentError for bad options, ClosedError for a closed Netns,
   *   SysError when the namespace cannot be entered.
   */
  static open(options: XfrmOptions = {}): Xfrm {
    checkObject(options, 'options', OPTION_KEYS);
    const { sock, place } = openHandleSocket(NETLINK_XFRM, options.netns, {
      describer: XFRM_DESCRIBER,
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
      ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
    });
    return new Xfrm(sock, place);
  }

  /** True once closed. */
  get closed(): boolean {
    return this.sock.closed;
  }

  /** @internal */
  live(): void {
    if (this.sock.closed) throw new ClosedError('Xfrm handle');
  }

  /** @internal A selector's `dev` name as its ifindex in the handle's netns (RTM_GETLINK on a short-lived rtnetlink socket there). */
  async resolveDev(sel: CheckedSelector, arg: string): Promise<void> {
    this.live();
    if (sel.dev === undefined) return;
    const name = sel.dev;
    const rt = openSiblingSocket(this.sock, this.place, NETLINK_ROUTE, {}, 'the netns the Xfrm handle was opened with');
    try {
      const index = await rt.request(RTM_GETLINK, 0, (w) => {
        w.reserve(SIZEOF_IFINFOMSG);
        w.putStrz(IFLA_IFNAME, name);
      }, (_b, v, o) => v.getInt32(o + NLMSG_HDRLEN + 4, HOST_LE), { ack: false, subject: name });
      sel.ifindex = index!;
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENODEV') throw new InvalidArgumentError(arg, `no interface '${name}' in the handle's netns`);
      throw e;
    } finally {
      rt.close();
    }
  }

  /**
   * Watch policies and states: the monitor's own socket, made in the handle's netns, joins
   * the groups asked for ('policy', 'state' and 'expire' by default) before the promise
   * resolves, so nothing the kernel sends after that is missed. Yields `new-policy`,
   * `update-policy`, `delete-policy`, `flush-policies`, `expire-policy` (soft, or hard: the
   * policy is gone), `policy-defaults`, the same for states, and `{ type: 'overrun' }`
   * where the kernel dropped some (list again there). A key manager also asks for
   * 'acquire' (`acquire`: the kernel wants a state for a policy's template; see
   * {@link XfrmAcquire}), 'mapping' (`mapping`: a NAT-T peer's address or port changed),
   * 'migrate' (`migrate`: a policy moved to new endpoints), 'aevents' (`aevent`: a
   * state's replay and lifetime counters, see {@link XfrmStates.getAe}) or 'report'
   * (`report`: Mobile IPv6). Closed by `break`, `close()`, `using`, the `signal` or the
   * handle's `close()`.
   *
   * Equivalent to: `ip xfrm monitor [policy] [SA] [expire] [acquire] [report] [aevent]` (`ip` joins mapping and migrate with no object named).
   * @example
   * using mon = await xf.monitor(['policy']);
   * for await (const ev of mon) if (ev.type === 'delete-policy') console.log(ev.policy.selector);
   * @example
   * // A key manager: reserve an SPI for each ACQUIRE, then negotiate and state.update() it.
   * using acq = await xf.monitor(['acquire']);
   * for await (const ev of acq) {
   *   if (ev.type !== 'acquire' || ev.acquire.proto !== 'esp') continue;
   *   const { src, dst, seq, template } = ev.acquire;
   *   const larval = await xf.state.allocSpi({ src, dst, proto: 'esp', seq, reqid: template?.reqid });
   * }
   * @throws InvalidArgumentError for an unknown group or bad options; ClosedError;
   *   `signal.reason` for an aborted signal.
   */
  async monitor(groups: readonly XfrmEventGroup[] = ['policy', 'state', 'expire'], options: XfrmMonitorOptions = {}): Promise<XfrmMonitor> {
    if (!Array.isArray(groups) || groups.length === 0) throw new InvalidArgumentError('groups', `expected a non-empty array of ${GROUP_LIST}, got ${showValue(groups)}`);
    const nums = new Set<number>();
    for (const g of groups) {
      const n = typeof g === 'string' && Object.prototype.hasOwnProperty.call(EVENT_GROUPS, g) ? EVENT_GROUPS[g as XfrmEventGroup] : undefined;
      if (n === undefined) throw new InvalidArgumentError('groups', `unknown group ${showValue(g)} (${GROUP_LIST})`);
      nums.add(n);
    }
    checkObject(options, 'options', MONITOR_KEYS);
    checkMonitorOptions(options);
    this.live();
    const rb = options.receiveBufferSize;
    const opts = { groups: [...nums], describer: XFRM_DESCRIBER, ...(rb !== undefined ? { receiveBufferSize: rb } : {}) };
    const sock = openSiblingSocket(this.sock, this.place, NETLINK_XFRM, opts, 'the netns the Xfrm handle was opened with');
    return trackMonitor(this.monitors, sock, (onClose) => MulticastMonitor.open<XfrmEvent>(sock, decodeXfrmEvent, options, onClose));
  }

  /** Close the socket (idempotent), and the monitors opened from this handle. */
  close(): void {
    for (const m of [...this.monitors]) m.close();
    if (!this.sock.closed) this.sock.close();
  }

  /** `using xf = Xfrm.open()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * @internal The bytes nlkit sends for a request (header with sequence 0 and port 0):
 * what the byte-level tests compare with `ip xfrm`'s, for states a kernel without ESP
 * cannot take. Built by the same writers the handle's methods use.
 */
export function xfrmRequestBytes(w: MessageWriter, kind: 'newsa' | 'updsa' | 'getsa' | 'delsa' | 'allocspi' | 'newpolicy' | 'updpolicy' | 'getpolicy' | 'delpolicy' | 'migrate' | 'getae' | 'newae', spec: unknown, arg2?: unknown): Buffer {
  const REQ_ACK = 0x1 | 0x4;
  w.reset();
  switch (kind) {
    case 'newsa': case 'updsa': {
      const s = checkState(spec, 'spec');
      w.begin(kind === 'newsa' ? X.XFRM_MSG_NEWSA : X.XFRM_MSG_UPDSA, REQ_ACK, 0);
      writeState(w, s);
      break;
    }
    case 'allocspi': {
      const s = checkAllocSpi(spec, 'spec');
      w.begin(X.XFRM_MSG_ALLOCSPI, 0x1, 0);
      writeAllocSpi(w, s);
      break;
    }
    case 'getsa': case 'delsa': {
      const s = checkStateId(spec, 'key');
      w.begin(kind === 'getsa' ? X.XFRM_MSG_GETSA : X.XFRM_MSG_DELSA, kind === 'getsa' ? 0x1 : REQ_ACK, 0);
      writeStateId(w, s);
      break;
    }
    case 'migrate': {
      w.begin(X.XFRM_MSG_MIGRATE, REQ_ACK, 0);
      writeMigrate(w, checkMigrate(spec, 'spec'));
      break;
    }
    case 'getae': {
      w.begin(X.XFRM_MSG_GETAE, 0x1, 0);
      writeGetAe(w, checkStateId(spec, 'key'));
      break;
    }
    case 'newae': {
      w.begin(X.XFRM_MSG_NEWAE, REQ_ACK | NLM_F_REPLACE, 0);
      writeNewAe(w, checkAe(spec, arg2, 'counters'));
      break;
    }
    case 'newpolicy': case 'updpolicy': {
      const p = checkPolicy(spec, 'spec');
      w.begin(kind === 'newpolicy' ? X.XFRM_MSG_NEWPOLICY : X.XFRM_MSG_UPDPOLICY, REQ_ACK, 0);
      writePolicy(w, p);
      break;
    }
    default: {
      const p = checkPolicyId(spec, 'key');
      w.begin(kind === 'getpolicy' ? X.XFRM_MSG_GETPOLICY : X.XFRM_MSG_DELPOLICY, kind === 'getpolicy' ? 0x1 : REQ_ACK, 0);
      writePolicyId(w, p);
    }
  }
  return Buffer.from(w.finish());
}

