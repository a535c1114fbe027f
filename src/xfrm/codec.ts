/**
 * The IPsec (xfrm) wire format: checking a caller's policy and state specs, writing them
 * as the kernel's structs (xfrm_userpolicy_info, xfrm_usersa_info, xfrm_user_tmpl, …,
 * at the offsets scripts/gen-xfrm-constants.py read from <linux/xfrm.h>) and reading the
 * kernel's answers back. Nothing here sends: see xfrm.ts.
 * @module
 */
import {
  DecodeError, HOST_LE, InvalidArgumentError, checkOptionKeys, copyBytes, showValue, walkAttrs,
  type MessageWriter, type RawAttribute,
} from '../netlink/index.js';
import { formatIp, hasHostBits, networkOf, parseIp, parsePrefix } from '../rtnl/ip.js';
import * as X from './constants.js';

// ---------------------------------------------------------------------------------------
// Names

/** The IPsec protocol of a state or template: `ip xfrm`'s XFRM-PROTO (route2 is IPPROTO_ROUTING, hao IPPROTO_DSTOPTS: Mobile IPv6). */
export type XfrmProto = 'esp' | 'ah' | 'comp' | 'route2' | 'hao';
/** The mode of a state or template (XFRM_MODE_*): `ro` is route optimization (Mobile IPv6). */
export type XfrmMode = 'transport' | 'tunnel' | 'ro' | 'in_trigger' | 'beet';
/** A policy's direction (XFRM_POLICY_IN/OUT/FWD). */
export type XfrmDir = 'in' | 'out' | 'fwd';
/** A policy's or template's share (XFRM_SHARE_*). */
export type XfrmShare = 'any' | 'session' | 'user' | 'unique';
/** A policy's flags (XFRM_POLICY_LOCALOK, XFRM_POLICY_ICMP): `ip xfrm policy … flag localok icmp`. */
export type XfrmPolicyFlag = 'localok' | 'icmp';
/** A state's flags (XFRM_STATE_*): `ip xfrm state … flag …`. */
export type XfrmStateFlag = 'noecn' | 'decap-dscp' | 'nopmtudisc' | 'wildrecv' | 'icmp' | 'af-unspec' | 'align4' | 'esn';
/** A state's extra flags (XFRM_SA_XFLAG_*): `ip xfrm state … extra-flag …`. */
export type XfrmStateExtraFlag = 'dont-encap-dscp' | 'oseq-may-wrap';
/** The encapsulation of ESP (`ip xfrm state … encap TYPE SPORT DPORT OADDR`). */
export type XfrmEncapType = 'espinudp' | 'espinudp-nonike' | 'espintcp';

const PROTOS: Readonly<Record<XfrmProto, number>> = { esp: X.IPPROTO_ESP, ah: X.IPPROTO_AH, comp: X.IPPROTO_COMP, route2: X.IPPROTO_ROUTING, hao: X.IPPROTO_DSTOPTS };
const MODES: Readonly<Record<XfrmMode, number>> = {
  transport: X.XFRM_MODE_TRANSPORT, tunnel: X.XFRM_MODE_TUNNEL, ro: X.XFRM_MODE_ROUTEOPTIMIZATION, in_trigger: X.XFRM_MODE_IN_TRIGGER, beet: X.XFRM_MODE_BEET,
};
const DIRS: Readonly<Record<XfrmDir, number>> = { in: X.XFRM_POLICY_IN, out: X.XFRM_POLICY_OUT, fwd: X.XFRM_POLICY_FWD };
const SHARES: Readonly<Record<XfrmShare, number>> = { any: X.XFRM_SHARE_ANY, session: X.XFRM_SHARE_SESSION, user: X.XFRM_SHARE_USER, unique: X.XFRM_SHARE_UNIQUE };
const POLICY_FLAGS: Readonly<Record<XfrmPolicyFlag, number>> = { localok: X.XFRM_POLICY_LOCALOK, icmp: X.XFRM_POLICY_ICMP };
const STATE_FLAGS: Readonly<Record<XfrmStateFlag, number>> = {
  noecn: X.XFRM_STATE_NOECN, 'decap-dscp': X.XFRM_STATE_DECAP_DSCP, nopmtudisc: X.XFRM_STATE_NOPMTUDISC, wildrecv: X.XFRM_STATE_WILDRECV,
  icmp: X.XFRM_STATE_ICMP, 'af-unspec': X.XFRM_STATE_AF_UNSPEC, align4: X.XFRM_STATE_ALIGN4, esn: X.XFRM_STATE_ESN,
};
const EXTRA_FLAGS: Readonly<Record<XfrmStateExtraFlag, number>> = { 'dont-encap-dscp': X.XFRM_SA_XFLAG_DONT_ENCAP_DSCP, 'oseq-may-wrap': X.XFRM_SA_XFLAG_OSEQ_MAY_WRAP };
const ENCAPS: Readonly<Record<XfrmEncapType, number>> = { espinudp: X.UDP_ENCAP_ESPINUDP, 'espinudp-nonike': X.UDP_ENCAP_ESPINUDP_NON_IKE, espintcp: X.TCP_ENCAP_ESPINTCP };
/** Upper-layer protocols of a selector, as `ip xfrm` names them. */
const UPPER: Readonly<Record<string, number>> = {
  tcp: X.IPPROTO_TCP, udp: X.IPPROTO_UDP, sctp: X.IPPROTO_SCTP, dccp: X.IPPROTO_DCCP, udplite: X.IPPROTO_UDPLITE,
  icmp: X.IPPROTO_ICMP, 'ipv6-icmp': X.IPPROTO_ICMPV6, icmpv6: X.IPPROTO_ICMPV6, 'mobility-header': X.IPPROTO_MH, gre: X.IPPROTO_GRE,
};
const PORTED = new Set([X.IPPROTO_TCP, X.IPPROTO_UDP, X.IPPROTO_SCTP, X.IPPROTO_DCCP, X.IPPROTO_UDPLITE]);
const TYPED = new Set([X.IPPROTO_ICMP, X.IPPROTO_ICMPV6, X.IPPROTO_MH]);

function inverse<K extends string>(r: Readonly<Record<K, number>>): Map<number, K> {
  return new Map(Object.entries(r).map(([k, v]) => [v as number, k as K]));
}
const PROTO_NAME = inverse(PROTOS);
const MODE_NAME = inverse(MODES);
const DIR_NAME = inverse(DIRS);
const SHARE_NAME = inverse(SHARES);
const ENCAP_NAME = inverse(ENCAPS);
const UPPER_NAME = new Map<number, string>([[X.IPPROTO_TCP, 'tcp'], [X.IPPROTO_UDP, 'udp'], [X.IPPROTO_SCTP, 'sctp'], [X.IPPROTO_DCCP, 'dccp'],
  [X.IPPROTO_UDPLITE, 'udplite'], [X.IPPROTO_ICMP, 'icmp'], [X.IPPROTO_ICMPV6, 'ipv6-icmp'], [X.IPPROTO_MH, 'mobility-header'], [X.IPPROTO_GRE, 'gre']]);

/** @internal The IPPROTO number of an XfrmProto name. */
export function protoNumber(p: XfrmProto): number {
  return PROTOS[p];
}
/** @internal The name of an IPsec protocol number, if it has one. */
export function protoName(n: number): XfrmProto | undefined {
  return PROTO_NAME.get(n);
}

// ---------------------------------------------------------------------------------------
// Public shapes

/** Which packets a policy or state applies to (struct xfrm_selector): `ip xfrm`'s SELECTOR. */
export interface XfrmSelectorSpec {
  /** Source prefix ('10.0.0.0/24', '2001:db8::/64'; a bare address is a /32 or /128; no host bits in a policy to add, as the kernel keys policies on them). Defaults to any (0.0.0.0/0 or ::/0 of the other side's family). */
  readonly src?: string | undefined;
  /** Destination prefix, as `src`. Defaults to any. */
  readonly dst?: string | undefined;
  /** The upper-layer protocol: 'tcp', 'udp', 'sctp', 'dccp', 'udplite', 'icmp', 'ipv6-icmp', 'mobility-header', 'gre', or a number 0..255. Defaults to any (0). */
  readonly proto?: string | number | undefined;
  /** Source port (tcp, udp, sctp, dccp, udplite only). Defaults to any. */
  readonly sport?: number | undefined;
  /** Destination port (as `sport`). Defaults to any. */
  readonly dport?: number | undefined;
  /** ICMP/ICMPv6/MH type (carried in the source port field, as the kernel does). Defaults to any. */
  readonly type?: number | undefined;
  /** ICMP/ICMPv6 code (carried in the destination port field; mobility-header has none). Defaults to any. */
  readonly code?: number | undefined;
  /** A GRE key (carried in both port fields, high half in sport). Defaults to any. */
  readonly key?: number | undefined;
  /** The interface (name or ifindex) the packets come in or go out on. Defaults to any. */
  readonly dev?: string | number | undefined;
  // A listed XfrmSelector is taken as it is (checkSelector): its sport and dport with their
  // masks, and its ifindex; family, protoName and user are not read.
}

/** A decoded selector (what `ip xfrm … list` prints on its first line). */
export interface XfrmSelector {
  /** 4 or 6: the selector's own family (a state's selector without one: the state's). */
  readonly family: 4 | 6;
  /** Source prefix, always with its length ('10.0.0.0/24', '0.0.0.0/0'). */
  readonly src: string;
  /** Destination prefix, always with its length. */
  readonly dst: string;
  /** The upper-layer protocol number (0: any). */
  readonly proto: number;
  /** Its name as `ip` prints it ('tcp', 'ipv6-icmp', …), when it has one. */
  readonly protoName?: string | undefined;
  /** Source port and its mask (host order); for ICMP the type, for GRE the key's high half. */
  readonly sport: number;
  /** Its mask (0: any source port). */
  readonly sportMask: number;
  /** Destination port and its mask; for ICMP the code, for GRE the key's low half. */
  readonly dport: number;
  /** Its mask (0: any destination port). */
  readonly dportMask: number;
  /** The interface index (0: any). */
  readonly ifindex: number;
  /** The user id (xfrm_selector.user; `uid` in `ip -s` output). */
  readonly user: number;
}

/** Lifetime limits (struct xfrm_lifetime_cfg): `ip xfrm … limit …`. Byte and packet limits default to unlimited, times to 0 (none). */
export interface XfrmLifetimeSpec {
  /** `limit byte-soft`. */
  readonly softBytes?: bigint | number | undefined;
  /** `limit byte-hard`. */
  readonly hardBytes?: bigint | number | undefined;
  /** `limit packet-soft`. */
  readonly softPackets?: bigint | number | undefined;
  /** `limit packet-hard`. */
  readonly hardPackets?: bigint | number | undefined;
  /** `limit time-soft`, seconds after adding. */
  readonly softAddSeconds?: bigint | number | undefined;
  /** `limit time-hard`. */
  readonly hardAddSeconds?: bigint | number | undefined;
  /** `limit time-use-soft`, seconds after first use. */
  readonly softUseSeconds?: bigint | number | undefined;
  /** `limit time-use-hard`. */
  readonly hardUseSeconds?: bigint | number | undefined;
}

/** Decoded lifetime limits: every field, `XFRM_INF` (2^64-1) meaning none. */
export interface XfrmLifetime {
  /** `limit byte-soft`. */
  readonly softBytes: bigint;
  /** `limit byte-hard`. */
  readonly hardBytes: bigint;
  /** `limit packet-soft`. */
  readonly softPackets: bigint;
  /** `limit packet-hard`. */
  readonly hardPackets: bigint;
  /** `limit time-soft`: seconds after adding. */
  readonly softAddSeconds: bigint;
  /** `limit time-hard`. */
  readonly hardAddSeconds: bigint;
  /** `limit time-use-soft`: seconds after first use. */
  readonly softUseSeconds: bigint;
  /** `limit time-use-hard`. */
  readonly hardUseSeconds: bigint;
}

/** What was used (struct xfrm_lifetime_cur): `ip -s`'s "lifetime current". */
export interface XfrmLifetimeCurrent {
  /** Bytes processed. */
  readonly bytes: bigint;
  /** Packets processed. */
  readonly packets: bigint;
  /** When it was added, seconds since the epoch. */
  readonly addTime: bigint;
  /** When it was first used (0: never). */
  readonly useTime: bigint;
}

/** A mark and mask (struct xfrm_mark): `mark V mask M`. As a policy's or state's mark (part of its key) the value may have no bit outside the mask: the kernel could never match or find it again, so nlkit refuses it. */
export interface XfrmMark {
  /** The mark value (`mark V`). */
  readonly value: number;
  /** Its mask (`mask M`). */
  readonly mask: number;
}

/** A policy template (struct xfrm_user_tmpl): `ip xfrm policy … tmpl …`. */
export interface XfrmTemplateSpec {
  /** Tunnel source (tunnel and beet modes). Defaults to any. */
  readonly src?: string | undefined;
  /** Tunnel destination. Defaults to any. */
  readonly dst?: string | undefined;
  /** Defaults to 'esp'. */
  readonly proto?: XfrmProto | undefined;
  /** The SPI the state must have (0..0xffffffff; comp: its CPI, 0..0xffff). Defaults to any (0). */
  readonly spi?: number | undefined;
  /** The state's reqid. Defaults to 0 (any). */
  readonly reqid?: number | undefined;
  /** Defaults to 'transport'. */
  readonly mode?: XfrmMode | undefined;
  /** 'required' (the default) or 'use' (optional: `level use`); a tunnel or beet template of an out policy cannot be optional (the kernel refuses it). */
  readonly level?: 'required' | 'use' | undefined;
  /** Defaults to 'any'. */
  readonly share?: XfrmShare | undefined;
  /** Allowed authentication/encryption/compression algorithm bitmaps (SADB ids). Default all (0xffffffff), as `ip`. */
  readonly aalgos?: number | undefined;
  /** Encryption algorithm bitmap (`enc-mask`). */
  readonly ealgos?: number | undefined;
  /** Compression algorithm bitmap (`comp-mask`). */
  readonly calgos?: number | undefined;
}

/** A decoded template (`tmpl src … dst …` lines of `ip xfrm policy list`). */
export interface XfrmTemplate {
  /** 4 or 6 (the tunnel's; the selector's in transport mode). */
  readonly family: 4 | 6;
  /** Tunnel source (0.0.0.0 / :: when any). */
  readonly src: string;
  /** Tunnel destination. */
  readonly dst: string;
  /** The IPsec protocol by name, or 'other' (see protoNumber). */
  readonly proto: XfrmProto | 'other';
  /** Its IPPROTO number. */
  readonly protoNumber: number;
  /** The SPI required (0: any). */
  readonly spi: number;
  /** The reqid (0: any). */
  readonly reqid: number;
  /** The mode by name, or 'other' (see modeNumber). */
  readonly mode: XfrmMode | 'other';
  /** XFRM_MODE_*. */
  readonly modeNumber: number;
  /** 'use' for an optional template (`level use`). */
  readonly level: 'required' | 'use';
  /** XFRM_SHARE_* by name. */
  readonly share: XfrmShare | 'other';
  /** Authentication algorithms allowed (`auth-mask`). */
  readonly aalgos: number;
  /** Encryption algorithms allowed (`enc-mask`). */
  readonly ealgos: number;
  /** Compression algorithms allowed (`comp-mask`). */
  readonly calgos: number;
}

/** A policy to add or update: `ip xfrm policy add SELECTOR dir DIR …`. */
export interface XfrmPolicySpec {
  /** Which packets. Defaults to all IPv4 packets (as `ip` with no selector). */
  readonly selector?: XfrmSelectorSpec | undefined;
  /** Required. */
  readonly dir: XfrmDir;
  /** Lower is preferred. Defaults to 0. */
  readonly priority?: number | undefined;
  /** Defaults to 'allow'. */
  readonly action?: 'allow' | 'block' | undefined;
  /** The policy's index: the kernel makes one when 0 or when the given one is taken. A given one must carry the direction in its low 3 bits (index % 8: in 0, out 1, fwd 2), as the kernel's own do; another is refused. Defaults to 0. */
  readonly index?: number | undefined;
  /** A mark (value, mask 0xffffffff) or `{ value, mask }`. Defaults to none. */
  readonly mark?: number | XfrmMark | undefined;
  /** The xfrm interface id (XFRMA_IF_ID). Defaults to none. */
  readonly ifId?: number | undefined;
  /** Policy type: 'main' or 'sub'. Defaults to main (no XFRMA_POLICY_TYPE sent). */
  readonly ptype?: 'main' | 'sub' | undefined;
  /** Flags. Defaults to none. */
  readonly flags?: readonly XfrmPolicyFlag[] | undefined;
  /** Templates (`tmpl …`), in order. Defaults to none. */
  readonly templates?: readonly XfrmTemplateSpec[] | undefined;
  /** Lifetime limits. */
  readonly lifetime?: XfrmLifetimeSpec | undefined;
}

/** Which policy: `ip xfrm policy { get | delete } { SELECTOR | index INDEX } dir DIR …`. A listed {@link XfrmPolicy} is one (by its index). */
export interface XfrmPolicyKey {
  /** The selector (ignored when `index` is given). */
  readonly selector?: XfrmSelectorSpec | undefined;
  /** Required. */
  readonly dir: XfrmDir;
  /** Look it up by index instead of selector (the mark, if_id and ptype are matched by index too: give the policy's). */
  readonly index?: number | undefined;
  /** The policy's mark (a marked policy is found only with it). */
  readonly mark?: number | XfrmMark | undefined;
  /** The policy's if_id (likewise). */
  readonly ifId?: number | undefined;
  /** Its type. Defaults to main. */
  readonly ptype?: 'main' | 'sub' | undefined;
}

/** A decoded policy: every field `ip -s xfrm policy list` prints. */
export interface XfrmPolicy {
  /** Which packets. */
  readonly selector: XfrmSelector;
  /** Its direction, or 'other' (see dirNumber). */
  readonly dir: XfrmDir | 'other';
  /** XFRM_POLICY_IN/OUT/FWD as sent. */
  readonly dirNumber: number;
  /** `action allow` or `action block`. */
  readonly action: 'allow' | 'block';
  /** Its index (the kernel's; its low 3 bits are the direction). */
  readonly index: number;
  /** Its priority (lower first). */
  readonly priority: number;
  /** main or sub (`ptype`). */
  readonly ptype: 'main' | 'sub' | 'other';
  /** `share`. */
  readonly share: XfrmShare | 'other';
  /** Flag names. */
  readonly flags: readonly XfrmPolicyFlag[];
  /** xfrm_userpolicy_info.flags as sent. */
  readonly flagBits: number;
  /** `lifetime config`. */
  readonly lifetime: XfrmLifetime;
  /** `lifetime current`. */
  readonly current: XfrmLifetimeCurrent;
  /** Its mark, when it has one. */
  readonly mark?: XfrmMark | undefined;
  /** Its if_id, when it has one. */
  readonly ifId?: number | undefined;
  /** Its templates (`tmpl` lines), in order. */
  readonly templates: readonly XfrmTemplate[];
  /** Attributes nlkit does not decode (security context, …), kept raw. */
  readonly unknown: readonly RawAttribute[];
}

/** Key material: bytes, or a hex string '0x…'. */
export type XfrmKey = Uint8Array | string;

/** The algorithms of a state: `ip xfrm state … enc/auth/auth-trunc/aead/comp …`. */
export interface XfrmAlgorithms {
  /** Combined mode (ESP): `aead NAME KEY ICV-LEN`, e.g. rfc4106(gcm(aes)) with a key of 20, 28 or 36 bytes (key and 4-byte salt). */
  readonly aead?: { readonly name: string; readonly key: XfrmKey; readonly icvLen: number } | undefined;
  /** Authentication: `auth-trunc NAME KEY TRUNC-LEN` with truncLen, else `auth NAME KEY` (the kernel's default truncation). */
  readonly auth?: { readonly name: string; readonly key: XfrmKey; readonly truncLen?: number | undefined } | undefined;
  /** Encryption: `enc NAME KEY`, e.g. cbc(aes) with 16, 24 or 32 bytes. */
  readonly crypt?: { readonly name: string; readonly key: XfrmKey } | undefined;
  /** Compression (IPComp): `comp NAME`, e.g. deflate. */
  readonly comp?: { readonly name: string } | undefined;
}

/** ESP encapsulation (struct xfrm_encap_tmpl): `encap espinudp SPORT DPORT OADDR`. */
export interface XfrmEncapSpec {
  /** espinudp (RFC 3948), espinudp-nonike or espintcp. */
  readonly type: XfrmEncapType;
  /** Source port of the encapsulation. */
  readonly sport: number;
  /** Its destination port. */
  readonly dport: number;
  /** The original address (NAT-OA). Defaults to 0.0.0.0 / :: of the state's family. */
  readonly oa?: string | undefined;
}

/** A state (SA) to add or update: `ip xfrm state add src S dst D proto P spi SPI …`. */
export interface XfrmStateSpec {
  /** Source address (the SA's, `src`). */
  readonly src: string;
  /** Destination address (`dst`; the SA's key with proto and spi). */
  readonly dst: string;
  /** The IPsec protocol. */
  readonly proto: XfrmProto;
  /** 1..0xffffffff (comp: 1..0xffff, its CPI); route2 and hao have none (0). 0 is refused for esp, ah and comp: the kernel would keep such a state unhashed by SPI, where get and del never find it. */
  readonly spi: number;
  /** Defaults to 'transport'. */
  readonly mode?: XfrmMode | undefined;
  /** Defaults to 0. */
  readonly reqid?: number | undefined;
  /** The replay window, 0..4096 packets; above 32, or with the 'esn' flag, sent as XFRMA_REPLAY_ESN_VAL (as `ip`). Defaults to 0. */
  readonly replayWindow?: number | undefined;
  /** Initial replay counters (`replay-seq`, `replay-oseq`, `replay-seq-hi`, `replay-oseq-hi`). */
  readonly replay?: { readonly seq?: number | undefined; readonly oseq?: number | undefined; readonly seqHi?: number | undefined; readonly oseqHi?: number | undefined } | undefined;
  /** State flags (`flag …`). */
  readonly flags?: readonly XfrmStateFlag[] | undefined;
  /** Extra flags (`extra-flag …`). */
  readonly extraFlags?: readonly XfrmStateExtraFlag[] | undefined;
  /** The selector (`sel …`). Defaults to none. One without src and dst is of the state's family (sent AF_UNSPEC, as ip does; the kernel fills it in). Only a tunnel or beet state's may be of another family than its addresses. */
  readonly selector?: XfrmSelectorSpec | undefined;
  /** The algorithms and keys. */
  readonly algorithms?: XfrmAlgorithms | undefined;
  /** ESP encapsulation in UDP or TCP (`encap …`). */
  readonly encap?: XfrmEncapSpec | undefined;
  /** A mark (value, mask 0xffffffff) or `{ value, mask }` (`mark V mask M`): part of the key. */
  readonly mark?: number | XfrmMark | undefined;
  /** XFRMA_IF_ID. */
  readonly ifId?: number | undefined;
  /** The mark put on packets after the transform (`output-mark V [mask M]`). */
  readonly outputMark?: number | XfrmMark | undefined;
  /** Lifetime limits (`limit …`). */
  readonly lifetime?: XfrmLifetimeSpec | undefined;
  /** TFC padding (`tfcpad`). */
  readonly tfcpad?: number | undefined;
  /** The care-of address (`coa`, XFRMA_COADDR), of the state's family: required for route2 and hao (Mobile IPv6), which take no algorithms, encap or tfcpad. */
  readonly coa?: string | undefined;
}

/** A larval state to reserve an SPI with: `ip xfrm state allocspi src S dst D proto P [mode M] [reqid R] [seq N] [mark …] [min A max B]`. */
export interface XfrmAllocSpiSpec {
  /** Source address. */
  readonly src: string;
  /** Destination address. */
  readonly dst: string;
  /** The IPsec protocol: esp, ah or comp (route2 and hao have no SPI; the kernel refuses them). */
  readonly proto: 'esp' | 'ah' | 'comp';
  /** Defaults to 'transport'. */
  readonly mode?: XfrmMode | undefined;
  /** Defaults to 0. */
  readonly reqid?: number | undefined;
  /** The sequence number of the ACQUIRE this answers. Defaults to 0. */
  readonly seq?: number | undefined;
  /** A mark (value, mask 0xffffffff) or `{ value, mask }`. Defaults to none. */
  readonly mark?: number | XfrmMark | undefined;
  /** Lowest SPI to pick, at least 1 (the kernel takes 0 and may make an unfindable state of SPI 0). Defaults to 0x100 (as `ip` and PF_KEY). */
  readonly min?: number | undefined;
  /** Highest. Defaults to 0x0fffffff (comp: 0xffff). */
  readonly max?: number | undefined;
}

/** Which state: `ip xfrm state { get | delete } dst D proto P spi SPI [src S] [mark …]`. A listed {@link XfrmState} is one. */
export interface XfrmStateKey {
  /** The destination address. */
  readonly dst: string;
  /** The IPsec protocol. */
  readonly proto: XfrmProto;
  /** The SPI (comp: the CPI). */
  readonly spi: number;
  /** The source address (XFRMA_SRCADDR): required for route2 and hao, whose states are found by src and dst (they have no SPI); not read for esp, ah and comp. */
  readonly src?: string | undefined;
  /** The state's mark (a marked state is found only with it). */
  readonly mark?: number | XfrmMark | undefined;
}

/** A state's replay counters without ESN (struct xfrm_replay_state: `anti-replay context`). */
export interface XfrmReplay {
  /** The highest inbound sequence number seen (`ip -s xfrm state`: anti-replay context seq). */
  readonly seq: number;
  /** The last outbound sequence number sent (oseq). */
  readonly oseq: number;
  /** The replay window's bitmap of sequence numbers seen below `seq` (bitmap). */
  readonly bitmap: number;
}

/** A state's ESN replay counters (struct xfrm_replay_state_esn). */
export interface XfrmReplayEsn {
  /** The low 32 bits of the highest inbound sequence number seen (`ip -s xfrm state`: anti-replay esn context seq). */
  readonly seq: number;
  /** The low 32 bits of the last outbound sequence number sent (oseq). */
  readonly oseq: number;
  /** The high 32 bits of `seq` (seq-hi). */
  readonly seqHi: number;
  /** The high 32 bits of `oseq` (oseq-hi). */
  readonly oseqHi: number;
  /** The replay window's size, in packets (replay_window). */
  readonly replayWindow: number;
  /** The replay window's bitmap, as its 32-bit words (bmp[bmp_len]). */
  readonly bitmap: readonly number[];
}

/** A decoded state (SA): every field `ip -s xfrm state list` prints. Keys are bytes. */
export interface XfrmState {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Source address. */
  readonly src: string;
  /** Destination address. */
  readonly dst: string;
  /** The protocol by name, or 'other' (see protoNumber). */
  readonly proto: XfrmProto | 'other';
  /** Its IPPROTO number. */
  readonly protoNumber: number;
  /** The SPI (host order). */
  readonly spi: number;
  /** The reqid. */
  readonly reqid: number;
  /** The mode by name, or 'other'. */
  readonly mode: XfrmMode | 'other';
  /** XFRM_MODE_*. */
  readonly modeNumber: number;
  /** The replay window (xfrm_usersa_info; an ESN state has it in replayEsn). */
  readonly replayWindow: number;
  /** The sequence number of the ACQUIRE that made it (`seq`). */
  readonly seq: number;
  /** State flag names. */
  readonly flags: readonly XfrmStateFlag[];
  /** xfrm_usersa_info.flags as sent. */
  readonly flagBits: number;
  /** Extra flag names (XFRMA_SA_EXTRA_FLAGS). */
  readonly extraFlags?: readonly XfrmStateExtraFlag[] | undefined;
  /** Its selector (`sel`). */
  readonly selector: XfrmSelector;
  /** `lifetime config`. */
  readonly lifetime: XfrmLifetime;
  /** `lifetime current`. */
  readonly current: XfrmLifetimeCurrent;
  /** Replay window, replay and integrity failure counters (`stats:`). */
  readonly stats: { readonly replayWindow: number; readonly replay: number; readonly integrityFailed: number };
  /** Its algorithms and keys (`aead`, `enc`, `auth-trunc`, `comp` lines). */
  readonly algorithms: {
    readonly aead?: { readonly name: string; readonly key: Uint8Array; readonly icvLen: number } | undefined;
    readonly auth?: { readonly name: string; readonly key: Uint8Array; readonly truncLen?: number | undefined } | undefined;
    readonly crypt?: { readonly name: string; readonly key: Uint8Array } | undefined;
    readonly comp?: { readonly name: string } | undefined;
  };
  /** Its encapsulation (`encap type … sport … dport … addr …`). */
  readonly encap?: XfrmEncap | undefined;
  /** Its mark. */
  readonly mark?: XfrmMark | undefined;
  /** Its if_id. */
  readonly ifId?: number | undefined;
  /** Its output mark (`output-mark`). */
  readonly outputMark?: XfrmMark | undefined;
  /** The replay state (`anti-replay context`), without ESN. */
  readonly replay?: XfrmReplay | undefined;
  /** The ESN replay state. */
  readonly replayEsn?: XfrmReplayEsn | undefined;
  /** The care-of address (Mobile IPv6). */
  readonly coa?: string | undefined;
  /** When it was last used, seconds since the epoch. */
  readonly lastUsed?: bigint | undefined;
  /** TFC padding. */
  readonly tfcpad?: number | undefined;
  /** Attributes nlkit does not decode (security context, offload, …), kept raw. */
  readonly unknown: readonly RawAttribute[];
}

// ---------------------------------------------------------------------------------------
// Checking

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** @internal */
export function checkObject(v: unknown, arg: string, keys: ReadonlySet<string>): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError(arg, `expected an object, got ${showValue(v)}`);
  checkOptionKeys(v, keys, arg === 'options' || arg === 'filter' ? '' : `${arg}.`);
}

/** @internal */
export function checkUint(v: unknown, arg: string, max: number, what = 'an integer'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(arg, `expected ${what} 0..${max}, got ${showValue(v)}`);
  return v;
}

function pick<K extends string>(table: Readonly<Record<K, number>>, v: unknown, arg: string, what: string): number {
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(table, v)) return table[v as K];
  throw new InvalidArgumentError(arg, `unknown ${what} ${showValue(v)} (${Object.keys(table).map((k) => `'${k}'`).join(', ')})`);
}

function bits<K extends string>(table: Readonly<Record<K, number>>, v: unknown, arg: string, what: string): number {
  if (!Array.isArray(v)) throw new InvalidArgumentError(arg, `expected an array of ${what} names, got ${showValue(v)}`);
  let m = 0;
  for (const f of v) m |= pick(table, f, arg, what);
  return m >>> 0;
}

function names<K extends string>(table: Readonly<Record<K, number>>, b: number): K[] {
  return (Object.entries(table) as [K, number][]).filter(([, v]) => (b & v) !== 0).map(([k]) => k);
}

/**
 * @internal A mark and mask. A key's mark (`key`: a policy's or state's XFRMA_MARK, a
 * list filter's) must have no value bit outside its mask: the kernel stores such a mark
 * but compares the one a get/del/update brings with it field by field after masking the
 * packet's or request's mark, so the policy or state could never be found or matched
 * again (get/del answer ENOENT/ESRCH; only a flush removes it). An output mark's value
 * bits outside its mask are merely ignored (xfrm_smark_get), so it is not checked.
 */
export function markOf(v: unknown, arg: string, key = true): XfrmMark {
  if (typeof v === 'number') return { value: checkUint(v, arg, 0xffffffff), mask: 0xffffffff };
  checkObject(v, arg, MARK_KEYS);
  const m = v as { value: unknown; mask: unknown };
  const value = checkUint(m.value, `${arg}.value`, 0xffffffff);
  const mask = checkUint(m.mask, `${arg}.mask`, 0xffffffff);
  if (key && (value & ~mask) !== 0) {
    throw new InvalidArgumentError(arg, `value 0x${value.toString(16)} has bits outside mask 0x${mask.toString(16)} (0x${((value & ~mask) >>> 0).toString(16)}): the kernel could never match it; use value 0x${((value & mask) >>> 0).toString(16)}`);
  }
  return { value, mask };
}

const MARK_KEYS: ReadonlySet<string> = new Set(['value', 'mask']);
const SELECTOR_KEYS: ReadonlySet<string> = new Set(['src', 'dst', 'proto', 'sport', 'dport', 'type', 'code', 'key', 'dev',
  // a decoded XfrmSelector's other fields (a listed policy's selector): allowed, not read
  'family', 'protoName', 'sportMask', 'dportMask', 'ifindex', 'user']);
const TMPL_KEYS: ReadonlySet<string> = new Set(['src', 'dst', 'proto', 'spi', 'reqid', 'mode', 'level', 'share', 'aalgos', 'ealgos', 'calgos']);
const LIFETIME_KEYS: ReadonlySet<string> = new Set(['softBytes', 'hardBytes', 'softPackets', 'hardPackets', 'softAddSeconds', 'hardAddSeconds', 'softUseSeconds', 'hardUseSeconds']);
const POLICY_KEYS: ReadonlySet<string> = new Set(['selector', 'dir', 'priority', 'action', 'index', 'mark', 'ifId', 'ptype', 'flags', 'templates', 'lifetime']);
const POLICY_ID_KEYS: ReadonlySet<string> = new Set(['selector', 'dir', 'index', 'mark', 'ifId', 'ptype',
  // a listed XfrmPolicy: allowed, not read
  'dirNumber', 'action', 'priority', 'share', 'flags', 'flagBits', 'lifetime', 'current', 'templates', 'unknown']);
const STATE_KEYS: ReadonlySet<string> = new Set(['src', 'dst', 'proto', 'spi', 'mode', 'reqid', 'replayWindow', 'replay', 'flags', 'extraFlags', 'selector',
  'algorithms', 'encap', 'mark', 'ifId', 'outputMark', 'lifetime', 'tfcpad', 'coa']);
const STATE_ID_KEYS: ReadonlySet<string> = new Set(['dst', 'proto', 'spi', 'src', 'mark',
  // a listed XfrmState: allowed, not read
  'family', 'protoNumber', 'reqid', 'mode', 'modeNumber', 'replayWindow', 'seq', 'flags', 'flagBits', 'extraFlags', 'selector', 'lifetime', 'current', 'stats',
  'algorithms', 'encap', 'ifId', 'outputMark', 'replay', 'replayEsn', 'coa', 'lastUsed', 'tfcpad', 'unknown']);
const ALGO_KEYS: ReadonlySet<string> = new Set(['aead', 'auth', 'crypt', 'comp']);
const ENCAP_KEYS: ReadonlySet<string> = new Set(['type', 'sport', 'dport', 'oa']);
const REPLAY_KEYS: ReadonlySet<string> = new Set(['seq', 'oseq', 'seqHi', 'oseqHi']);

/** @internal A checked selector; `dev` a name still to be resolved to an ifindex in the handle's netns. */
export interface CheckedSelector {
  family: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  prefixS: number;
  prefixD: number;
  proto: number;
  sport: number;
  sportMask: number;
  dport: number;
  dportMask: number;
  ifindex: number;
  dev: string | undefined;
  /** Neither src nor dst given: `family` is only the default (IPv4). */
  familyUnset: boolean;
}

const ZERO16 = new Uint8Array(16);

/** @internal */
export function checkSelector(v: unknown, arg: string): CheckedSelector {
  checkObject(v, arg, SELECTOR_KEYS);
  const s = v as XfrmSelectorSpec;
  const src = s.src === undefined ? undefined : parsePrefix(s.src, `${arg}.src`);
  const dst = s.dst === undefined ? undefined : parsePrefix(s.dst, `${arg}.dst`);
  if (src && dst && src.family !== dst.family) throw new InvalidArgumentError(arg, `src ${s.src} is IPv${src.family} but dst ${s.dst} is IPv${dst.family}`);
  const family = src?.family ?? dst?.family ?? 4;
  let proto = 0;
  if (s.proto !== undefined) {
    if (typeof s.proto === 'string' && Object.prototype.hasOwnProperty.call(UPPER, s.proto)) proto = UPPER[s.proto]!;
    else if (typeof s.proto === 'number' && Number.isInteger(s.proto) && s.proto >= 0 && s.proto <= 255) proto = s.proto;
    else throw new InvalidArgumentError(`${arg}.proto`, `expected ${Object.keys(UPPER).map((k) => `'${k}'`).join(', ')} or a protocol number 0..255, got ${showValue(s.proto)}`);
  }
  const c: CheckedSelector = {
    family, src: src?.bytes ?? ZERO16, dst: dst?.bytes ?? ZERO16, prefixS: src?.prefixLen ?? 0, prefixD: dst?.prefixLen ?? 0,
    proto, sport: 0, sportMask: 0, dport: 0, dportMask: 0, ifindex: 0, dev: undefined, familyUnset: !src && !dst,
  };
  const pname = proto === 0 ? 'any protocol' : UPPER_NAME.get(proto) ?? String(proto);
  const listed = s as Partial<XfrmSelector>;
  const isListed = listed.sportMask !== undefined || listed.dportMask !== undefined;
  if (isListed) {
    // A listed XfrmSelector (a decoded policy's or state's): its port fields as the kernel
    // holds them, each with its mask (0: any; for ICMP the type and code, for GRE the key),
    // and its ifindex. Read as a spec, its sport 0 would be port 0 (mask 0xffff), and an
    // ICMP type in sport a refused port: the policy it came from would not be found.
    c.sport = checkUint(listed.sport ?? 0, `${arg}.sport`, 65535, 'a port'); c.sportMask = checkUint(listed.sportMask ?? 0, `${arg}.sportMask`, 65535, 'a mask');
    c.dport = checkUint(listed.dport ?? 0, `${arg}.dport`, 65535, 'a port'); c.dportMask = checkUint(listed.dportMask ?? 0, `${arg}.dportMask`, 65535, 'a mask');
    if (listed.ifindex !== undefined) c.ifindex = checkUint(listed.ifindex, `${arg}.ifindex`, 0x7fffffff, 'an ifindex');
  } else if (s.sport !== undefined || s.dport !== undefined) {
    if (!PORTED.has(proto)) throw new InvalidArgumentError(arg, `ports need a port protocol (tcp, udp, sctp, dccp, udplite), not ${s.proto === undefined ? 'any protocol' : pname}`);
    if (s.sport !== undefined) { c.sport = checkUint(s.sport, `${arg}.sport`, 65535, 'a port'); c.sportMask = 0xffff; }
    if (s.dport !== undefined) { c.dport = checkUint(s.dport, `${arg}.dport`, 65535, 'a port'); c.dportMask = 0xffff; }
  }
  // An upper protocol of the other IP version would never match (with addresses given: without, the family is open).
  if (src || dst) {
    if (proto === X.IPPROTO_ICMP && family !== 4) throw new InvalidArgumentError(`${arg}.proto`, 'icmp is IPv4: use ipv6-icmp for IPv6 prefixes');
    if ((proto === X.IPPROTO_ICMPV6 || proto === X.IPPROTO_MH) && family !== 6) throw new InvalidArgumentError(`${arg}.proto`, `${pname} is IPv6 only${proto === X.IPPROTO_ICMPV6 ? ': use icmp for IPv4 prefixes' : ''}`);
  }
  if (!isListed && (s.type !== undefined || s.code !== undefined)) {
    if (!TYPED.has(proto)) throw new InvalidArgumentError(arg, `type and code need icmp, ipv6-icmp or mobility-header, not ${s.proto === undefined ? 'any protocol' : pname}`);
    if (proto === X.IPPROTO_ICMP && family !== 4) throw new InvalidArgumentError(`${arg}.proto`, 'icmp is IPv4: use ipv6-icmp for IPv6 prefixes');
    // An MH flow has its type in the source port field and 0 in the destination's (xfrm_flowi_dport).
    if (proto === X.IPPROTO_MH && s.code !== undefined) throw new InvalidArgumentError(`${arg}.code`, 'mobility-header has a type but no code: a code would make the selector miss every packet');
    if (s.type !== undefined) { c.sport = checkUint(s.type, `${arg}.type`, 255); c.sportMask = 0xffff; }
    if (s.code !== undefined) { c.dport = checkUint(s.code, `${arg}.code`, 255); c.dportMask = 0xffff; }
  }
  if (s.key !== undefined) {
    if (proto !== X.IPPROTO_GRE) throw new InvalidArgumentError(`${arg}.key`, `a key needs proto gre, not ${s.proto === undefined ? 'any protocol' : pname}`);
    const k = checkUint(s.key, `${arg}.key`, 0xffffffff);
    c.sport = k >>> 16; c.dport = k & 0xffff; c.sportMask = 0xffff; c.dportMask = 0xffff;
  }
  if (s.dev !== undefined) {
    if (typeof s.dev === 'number') c.ifindex = checkUint(s.dev, `${arg}.dev`, 0x7fffffff, 'an ifindex');
    else if (typeof s.dev === 'string' && s.dev.length > 0 && s.dev.length < 16 && !/[\s/]/.test(s.dev)) c.dev = s.dev;
    else throw new InvalidArgumentError(`${arg}.dev`, `expected an interface name or ifindex, got ${showValue(s.dev)}`);
  }
  return c;
}

/**
 * @internal A checked selector as `ip xfrm` writes it (`src P dst P [proto NAME] [sport N]
 * [dport N] | [type T] [code C] | [key K] [dev D]`): the subject of an error, made only then.
 */
export function selectorText(s: CheckedSelector): string {
  const a = (b: Uint8Array, l: number): string => `${formatIp(b, 0, s.family === 4 ? 4 : 16)}/${l}`;
  let t = `src ${a(s.src, s.prefixS)} dst ${a(s.dst, s.prefixD)}`;
  if (s.proto) {
    t += ` proto ${UPPER_NAME.get(s.proto) ?? s.proto}`;
    if (s.proto === X.IPPROTO_GRE && s.sportMask && s.dportMask) t += ` key ${((s.sport << 16) | s.dport) >>> 0}`;
    else {
      const [sp, dp] = TYPED.has(s.proto) ? ['type', 'code'] : ['sport', 'dport'];
      if (s.sportMask) t += ` ${sp} ${s.sport}`;
      if (s.dportMask) t += ` ${dp} ${s.dport}`;
    }
  }
  if (s.dev !== undefined) t += ` dev ${s.dev}`;
  else if (s.ifindex) t += ` dev if${s.ifindex}`;
  return t;
}

/** @internal */
export interface CheckedTemplate {
  family: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  proto: number;
  spi: number;
  reqid: number;
  mode: number;
  optional: number;
  share: number;
  aalgos: number;
  ealgos: number;
  calgos: number;
}

function checkTemplate(v: unknown, arg: string, selFamily: 4 | 6): CheckedTemplate {
  checkObject(v, arg, TMPL_KEYS);
  const t = v as XfrmTemplateSpec;
  const src = t.src === undefined ? undefined : parseIp(t.src, `${arg}.src`);
  const dst = t.dst === undefined ? undefined : parseIp(t.dst, `${arg}.dst`);
  if (src && dst && src.family !== dst.family) throw new InvalidArgumentError(arg, `src ${t.src} is IPv${src.family} but dst ${t.dst} is IPv${dst.family}`);
  const mode = t.mode === undefined ? X.XFRM_MODE_TRANSPORT : pick(MODES, t.mode, `${arg}.mode`, 'mode');
  const family = src?.family ?? dst?.family ?? selFamily;
  // net/xfrm/xfrm_user.c validate_tmpl: only tunnel and beet change the family ("Mode in template doesn't support a family change").
  if (mode !== X.XFRM_MODE_TUNNEL && mode !== X.XFRM_MODE_BEET && family !== selFamily) {
    throw new InvalidArgumentError(arg, `a ${t.mode ?? 'transport'} template's addresses are IPv${family} but the selector is IPv${selFamily}: only tunnel and beet change the family`);
  }
  let optional = 0;
  if (t.level !== undefined) {
    if (t.level === 'use') optional = 1;
    else if (t.level !== 'required') throw new InvalidArgumentError(`${arg}.level`, `expected 'required' or 'use', got ${showValue(t.level)}`);
  }
  const proto = t.proto === undefined ? X.IPPROTO_ESP : pick(PROTOS, t.proto, `${arg}.proto`, 'proto');
  return {
    family, src: src?.bytes ?? ZERO16, dst: dst?.bytes ?? ZERO16, proto,
    // 0: any SPI; comp's is a 16-bit CPI, a larger one would match no state.
    spi: t.spi === undefined ? 0 : checkSpi(t.spi, `${arg}.spi`, proto),
    reqid: t.reqid === undefined ? 0 : checkUint(t.reqid, `${arg}.reqid`, 0xffffffff),
    mode, optional, share: t.share === undefined ? 0 : pick(SHARES, t.share, `${arg}.share`, 'share'),
    aalgos: t.aalgos === undefined ? 0xffffffff : checkUint(t.aalgos, `${arg}.aalgos`, 0xffffffff),
    ealgos: t.ealgos === undefined ? 0xffffffff : checkUint(t.ealgos, `${arg}.ealgos`, 0xffffffff),
    calgos: t.calgos === undefined ? 0xffffffff : checkUint(t.calgos, `${arg}.calgos`, 0xffffffff),
  };
}

const INF = 0xffffffffffffffffn;

function checkLifetime(v: unknown, arg: string): bigint[] {
  // soft/hard bytes, soft/hard packets, soft/hard add, soft/hard use: xfrm_lifetime_cfg's order.
  const out = [INF, INF, INF, INF, 0n, 0n, 0n, 0n];
  if (v === undefined) return out;
  checkObject(v, arg, LIFETIME_KEYS);
  const l = v as XfrmLifetimeSpec;
  const keys = ['softBytes', 'hardBytes', 'softPackets', 'hardPackets', 'softAddSeconds', 'hardAddSeconds', 'softUseSeconds', 'hardUseSeconds'] as const;
  keys.forEach((k, i) => {
    const x = l[k];
    if (x === undefined) return;
    const b = typeof x === 'bigint' ? x : typeof x === 'number' && Number.isSafeInteger(x) ? BigInt(x) : undefined;
    if (b === undefined || b < 0n || b > INF) throw new InvalidArgumentError(`${arg}.${k}`, `expected an integer 0..2^64-1 (number or bigint), got ${showValue(x)}`);
    out[i] = b;
  });
  return out;
}

/** @internal */
export interface CheckedPolicy {
  sel: CheckedSelector;
  dir: number;
  priority: number;
  action: number;
  index: number;
  mark: XfrmMark | undefined;
  ifId: number | undefined;
  ptype: number | undefined;
  flags: number;
  templates: CheckedTemplate[];
  lifetime: bigint[];
}

function checkDir(v: unknown, arg: string): number {
  return pick(DIRS, v, arg, 'dir');
}

function checkPtype(v: unknown, arg: string): number | undefined {
  if (v === undefined) return undefined;
  if (v === 'main') return X.XFRM_POLICY_TYPE_MAIN;
  if (v === 'sub') return X.XFRM_POLICY_TYPE_SUB;
  throw new InvalidArgumentError(arg, `expected 'main' or 'sub', got ${showValue(v)}`);
}

/** @internal */
export function checkPolicy(v: unknown, arg: string): CheckedPolicy {
  checkObject(v, arg, POLICY_KEYS);
  const p = v as XfrmPolicySpec;
  const sel = p.selector === undefined ? checkSelector({}, `${arg}.selector`) : checkSelector(p.selector, `${arg}.selector`);
  // A policy is keyed on its selector's bytes (xfrm_policy_insert, xfrm_policy_bysel_ctx:
  // selector_cmp), host bits included, while packets match it by prefix: 10.4.0.1/16 would
  // be a second policy beside 10.4.0.0/16 for the same packets, and get/del by 10.4.0.0/16
  // would not find it. Keys (get, del) still take host bits, to reach such a policy ip made.
  for (const [k, b, l] of [['src', sel.src, sel.prefixS], ['dst', sel.dst, sel.prefixD]] as const) {
    if (hasHostBits({ family: sel.family, bytes: b, prefixLen: l })) {
      const net = networkOf({ family: sel.family, bytes: b, prefixLen: l });
      throw new InvalidArgumentError(`${arg}.selector.${k}`, `${(p.selector as XfrmSelectorSpec)[k]!} has host bits set: the kernel would key the policy on them; use ${formatIp(net.bytes, 0, net.bytes.length)}/${l}`);
    }
  }
  const dir = checkDir(p.dir, `${arg}.dir`);
  let action = X.XFRM_POLICY_ALLOW;
  if (p.action !== undefined) {
    if (p.action === 'block') action = X.XFRM_POLICY_BLOCK;
    else if (p.action !== 'allow') throw new InvalidArgumentError(`${arg}.action`, `expected 'allow' or 'block', got ${showValue(p.action)}`);
  }
  if (p.templates !== undefined && !Array.isArray(p.templates)) throw new InvalidArgumentError(`${arg}.templates`, `expected an array of templates, got ${showValue(p.templates)}`);
  // XFRM_MAX_DEPTH (include/net/xfrm.h, not UAPI): the kernel refuses more templates than 6 (EINVAL).
  if (p.templates && p.templates.length > 6) throw new InvalidArgumentError(`${arg}.templates`, `at most 6 templates (the kernel's XFRM_MAX_DEPTH), got ${p.templates.length}`);
  const templates: CheckedTemplate[] = [];
  let prev = sel.family;
  (p.templates ?? []).forEach((t, i) => {
    const c = checkTemplate(t, `${arg}.templates[${i}]`, prev);
    // validate_tmpl refuses it with EINVAL ("Mode in optional template not allowed in outbound
    // policy"), naming no template: an out policy's tunnel or beet states must all be there.
    if (c.optional && dir === X.XFRM_POLICY_OUT && (c.mode === X.XFRM_MODE_TUNNEL || c.mode === X.XFRM_MODE_BEET)) {
      throw new InvalidArgumentError(`${arg}.templates[${i}].level`, `a ${c.mode === X.XFRM_MODE_TUNNEL ? 'tunnel' : 'beet'} template cannot be optional ('use') in an out policy (the kernel refuses it): make it 'required', or optional in an in or fwd policy`);
    }
    templates.push(c);
    prev = c.family;
  });
  const index = p.index === undefined ? 0 : checkUint(p.index, `${arg}.index`, 0xffffffff);
  // The kernel finds a policy by index only in the direction of its low 3 bits (xfrm_policy_id2dir),
  // and its verify_newpolicy_info refuses another (EINVAL "Policy index doesn't match direction").
  if (index !== 0 && (index & 7) !== dir) {
    throw new InvalidArgumentError(`${arg}.index`, `index ${index} is of direction ${index & 7} (index % 8), not ${p.dir as string} (${dir}): an index carries its policy's direction in its low 3 bits`);
  }
  return {
    sel, dir, action, index,
    priority: p.priority === undefined ? 0 : checkUint(p.priority, `${arg}.priority`, 0xffffffff),
    mark: p.mark === undefined ? undefined : markOf(p.mark, `${arg}.mark`),
    ifId: p.ifId === undefined ? undefined : checkUint(p.ifId, `${arg}.ifId`, 0xffffffff),
    ptype: checkPtype(p.ptype, `${arg}.ptype`),
    flags: p.flags === undefined ? 0 : bits(POLICY_FLAGS, p.flags, `${arg}.flags`, 'policy flag'),
    templates, lifetime: checkLifetime(p.lifetime, `${arg}.lifetime`),
  };
}

/** @internal */
export interface CheckedPolicyId {
  sel: CheckedSelector;
  dir: number;
  index: number;
  mark: XfrmMark | undefined;
  ifId: number | undefined;
  ptype: number | undefined;
}

/** @internal */
export function checkPolicyId(v: unknown, arg: string): CheckedPolicyId {
  checkObject(v, arg, POLICY_ID_KEYS);
  const k = v as XfrmPolicyKey;
  const index = k.index === undefined ? 0 : checkUint(k.index, `${arg}.index`, 0xffffffff);
  // By index, the selector is not read (a listed policy's decoded one need not be a spec).
  const sel = index !== 0 || k.selector === undefined ? checkSelector({}, `${arg}.selector`) : checkSelector(k.selector, `${arg}.selector`);
  const dir = checkDir(k.dir, `${arg}.dir`);
  // A listed policy's ptype 'other' or its mark/ifId come back as they were decoded.
  return {
    sel, dir, index,
    mark: k.mark === undefined ? undefined : markOf(k.mark, `${arg}.mark`),
    ifId: k.ifId === undefined ? undefined : checkUint(k.ifId, `${arg}.ifId`, 0xffffffff),
    ptype: checkPtype(k.ptype, `${arg}.ptype`),
  };
}

/** @internal */
export interface CheckedAlgo {
  type: number;
  name: string;
  key: Uint8Array;
  /** icvLen (aead) or truncLen (auth-trunc), bits. */
  extra: number | undefined;
}

/** @internal */
export interface CheckedState {
  family: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  proto: number;
  spi: number;
  mode: number;
  reqid: number;
  replayWindow: number;
  replay: { seq: number; oseq: number; seqHi: number; oseqHi: number };
  flags: number;
  extraFlags: number;
  sel: CheckedSelector | undefined;
  algos: CheckedAlgo[];
  encap: CheckedEncap | undefined;
  mark: XfrmMark | undefined;
  ifId: number | undefined;
  outputMark: XfrmMark | undefined;
  lifetime: bigint[];
  tfcpad: number | undefined;
  coa: Uint8Array | undefined;
}

/** Key sizes (bits) and ICV / truncation lengths of algorithms whose sizes are fixed (crypto/ and net/xfrm/xfrm_algo.c). */
const CRYPT_KEY_BITS: Readonly<Record<string, readonly number[]>> = {
  'cbc(aes)': [128, 192, 256], 'cbc(des3_ede)': [192], 'cbc(des)': [64], 'ecb(cipher_null)': [0], 'cbc(cast5)': [40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128],
  'cbc(serpent)': [128, 192, 256], 'cbc(twofish)': [128, 192, 256], 'cbc(camellia)': [128, 192, 256], 'rfc3686(ctr(aes))': [160, 224, 288],
};
const AEAD: Readonly<Record<string, { keys: readonly number[]; icv: readonly number[] }>> = {
  'rfc4106(gcm(aes))': { keys: [160, 224, 288], icv: [64, 96, 128] },
  'rfc4309(ccm(aes))': { keys: [152, 216, 280], icv: [64, 96, 128] },
  'rfc4543(gcm(aes))': { keys: [160, 224, 288], icv: [128] },
  'rfc7539esp(chacha20,poly1305)': { keys: [288], icv: [128] },
};
/** Digest sizes (bits): a truncation longer than the digest is refused by the kernel. */
const AUTH_DIGEST_BITS: Readonly<Record<string, number>> = {
  'hmac(md5)': 128, 'hmac(sha1)': 160, 'hmac(sha256)': 256, 'hmac(sha384)': 384, 'hmac(sha512)': 512, 'hmac(rmd160)': 160, 'xcbc(aes)': 128, 'cmac(aes)': 128,
};

/** @internal */
export function keyBytes(v: unknown, arg: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(v)) return Buffer.from(v.slice(2), 'hex');
  throw new InvalidArgumentError(arg, `expected key bytes (a Buffer or Uint8Array) or a hex string '0x…' of whole bytes, got ${showValue(v)}`);
}

function algoName(v: unknown, arg: string): string {
  // xfrm_algo.alg_name is char[64], NUL-terminated.
  if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v) > 63 || v.includes('\0')) throw new InvalidArgumentError(arg, `expected an algorithm name of 1..63 bytes, got ${showValue(v)}`);
  return v;
}

function checkAlgos(v: unknown, arg: string, proto: number): CheckedAlgo[] {
  // No algorithms at all is checked as an empty set: esp, ah and comp need theirs.
  if (v !== undefined) checkObject(v, arg, ALGO_KEYS);
  const a = (v ?? {}) as XfrmAlgorithms;
  const out: CheckedAlgo[] = [];
  const protoText = PROTO_NAME.get(proto) ?? String(proto);
  if (a.aead !== undefined) {
    checkObject(a.aead, `${arg}.aead`, new Set(['name', 'key', 'icvLen']));
    const name = algoName(a.aead.name, `${arg}.aead.name`);
    const key = keyBytes(a.aead.key, `${arg}.aead.key`);
    const icv = checkUint(a.aead.icvLen, `${arg}.aead.icvLen`, 0xffffffff, 'an ICV length in bits');
    const known = AEAD[name];
    if (known && !known.keys.includes(key.length * 8)) throw new InvalidArgumentError(`${arg}.aead.key`, `${name} takes a key of ${known.keys.map((b) => b / 8).join(', ')} bytes (key and 4-byte salt), got ${key.length}`);
    if (known && !known.icv.includes(icv)) throw new InvalidArgumentError(`${arg}.aead.icvLen`, `${name} has an ICV of ${known.icv.join(', ')} bits, got ${icv}`);
    out.push({ type: X.XFRMA_ALG_AEAD, name, key, extra: icv });
  }
  if (a.crypt !== undefined) {
    checkObject(a.crypt, `${arg}.crypt`, new Set(['name', 'key']));
    const name = algoName(a.crypt.name, `${arg}.crypt.name`);
    const key = keyBytes(a.crypt.key, `${arg}.crypt.key`);
    const known = CRYPT_KEY_BITS[name];
    if (known && !known.includes(key.length * 8)) throw new InvalidArgumentError(`${arg}.crypt.key`, `${name} takes a key of ${known.map((b) => b / 8).join(', ')} bytes, got ${key.length}`);
    out.push({ type: X.XFRMA_ALG_CRYPT, name, key, extra: undefined });
  }
  if (a.auth !== undefined) {
    checkObject(a.auth, `${arg}.auth`, new Set(['name', 'key', 'truncLen']));
    const name = algoName(a.auth.name, `${arg}.auth.name`);
    const key = keyBytes(a.auth.key, `${arg}.auth.key`);
    const trunc = a.auth.truncLen === undefined ? undefined : checkUint(a.auth.truncLen, `${arg}.auth.truncLen`, 0xffffffff, 'a truncation length in bits');
    const digest = AUTH_DIGEST_BITS[name];
    if (trunc !== undefined && digest !== undefined && trunc > digest) throw new InvalidArgumentError(`${arg}.auth.truncLen`, `${name} has a ${digest}-bit digest: truncLen ${trunc} is longer`);
    out.push({ type: trunc === undefined ? X.XFRMA_ALG_AUTH : X.XFRMA_ALG_AUTH_TRUNC, name, key, extra: trunc });
  }
  if (a.comp !== undefined) {
    checkObject(a.comp, `${arg}.comp`, new Set(['name']));
    out.push({ type: X.XFRMA_ALG_COMP, name: algoName(a.comp.name, `${arg}.comp.name`), key: new Uint8Array(0), extra: undefined });
  }
  // What each protocol takes (the kernel's verify_newsa_info; ip xfrm state checks the same).
  if (a.aead && (a.crypt || a.auth)) throw new InvalidArgumentError(arg, 'aead combines encryption and authentication: give it alone, not with crypt or auth');
  if (proto === X.IPPROTO_ESP) {
    if (a.comp) throw new InvalidArgumentError(`${arg}.comp`, 'esp takes no compression (use proto comp)');
    if (!a.crypt && !a.aead) throw new InvalidArgumentError(arg, 'esp needs crypt (with auth) or aead');
  } else if (proto === X.IPPROTO_AH) {
    if (a.crypt || a.aead || a.comp) throw new InvalidArgumentError(arg, 'ah takes only auth');
    if (!a.auth) throw new InvalidArgumentError(arg, 'ah needs auth');
  } else if (proto === X.IPPROTO_COMP) {
    if (a.crypt || a.aead || a.auth) throw new InvalidArgumentError(arg, 'comp takes only comp');
    if (!a.comp) throw new InvalidArgumentError(arg, 'comp needs a comp algorithm');
  } else if (out.length) throw new InvalidArgumentError(arg, `${protoText} takes no algorithms`);
  return out;
}

/** @internal A checked xfrm_encap_tmpl. */
export interface CheckedEncap {
  type: number;
  sport: number;
  dport: number;
  oa: Uint8Array;
}

/** An encapsulation spec whose original address must be of `family` (`what`'s: the state's, a migration's new endpoints'). */
function checkEncap(v: unknown, arg: string, family: 4 | 6, what: string): CheckedEncap {
  checkObject(v, arg, ENCAP_KEYS);
  const e = v as XfrmEncapSpec;
  const oa = e.oa === undefined ? undefined : parseIp(e.oa, `${arg}.oa`);
  if (oa && oa.family !== family) throw new InvalidArgumentError(`${arg}.oa`, `${e.oa} is IPv${oa.family} but ${what} ${what.endsWith('s') ? 'are' : 'is'} IPv${family}`);
  return {
    type: pick(ENCAPS, e.type, `${arg}.type`, 'encap type'), sport: checkUint(e.sport, `${arg}.sport`, 65535, 'a port'),
    dport: checkUint(e.dport, `${arg}.dport`, 65535, 'a port'), oa: oa?.bytes ?? ZERO16,
  };
}

/** @internal */
export function checkState(v: unknown, arg: string): CheckedState {
  checkObject(v, arg, STATE_KEYS);
  const s = v as XfrmStateSpec;
  const src = parseIp(s.src, `${arg}.src`);
  const dst = parseIp(s.dst, `${arg}.dst`);
  if (src.family !== dst.family) throw new InvalidArgumentError(arg, `src ${s.src} is IPv${src.family} but dst ${s.dst} is IPv${dst.family}`);
  const proto = pick(PROTOS, s.proto, `${arg}.proto`, 'proto');
  const spi = checkSpi(s.spi, `${arg}.spi`, proto, true);
  const mode = s.mode === undefined ? X.XFRM_MODE_TRANSPORT : pick(MODES, s.mode, `${arg}.mode`, 'mode');
  if ((proto === X.IPPROTO_ESP || proto === X.IPPROTO_AH || proto === X.IPPROTO_COMP)
    && !(mode === X.XFRM_MODE_TRANSPORT || mode === X.XFRM_MODE_TUNNEL || (mode === X.XFRM_MODE_BEET && proto === X.IPPROTO_ESP))) {
    throw new InvalidArgumentError(`${arg}.mode`, `${s.mode} is not a mode of ${s.proto} (transport, tunnel${proto === X.IPPROTO_ESP ? ', beet' : ''})`);
  }
  const flags = s.flags === undefined ? 0 : bits(STATE_FLAGS, s.flags, `${arg}.flags`, 'state flag');
  const replayWindow = s.replayWindow === undefined ? 0 : checkUint(s.replayWindow, `${arg}.replayWindow`, X.XFRMA_REPLAY_ESN_MAX, 'a replay window');
  if ((flags & X.XFRM_STATE_ESN) && replayWindow === 0) throw new InvalidArgumentError(`${arg}.replayWindow`, 'the esn flag needs a replay window');
  // Both are sent as XFRMA_REPLAY_ESN_VAL (as ip does), which verify_replay refuses for
  // anything but ESP and AH (EINVAL "ESN only supported for ESP and AH").
  if (((flags & X.XFRM_STATE_ESN) || replayWindow > 32) && proto !== X.IPPROTO_ESP && proto !== X.IPPROTO_AH) {
    throw new InvalidArgumentError(`${arg}.replayWindow`, `${(flags & X.XFRM_STATE_ESN) ? 'the esn flag' : `a replay window over 32 (${replayWindow})`} needs esp or ah, not ${s.proto as string}`);
  }
  let replay = { seq: 0, oseq: 0, seqHi: 0, oseqHi: 0 };
  if (s.replay !== undefined) {
    checkObject(s.replay, `${arg}.replay`, REPLAY_KEYS);
    const r = s.replay;
    replay = {
      seq: r.seq === undefined ? 0 : checkUint(r.seq, `${arg}.replay.seq`, 0xffffffff), oseq: r.oseq === undefined ? 0 : checkUint(r.oseq, `${arg}.replay.oseq`, 0xffffffff),
      seqHi: r.seqHi === undefined ? 0 : checkUint(r.seqHi, `${arg}.replay.seqHi`, 0xffffffff), oseqHi: r.oseqHi === undefined ? 0 : checkUint(r.oseqHi, `${arg}.replay.oseqHi`, 0xffffffff),
    };
    if ((replay.seqHi || replay.oseqHi) && !(flags & X.XFRM_STATE_ESN) && replayWindow <= 32) throw new InvalidArgumentError(`${arg}.replay`, 'seqHi and oseqHi are ESN counters: set the esn flag');
  }
  const sel = s.selector === undefined ? undefined : checkSelector(s.selector, `${arg}.selector`);
  // __xfrm_init_state refuses it with EPROTONOSUPPORT ("Only tunnel modes can accommodate a
  // change of family"), the code a missing ESP/AH/IPComp module gives too.
  if (sel && !sel.familyUnset && sel.family !== src.family && mode !== X.XFRM_MODE_TUNNEL && mode !== X.XFRM_MODE_BEET) {
    throw new InvalidArgumentError(`${arg}.selector`, `the selector is IPv${sel.family} but the state is IPv${src.family}: only a tunnel or beet state carries packets of another family, not ${s.mode ?? 'transport'}`);
  }
  let encap: CheckedState['encap'];
  if (s.encap !== undefined) {
    if (proto !== X.IPPROTO_ESP) throw new InvalidArgumentError(`${arg}.encap`, 'only esp is encapsulated');
    encap = checkEncap(s.encap, `${arg}.encap`, src.family, 'the state');
  }
  const coa = s.coa === undefined ? undefined : parseIp(s.coa, `${arg}.coa`);
  if (coa && coa.family !== src.family) throw new InvalidArgumentError(`${arg}.coa`, `${s.coa} is IPv${coa.family} but the state is IPv${src.family}`);
  if (proto === X.IPPROTO_ROUTING || proto === X.IPPROTO_DSTOPTS) {
    // Mobile IPv6 (net/ipv6/mip6.c; xfrm_user.c verify_newsa_info).
    if (src.family !== 6) throw new InvalidArgumentError(`${arg}.proto`, `${s.proto} is Mobile IPv6: its addresses must be IPv6`);
    if (!coa) throw new InvalidArgumentError(`${arg}.coa`, `${s.proto} needs a care-of address (the kernel's "Missing required COADDR attribute for DSTOPTS/ROUTING")`);
    if (s.tfcpad !== undefined) throw new InvalidArgumentError(`${arg}.tfcpad`, `${s.proto} takes no TFC padding`);
  }
  return {
    family: src.family, src: src.bytes, dst: dst.bytes, proto, spi, mode, coa: coa?.bytes,
    reqid: s.reqid === undefined ? 0 : checkUint(s.reqid, `${arg}.reqid`, 0xffffffff),
    replayWindow, replay, flags,
    extraFlags: s.extraFlags === undefined ? 0 : bits(EXTRA_FLAGS, s.extraFlags, `${arg}.extraFlags`, 'extra flag'),
    sel, algos: checkAlgos(s.algorithms, `${arg}.algorithms`, proto), encap,
    mark: s.mark === undefined ? undefined : markOf(s.mark, `${arg}.mark`),
    ifId: s.ifId === undefined ? undefined : checkUint(s.ifId, `${arg}.ifId`, 0xffffffff),
    outputMark: s.outputMark === undefined ? undefined : markOf(s.outputMark, `${arg}.outputMark`, false),
    lifetime: checkLifetime(s.lifetime, `${arg}.lifetime`),
    tfcpad: s.tfcpad === undefined ? undefined : checkUint(s.tfcpad, `${arg}.tfcpad`, 0xffffffff),
  };
}

function checkSpi(v: unknown, arg: string, proto: number, nonZero = false): number {
  // IPComp's SPI is its 16-bit CPI (xfrm_user.c verify_newsa_info / verify_userspi_info).
  const max = proto === X.IPPROTO_COMP ? 0xffff : 0xffffffff;
  const what = proto === X.IPPROTO_COMP ? 'a CPI' : 'an SPI';
  const spi = checkUint(v, arg, max, what);
  // SPI 0 is reserved (RFC 4303 2.1) and the kernel hashes a state by SPI only when it is
  // not 0 (__xfrm_state_insert): a state of esp, ah or comp with SPI 0 is accepted — and an
  // ALLOCSPI of min 0 max 0 makes one while answering ENOENT — but never found by get or del.
  if (nonZero && spi === 0 && (proto === X.IPPROTO_ESP || proto === X.IPPROTO_AH || proto === X.IPPROTO_COMP)) {
    throw new InvalidArgumentError(arg, `expected ${what} 1..${max}, got 0 (reserved: the kernel would keep a state of SPI 0 that get and del cannot find)`);
  }
  return spi;
}

/** @internal */
export interface CheckedAllocSpi {
  family: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  proto: number;
  mode: number;
  reqid: number;
  seq: number;
  mark: XfrmMark | undefined;
  min: number;
  max: number;
}

const ALLOC_KEYS: ReadonlySet<string> = new Set(['src', 'dst', 'proto', 'mode', 'reqid', 'seq', 'mark', 'min', 'max']);

/** @internal */
export function checkAllocSpi(v: unknown, arg: string): CheckedAllocSpi {
  checkObject(v, arg, ALLOC_KEYS);
  const s = v as XfrmAllocSpiSpec;
  const src = parseIp(s.src, `${arg}.src`);
  const dst = parseIp(s.dst, `${arg}.dst`);
  if (src.family !== dst.family) throw new InvalidArgumentError(arg, `src ${s.src} is IPv${src.family} but dst ${s.dst} is IPv${dst.family}`);
  const proto = pick(PROTOS, s.proto, `${arg}.proto`, 'proto');
  // verify_spi_info: EINVAL "Invalid protocol, must be one of AH, ESP, IPCOMP".
  if (proto !== X.IPPROTO_ESP && proto !== X.IPPROTO_AH && proto !== X.IPPROTO_COMP) throw new InvalidArgumentError(`${arg}.proto`, `${s.proto} has no SPI to allocate: expected 'esp', 'ah' or 'comp'`);
  const min = s.min === undefined ? 0x100 : checkSpi(s.min, `${arg}.min`, proto, true);
  const max = s.max === undefined ? (proto === X.IPPROTO_COMP ? 0xffff : 0x0fffffff) : checkSpi(s.max, `${arg}.max`, proto);
  if (min > max) throw new InvalidArgumentError(arg, `min 0x${min.toString(16)} is above max 0x${max.toString(16)}`);
  return {
    family: src.family, src: src.bytes, dst: dst.bytes, proto,
    mode: s.mode === undefined ? X.XFRM_MODE_TRANSPORT : pick(MODES, s.mode, `${arg}.mode`, 'mode'),
    reqid: s.reqid === undefined ? 0 : checkUint(s.reqid, `${arg}.reqid`, 0xffffffff),
    seq: s.seq === undefined ? 0 : checkUint(s.seq, `${arg}.seq`, 0xffffffff),
    mark: s.mark === undefined ? undefined : markOf(s.mark, `${arg}.mark`), min, max,
  };
}

/** @internal */
export interface CheckedStateId {
  family: 4 | 6;
  dst: Uint8Array;
  src: Uint8Array | undefined;
  proto: number;
  spi: number;
  mark: XfrmMark | undefined;
}

/** @internal */
export function checkStateId(v: unknown, arg: string): CheckedStateId {
  checkObject(v, arg, STATE_ID_KEYS);
  const k = v as XfrmStateKey;
  const dst = parseIp(k.dst, `${arg}.dst`);
  const src = k.src === undefined ? undefined : parseIp(k.src, `${arg}.src`);
  if (src && src.family !== dst.family) throw new InvalidArgumentError(arg, `src ${k.src} is IPv${src.family} but dst ${k.dst} is IPv${dst.family}`);
  const proto = pick(PROTOS, k.proto, `${arg}.proto`, 'proto');
  // xfrm_user_state_lookup finds these by address, with XFRMA_SRCADDR (which ip and nlkit
  // always send, zero without a src: the lookup would be for :: and answer ESRCH).
  if ((proto === X.IPPROTO_ROUTING || proto === X.IPPROTO_DSTOPTS) && !src) throw new InvalidArgumentError(`${arg}.src`, `a ${k.proto} state is found by src and dst: give its src`);
  return { family: dst.family, dst: dst.bytes, src: src?.bytes, proto, spi: checkSpi(k.spi, `${arg}.spi`, proto), mark: k.mark === undefined ? undefined : markOf(k.mark, `${arg}.mark`) };
}

// ---------------------------------------------------------------------------------------
// Writing

const af = (f: 4 | 6): number => (f === 4 ? X.AF_INET : X.AF_INET6);

function putAddr(w: MessageWriter, o: number, a: Uint8Array): void {
  w.buf.set(a, o); // xfrm_address_t: 16 bytes, IPv4 in the first 4 (the rest stays zero)
}

/** `unspecFamily`: write AF_UNSPEC for a selector without addresses (a state's: the kernel gives it the state's family). */
function putSelector(w: MessageWriter, o: number, s: CheckedSelector, unspecFamily = false): void {
  putAddr(w, o + X.OFF_XFRM_SELECTOR_DADDR, s.dst);
  putAddr(w, o + X.OFF_XFRM_SELECTOR_SADDR, s.src);
  w.view.setUint16(o + X.OFF_XFRM_SELECTOR_DPORT, s.dport, false);
  w.view.setUint16(o + X.OFF_XFRM_SELECTOR_DPORT_MASK, s.dportMask, false);
  w.view.setUint16(o + X.OFF_XFRM_SELECTOR_SPORT, s.sport, false);
  w.view.setUint16(o + X.OFF_XFRM_SELECTOR_SPORT_MASK, s.sportMask, false);
  w.view.setUint16(o + X.OFF_XFRM_SELECTOR_FAMILY, unspecFamily && s.familyUnset ? X.AF_UNSPEC : af(s.family), HOST_LE);
  w.view.setUint8(o + X.OFF_XFRM_SELECTOR_PREFIXLEN_D, s.prefixD);
  w.view.setUint8(o + X.OFF_XFRM_SELECTOR_PREFIXLEN_S, s.prefixS);
  w.view.setUint8(o + X.OFF_XFRM_SELECTOR_PROTO, s.proto);
  w.view.setInt32(o + X.OFF_XFRM_SELECTOR_IFINDEX, s.ifindex, HOST_LE);
}

function putLifetime(w: MessageWriter, o: number, l: readonly bigint[]): void {
  for (let i = 0; i < 8; i++) w.view.setBigUint64(o + i * 8, l[i]!, HOST_LE); // xfrm_lifetime_cfg: eight __u64 in order
}

function putEncap(w: MessageWriter, c: CheckedEncap): void {
  const e = attr(w, X.XFRMA_ENCAP, X.SIZEOF_XFRM_ENCAP_TMPL);
  w.view.setUint16(e + X.OFF_XFRM_ENCAP_TMPL_ENCAP_TYPE, c.type, HOST_LE);
  w.view.setUint16(e + X.OFF_XFRM_ENCAP_TMPL_ENCAP_SPORT, c.sport, false);
  w.view.setUint16(e + X.OFF_XFRM_ENCAP_TMPL_ENCAP_DPORT, c.dport, false);
  putAddr(w, e + X.OFF_XFRM_ENCAP_TMPL_ENCAP_OA, c.oa);
}

function putMark(w: MessageWriter, m: XfrmMark): void {
  const o = attr(w, X.XFRMA_MARK, X.SIZEOF_XFRM_MARK);
  w.view.setUint32(o + X.OFF_XFRM_MARK_V, m.value, HOST_LE);
  w.view.setUint32(o + X.OFF_XFRM_MARK_M, m.mask, HOST_LE);
}

/** Start an attribute of a struct payload of `size` bytes, zeroed; returns the payload's offset. */
function attr(w: MessageWriter, type: number, size: number): number {
  const p = w.nestStart(type, false);
  w.reserve(size);
  // nestEnd patches the length: the payload plus the header, padding excluded.
  const end = p + 4 + size;
  w.view.setUint16(p, end - p, HOST_LE);
  return p + 4;
}

function putPolicyType(w: MessageWriter, ptype: number): void {
  const o = attr(w, X.XFRMA_POLICY_TYPE, X.SIZEOF_XFRM_USERPOLICY_TYPE);
  w.buf[o + X.OFF_XFRM_USERPOLICY_TYPE_TYPE] = ptype;
}

/** @internal XFRM_MSG_NEWPOLICY / UPDPOLICY: xfrm_userpolicy_info, then XFRMA_POLICY_TYPE, XFRMA_TMPL, XFRMA_MARK, XFRMA_IF_ID (`ip`'s order). */
export function writePolicy(w: MessageWriter, p: CheckedPolicy): void {
  const o = w.reserve(X.SIZEOF_XFRM_USERPOLICY_INFO);
  putSelector(w, o + X.OFF_XFRM_USERPOLICY_INFO_SEL, p.sel);
  putLifetime(w, o + X.OFF_XFRM_USERPOLICY_INFO_LFT, p.lifetime);
  w.view.setUint32(o + X.OFF_XFRM_USERPOLICY_INFO_PRIORITY, p.priority, HOST_LE);
  w.view.setUint32(o + X.OFF_XFRM_USERPOLICY_INFO_INDEX, p.index, HOST_LE);
  w.view.setUint8(o + X.OFF_XFRM_USERPOLICY_INFO_DIR, p.dir);
  w.view.setUint8(o + X.OFF_XFRM_USERPOLICY_INFO_ACTION, p.action);
  w.view.setUint8(o + X.OFF_XFRM_USERPOLICY_INFO_FLAGS, p.flags);
  if (p.ptype !== undefined) putPolicyType(w, p.ptype);
  if (p.templates.length) {
    const t0 = attr(w, X.XFRMA_TMPL, X.SIZEOF_XFRM_USER_TMPL * p.templates.length);
    p.templates.forEach((t, i) => {
      const t1 = t0 + i * X.SIZEOF_XFRM_USER_TMPL;
      const id = t1 + X.OFF_XFRM_USER_TMPL_ID;
      putAddr(w, id + X.OFF_XFRM_ID_DADDR, t.dst);
      w.view.setUint32(id + X.OFF_XFRM_ID_SPI, t.spi, false);
      w.view.setUint8(id + X.OFF_XFRM_ID_PROTO, t.proto);
      w.view.setUint16(t1 + X.OFF_XFRM_USER_TMPL_FAMILY, af(t.family), HOST_LE);
      putAddr(w, t1 + X.OFF_XFRM_USER_TMPL_SADDR, t.src);
      w.view.setUint32(t1 + X.OFF_XFRM_USER_TMPL_REQID, t.reqid, HOST_LE);
      w.view.setUint8(t1 + X.OFF_XFRM_USER_TMPL_MODE, t.mode);
      w.view.setUint8(t1 + X.OFF_XFRM_USER_TMPL_SHARE, t.share);
      w.view.setUint8(t1 + X.OFF_XFRM_USER_TMPL_OPTIONAL, t.optional);
      w.view.setUint32(t1 + X.OFF_XFRM_USER_TMPL_AALGOS, t.aalgos, HOST_LE);
      w.view.setUint32(t1 + X.OFF_XFRM_USER_TMPL_EALGOS, t.ealgos, HOST_LE);
      w.view.setUint32(t1 + X.OFF_XFRM_USER_TMPL_CALGOS, t.calgos, HOST_LE);
    });
  }
  if (p.mark && p.mark.mask !== 0) putMark(w, p.mark);
  if (p.ifId !== undefined) w.putU32(X.XFRMA_IF_ID, p.ifId);
}

/** @internal XFRM_MSG_GETPOLICY / DELPOLICY: xfrm_userpolicy_id, then XFRMA_POLICY_TYPE, XFRMA_MARK, XFRMA_IF_ID. */
export function writePolicyId(w: MessageWriter, p: CheckedPolicyId): void {
  const o = w.reserve(X.SIZEOF_XFRM_USERPOLICY_ID);
  // By index the selector is not read, but sent as ip sends it (empty, AF_INET).
  putSelector(w, o + X.OFF_XFRM_USERPOLICY_ID_SEL, p.sel);
  w.view.setUint32(o + X.OFF_XFRM_USERPOLICY_ID_INDEX, p.index, HOST_LE);
  w.view.setUint8(o + X.OFF_XFRM_USERPOLICY_ID_DIR, p.dir);
  if (p.ptype !== undefined) putPolicyType(w, p.ptype);
  if (p.mark && p.mark.mask !== 0) putMark(w, p.mark);
  if (p.ifId !== undefined) w.putU32(X.XFRMA_IF_ID, p.ifId);
}

function putAlgo(w: MessageWriter, a: CheckedAlgo): void {
  const fixed = a.type === X.XFRMA_ALG_AEAD ? X.SIZEOF_XFRM_ALGO_AEAD : a.type === X.XFRMA_ALG_AUTH_TRUNC ? X.SIZEOF_XFRM_ALGO_AUTH : X.SIZEOF_XFRM_ALGO;
  const o = attr(w, a.type, fixed + a.key.length);
  w.buf.write(a.name, o + X.OFF_XFRM_ALGO_ALG_NAME, 'utf8');
  w.view.setUint32(o + X.OFF_XFRM_ALGO_ALG_KEY_LEN, a.key.length * 8, HOST_LE);
  if (a.type === X.XFRMA_ALG_AEAD) w.view.setUint32(o + X.OFF_XFRM_ALGO_AEAD_ALG_ICV_LEN, a.extra!, HOST_LE);
  else if (a.type === X.XFRMA_ALG_AUTH_TRUNC) w.view.setUint32(o + X.OFF_XFRM_ALGO_AUTH_ALG_TRUNC_LEN, a.extra!, HOST_LE);
  w.buf.set(a.key, o + fixed);
}

/** @internal
 * XFRM_MSG_NEWSA / UPDSA: xfrm_usersa_info, then the algorithms (aead, crypt, auth, comp),
 * XFRMA_ENCAP, XFRMA_COADDR, the replay state, XFRMA_SA_EXTRA_FLAGS, XFRMA_MARK, XFRMA_IF_ID,
 * XFRMA_SET_MARK(_MASK), XFRMA_TFCPAD: the order `ip xfrm state add` writes them in when its
 * arguments are in that order.
 */
export function writeState(w: MessageWriter, s: CheckedState): void {
  const o = w.reserve(X.SIZEOF_XFRM_USERSA_INFO);
  // A selector without addresses goes AF_UNSPEC, as ip sends it: the kernel gives it the
  // state's family (xfrm_state_construct), or keeps it unspecified with the af-unspec flag.
  // As IPv4 it would never match an IPv6 state's packets.
  if (s.sel) putSelector(w, o + X.OFF_XFRM_USERSA_INFO_SEL, s.sel, true);
  const id = o + X.OFF_XFRM_USERSA_INFO_ID;
  putAddr(w, id + X.OFF_XFRM_ID_DADDR, s.dst);
  w.view.setUint32(id + X.OFF_XFRM_ID_SPI, s.spi, false);
  w.view.setUint8(id + X.OFF_XFRM_ID_PROTO, s.proto);
  putAddr(w, o + X.OFF_XFRM_USERSA_INFO_SADDR, s.src);
  putLifetime(w, o + X.OFF_XFRM_USERSA_INFO_LFT, s.lifetime);
  w.view.setUint32(o + X.OFF_XFRM_USERSA_INFO_REQID, s.reqid, HOST_LE);
  w.view.setUint16(o + X.OFF_XFRM_USERSA_INFO_FAMILY, af(s.family), HOST_LE);
  w.view.setUint8(o + X.OFF_XFRM_USERSA_INFO_MODE, s.mode);
  w.view.setUint8(o + X.OFF_XFRM_USERSA_INFO_FLAGS, s.flags);
  for (const a of s.algos) putAlgo(w, a);
  if (s.encap) putEncap(w, s.encap);
  if (s.coa) putAddr(w, attr(w, X.XFRMA_COADDR, 16), s.coa); // xfrm_address_t
  // As ip: an ESN replay state with the esn flag or a window over 32 packets, else the
  // window in xfrm_usersa_info and XFRMA_REPLAY_VAL only for counters to set.
  if ((s.flags & X.XFRM_STATE_ESN) || s.replayWindow > 32) {
    const r = attr(w, X.XFRMA_REPLAY_ESN_VAL, X.SIZEOF_XFRM_REPLAY_STATE_ESN);
    w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_ESN_BMP_LEN, Math.ceil(s.replayWindow / 32), HOST_LE);
    w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_ESN_OSEQ, s.replay.oseq, HOST_LE);
    w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_ESN_SEQ, s.replay.seq, HOST_LE);
    w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_ESN_OSEQ_HI, s.replay.oseqHi, HOST_LE);
    w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_ESN_SEQ_HI, s.replay.seqHi, HOST_LE);
    w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_ESN_REPLAY_WINDOW, s.replayWindow, HOST_LE);
  } else {
    if (s.replay.seq || s.replay.oseq) {
      const r = attr(w, X.XFRMA_REPLAY_VAL, X.SIZEOF_XFRM_REPLAY_STATE);
      w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_OSEQ, s.replay.oseq, HOST_LE);
      w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_SEQ, s.replay.seq, HOST_LE);
    }
    w.view.setUint8(o + X.OFF_XFRM_USERSA_INFO_REPLAY_WINDOW, s.replayWindow);
  }
  if (s.extraFlags) w.putU32(X.XFRMA_SA_EXTRA_FLAGS, s.extraFlags);
  if (s.mark && s.mark.mask !== 0) putMark(w, s.mark);
  if (s.ifId !== undefined) w.putU32(X.XFRMA_IF_ID, s.ifId);
  if (s.outputMark) {
    w.putU32(X.XFRMA_SET_MARK, s.outputMark.value);
    w.putU32(X.XFRMA_SET_MARK_MASK, s.outputMark.mask);
  }
  if (s.tfcpad !== undefined) w.putU32(X.XFRMA_TFCPAD, s.tfcpad);
}

/** @internal XFRM_MSG_ALLOCSPI: xfrm_userspi_info (lifetimes left zero, as ip leaves them), then XFRMA_MARK when value and mask share a bit (as ip). */
export function writeAllocSpi(w: MessageWriter, s: CheckedAllocSpi): void {
  const o = w.reserve(X.SIZEOF_XFRM_USERSPI_INFO);
  const i = o + X.OFF_XFRM_USERSPI_INFO_INFO;
  const id = i + X.OFF_XFRM_USERSA_INFO_ID;
  putAddr(w, id + X.OFF_XFRM_ID_DADDR, s.dst);
  w.view.setUint8(id + X.OFF_XFRM_ID_PROTO, s.proto);
  putAddr(w, i + X.OFF_XFRM_USERSA_INFO_SADDR, s.src);
  w.view.setUint32(i + X.OFF_XFRM_USERSA_INFO_SEQ, s.seq, HOST_LE);
  w.view.setUint32(i + X.OFF_XFRM_USERSA_INFO_REQID, s.reqid, HOST_LE);
  w.view.setUint16(i + X.OFF_XFRM_USERSA_INFO_FAMILY, af(s.family), HOST_LE);
  w.view.setUint8(i + X.OFF_XFRM_USERSA_INFO_MODE, s.mode);
  w.view.setUint32(o + X.OFF_XFRM_USERSPI_INFO_MIN, s.min, HOST_LE);
  w.view.setUint32(o + X.OFF_XFRM_USERSPI_INFO_MAX, s.max, HOST_LE);
  if (s.mark && (s.mark.value & s.mark.mask) !== 0) putMark(w, s.mark);
}

/** @internal XFRM_MSG_GETSA / DELSA: xfrm_usersa_id, then XFRMA_SRCADDR and XFRMA_MARK. */
export function writeStateId(w: MessageWriter, s: CheckedStateId): void {
  const o = w.reserve(X.SIZEOF_XFRM_USERSA_ID);
  putAddr(w, o + X.OFF_XFRM_USERSA_ID_DADDR, s.dst);
  w.view.setUint32(o + X.OFF_XFRM_USERSA_ID_SPI, s.spi, false);
  w.view.setUint16(o + X.OFF_XFRM_USERSA_ID_FAMILY, af(s.family), HOST_LE);
  w.view.setUint8(o + X.OFF_XFRM_USERSA_ID_PROTO, s.proto);
  // As ip: XFRMA_SRCADDR always (zero without a src). The kernel reads it only for a
  // protocol without SPIs (route2, hao: xfrm_user_state_lookup finds those by addresses).
  const a = attr(w, X.XFRMA_SRCADDR, 16);
  if (s.src) w.buf.set(s.src, a);
  if (s.mark && s.mark.mask !== 0) putMark(w, s.mark);
}

// ---------------------------------------------------------------------------------------
// Reading

const NLMSG_HDRLEN = 16;

function readAddr(buf: Buffer, o: number, family: number): string {
  return family === X.AF_INET6 ? formatIp(buf, o, 16) : formatIp(buf, o, 4);
}

function fam(n: number): 4 | 6 {
  return n === X.AF_INET6 ? 6 : 4;
}

/** @internal */
export function decodeSelector(buf: Buffer, v: DataView, o: number, fallbackFamily = X.AF_INET): XfrmSelector {
  // A state's selector may have no family of its own (AF_UNSPEC: an allocspi's larval
  // state): its addresses are of the state's family, as `ip` prints them.
  const own = v.getUint16(o + X.OFF_XFRM_SELECTOR_FAMILY, HOST_LE);
  const family = own === X.AF_UNSPEC ? fallbackFamily : own;
  const proto = buf[o + X.OFF_XFRM_SELECTOR_PROTO]!;
  const s: Mutable<XfrmSelector> = {
    family: fam(family),
    src: `${readAddr(buf, o + X.OFF_XFRM_SELECTOR_SADDR, family)}/${buf[o + X.OFF_XFRM_SELECTOR_PREFIXLEN_S]!}`,
    dst: `${readAddr(buf, o + X.OFF_XFRM_SELECTOR_DADDR, family)}/${buf[o + X.OFF_XFRM_SELECTOR_PREFIXLEN_D]!}`,
    proto,
    sport: v.getUint16(o + X.OFF_XFRM_SELECTOR_SPORT, false), sportMask: v.getUint16(o + X.OFF_XFRM_SELECTOR_SPORT_MASK, false),
    dport: v.getUint16(o + X.OFF_XFRM_SELECTOR_DPORT, false), dportMask: v.getUint16(o + X.OFF_XFRM_SELECTOR_DPORT_MASK, false),
    ifindex: v.getInt32(o + X.OFF_XFRM_SELECTOR_IFINDEX, HOST_LE), user: v.getUint32(o + X.OFF_XFRM_SELECTOR_USER, HOST_LE),
  };
  const n = UPPER_NAME.get(proto);
  if (n) s.protoName = n;
  return s;
}

function decodeLifetime(v: DataView, o: number): XfrmLifetime {
  const g = (i: number): bigint => v.getBigUint64(o + i * 8, HOST_LE);
  return { softBytes: g(0), hardBytes: g(1), softPackets: g(2), hardPackets: g(3), softAddSeconds: g(4), hardAddSeconds: g(5), softUseSeconds: g(6), hardUseSeconds: g(7) };
}

function decodeCurrent(v: DataView, o: number): XfrmLifetimeCurrent {
  return {
    bytes: v.getBigUint64(o + X.OFF_XFRM_LIFETIME_CUR_BYTES, HOST_LE), packets: v.getBigUint64(o + X.OFF_XFRM_LIFETIME_CUR_PACKETS, HOST_LE),
    addTime: v.getBigUint64(o + X.OFF_XFRM_LIFETIME_CUR_ADD_TIME, HOST_LE), useTime: v.getBigUint64(o + X.OFF_XFRM_LIFETIME_CUR_USE_TIME, HOST_LE),
  };
}

function need(len: number, size: number, what: string, path: readonly string[], off: number): void {
  if (len < size) throw new DecodeError(what, path, off, size, len);
}

const POLICY_PATH = ['xfrm policy'];
const STATE_PATH = ['xfrm state'];
const NO_ATTRS: readonly RawAttribute[] = Object.freeze([]);

/** @internal An XFRM_MSG_NEWPOLICY (a dump part, a GET's reply, an event) as an XfrmPolicy; `at` is the offset of xfrm_userpolicy_info (after the header, or inside a delete event's XFRMA_POLICY), `attrs` where its attributes start. */
export function decodePolicy(buf: Buffer, view: DataView, off: number, len: number, at = off + NLMSG_HDRLEN, attrs = at + X.SIZEOF_XFRM_USERPOLICY_INFO): XfrmPolicy {
  need(off + len - at, X.SIZEOF_XFRM_USERPOLICY_INFO, 'xfrm_userpolicy_info', POLICY_PATH, at);
  const o = at;
  const dirNumber = buf[o + X.OFF_XFRM_USERPOLICY_INFO_DIR]!;
  const flagBits = buf[o + X.OFF_XFRM_USERPOLICY_INFO_FLAGS]!;
  const share = buf[o + X.OFF_XFRM_USERPOLICY_INFO_SHARE]!;
  const p: Mutable<XfrmPolicy> = {
    selector: decodeSelector(buf, view, o + X.OFF_XFRM_USERPOLICY_INFO_SEL),
    dir: DIR_NAME.get(dirNumber) ?? 'other', dirNumber,
    action: buf[o + X.OFF_XFRM_USERPOLICY_INFO_ACTION] === X.XFRM_POLICY_BLOCK ? 'block' : 'allow',
    index: view.getUint32(o + X.OFF_XFRM_USERPOLICY_INFO_INDEX, HOST_LE),
    priority: view.getUint32(o + X.OFF_XFRM_USERPOLICY_INFO_PRIORITY, HOST_LE),
    ptype: 'main', share: SHARE_NAME.get(share) ?? 'other', flags: names(POLICY_FLAGS, flagBits), flagBits,
    lifetime: decodeLifetime(view, o + X.OFF_XFRM_USERPOLICY_INFO_LFT), current: decodeCurrent(view, o + X.OFF_XFRM_USERPOLICY_INFO_CURLFT),
    templates: [], unknown: NO_ATTRS,
  };
  let unknown: RawAttribute[] | undefined;
  {
    walkAttrs(view, attrs, off + len, POLICY_PATH, (type, a, l) => {
      switch (type) {
        case X.XFRMA_POLICY: break; // the struct itself (a delete event's), read above
        case X.XFRMA_TMPL: p.templates = decodeTemplates(buf, view, a, l); break;
        case X.XFRMA_MARK:
          need(l, X.SIZEOF_XFRM_MARK, 'xfrm_mark', POLICY_PATH, a);
          p.mark = { value: view.getUint32(a + X.OFF_XFRM_MARK_V, HOST_LE), mask: view.getUint32(a + X.OFF_XFRM_MARK_M, HOST_LE) };
          break;
        case X.XFRMA_IF_ID: need(l, 4, 'XFRMA_IF_ID', POLICY_PATH, a); p.ifId = view.getUint32(a, HOST_LE); break;
        case X.XFRMA_POLICY_TYPE: {
          need(l, X.SIZEOF_XFRM_USERPOLICY_TYPE, 'xfrm_userpolicy_type', POLICY_PATH, a);
          const t = buf[a + X.OFF_XFRM_USERPOLICY_TYPE_TYPE]!;
          p.ptype = t === X.XFRM_POLICY_TYPE_MAIN ? 'main' : t === X.XFRM_POLICY_TYPE_SUB ? 'sub' : 'other';
          break;
        }
        default: (unknown ??= []).push({ type, value: copyBytes(buf, a, a + l) });
      }
    });
  }
  if (unknown) p.unknown = unknown;
  return p;
}

function decodeTemplates(buf: Buffer, v: DataView, a: number, l: number): XfrmTemplate[] {
  const out: XfrmTemplate[] = [];
  for (let t = a; t + X.SIZEOF_XFRM_USER_TMPL <= a + l; t += X.SIZEOF_XFRM_USER_TMPL) {
    const family = v.getUint16(t + X.OFF_XFRM_USER_TMPL_FAMILY, HOST_LE);
    const id = t + X.OFF_XFRM_USER_TMPL_ID;
    const proto = buf[id + X.OFF_XFRM_ID_PROTO]!;
    const mode = buf[t + X.OFF_XFRM_USER_TMPL_MODE]!;
    const share = buf[t + X.OFF_XFRM_USER_TMPL_SHARE]!;
    out.push({
      family: fam(family), src: readAddr(buf, t + X.OFF_XFRM_USER_TMPL_SADDR, family), dst: readAddr(buf, id + X.OFF_XFRM_ID_DADDR, family),
      proto: PROTO_NAME.get(proto) ?? 'other', protoNumber: proto, spi: v.getUint32(id + X.OFF_XFRM_ID_SPI, false),
      reqid: v.getUint32(t + X.OFF_XFRM_USER_TMPL_REQID, HOST_LE), mode: MODE_NAME.get(mode) ?? 'other', modeNumber: mode,
      level: buf[t + X.OFF_XFRM_USER_TMPL_OPTIONAL] ? 'use' : 'required', share: SHARE_NAME.get(share) ?? 'other',
      aalgos: v.getUint32(t + X.OFF_XFRM_USER_TMPL_AALGOS, HOST_LE), ealgos: v.getUint32(t + X.OFF_XFRM_USER_TMPL_EALGOS, HOST_LE),
      calgos: v.getUint32(t + X.OFF_XFRM_USER_TMPL_CALGOS, HOST_LE),
    });
  }
  return out;
}

/** A decoded xfrm_encap_tmpl (XFRMA_ENCAP of a state or a MIGRATE). */
export interface XfrmEncap {
  /** The encapsulation by name, or 'other' (see typeNumber). */
  readonly type: XfrmEncapType | 'other';
  /** UDP_ENCAP_* / TCP_ENCAP_*. */
  readonly typeNumber: number;
  /** Source port (host order). */
  readonly sport: number;
  /** Destination port. */
  readonly dport: number;
  /** The original address (NAT-OA). */
  readonly oa: string;
}

function decodeEncap(buf: Buffer, view: DataView, a: number, l: number, family: number, path: readonly string[]): XfrmEncap {
  need(l, X.SIZEOF_XFRM_ENCAP_TMPL, 'xfrm_encap_tmpl', path, a);
  const t = view.getUint16(a + X.OFF_XFRM_ENCAP_TMPL_ENCAP_TYPE, HOST_LE);
  return {
    type: ENCAP_NAME.get(t) ?? 'other', typeNumber: t, sport: view.getUint16(a + X.OFF_XFRM_ENCAP_TMPL_ENCAP_SPORT, false),
    dport: view.getUint16(a + X.OFF_XFRM_ENCAP_TMPL_ENCAP_DPORT, false), oa: readAddr(buf, a + X.OFF_XFRM_ENCAP_TMPL_ENCAP_OA, family),
  };
}

function cstr(buf: Buffer, o: number, max: number): string {
  const nul = buf.indexOf(0, o);
  return buf.toString('utf8', o, nul >= 0 && nul < o + max ? nul : o + max);
}

/** @internal An XFRM_MSG_NEWSA (a dump part, a GET's reply, a NEWSA request, an event) as an XfrmState; `at` and `attrs` as decodePolicy's. */
export function decodeState(buf: Buffer, view: DataView, off: number, len: number, at = off + NLMSG_HDRLEN, attrs = at + X.SIZEOF_XFRM_USERSA_INFO): XfrmState {
  const o = at;
  need(off + len - at, X.SIZEOF_XFRM_USERSA_INFO, 'xfrm_usersa_info', STATE_PATH, o);
  const family = view.getUint16(o + X.OFF_XFRM_USERSA_INFO_FAMILY, HOST_LE);
  const id = o + X.OFF_XFRM_USERSA_INFO_ID;
  const proto = buf[id + X.OFF_XFRM_ID_PROTO]!;
  const mode = buf[o + X.OFF_XFRM_USERSA_INFO_MODE]!;
  const flagBits = buf[o + X.OFF_XFRM_USERSA_INFO_FLAGS]!;
  const st = o + X.OFF_XFRM_USERSA_INFO_STATS;
  const s: Mutable<XfrmState> = {
    family: fam(family), src: readAddr(buf, o + X.OFF_XFRM_USERSA_INFO_SADDR, family), dst: readAddr(buf, id + X.OFF_XFRM_ID_DADDR, family),
    proto: PROTO_NAME.get(proto) ?? 'other', protoNumber: proto, spi: view.getUint32(id + X.OFF_XFRM_ID_SPI, false),
    reqid: view.getUint32(o + X.OFF_XFRM_USERSA_INFO_REQID, HOST_LE), mode: MODE_NAME.get(mode) ?? 'other', modeNumber: mode,
    replayWindow: buf[o + X.OFF_XFRM_USERSA_INFO_REPLAY_WINDOW]!, seq: view.getUint32(o + X.OFF_XFRM_USERSA_INFO_SEQ, HOST_LE),
    flags: names(STATE_FLAGS, flagBits), flagBits,
    selector: decodeSelector(buf, view, o + X.OFF_XFRM_USERSA_INFO_SEL, family),
    lifetime: decodeLifetime(view, o + X.OFF_XFRM_USERSA_INFO_LFT), current: decodeCurrent(view, o + X.OFF_XFRM_USERSA_INFO_CURLFT),
    stats: {
      replayWindow: view.getUint32(st + X.OFF_XFRM_STATS_REPLAY_WINDOW, HOST_LE), replay: view.getUint32(st + X.OFF_XFRM_STATS_REPLAY, HOST_LE),
      integrityFailed: view.getUint32(st + X.OFF_XFRM_STATS_INTEGRITY_FAILED, HOST_LE),
    },
    algorithms: {}, unknown: NO_ATTRS,
  };
  const algos: Mutable<XfrmState['algorithms']> = {};
  let unknown: RawAttribute[] | undefined;
  // alg_key_len is in bits; the key must lie inside the attribute (the kernel's
  // xfrm_alg_len), else the bytes after it (the next attribute) would be read as key.
  let attrLen = 0;
  const key = (a: number, fixed: number): Uint8Array => {
    const n = Math.ceil(view.getUint32(a + X.OFF_XFRM_ALGO_ALG_KEY_LEN, HOST_LE) / 8);
    need(attrLen, fixed + n, 'algorithm key (alg_key_len)', STATE_PATH, a);
    return copyBytes(buf, a + fixed, a + fixed + n);
  };
  walkAttrs(view, attrs, off + len, STATE_PATH, (type, a, l) => {
    attrLen = l;
    switch (type) {
      case X.XFRMA_SA: break; // the struct itself (a delete event's), read above
      case X.XFRMA_ALG_AEAD:
        need(l, X.SIZEOF_XFRM_ALGO_AEAD, 'xfrm_algo_aead', STATE_PATH, a);
        algos.aead = { name: cstr(buf, a, 64), key: key(a, X.SIZEOF_XFRM_ALGO_AEAD), icvLen: view.getUint32(a + X.OFF_XFRM_ALGO_AEAD_ALG_ICV_LEN, HOST_LE) };
        break;
      case X.XFRMA_ALG_CRYPT:
        need(l, X.SIZEOF_XFRM_ALGO, 'xfrm_algo', STATE_PATH, a);
        algos.crypt = { name: cstr(buf, a, 64), key: key(a, X.SIZEOF_XFRM_ALGO) };
        break;
      case X.XFRMA_ALG_AUTH_TRUNC:
        need(l, X.SIZEOF_XFRM_ALGO_AUTH, 'xfrm_algo_auth', STATE_PATH, a);
        algos.auth = { name: cstr(buf, a, 64), key: key(a, X.SIZEOF_XFRM_ALGO_AUTH), truncLen: view.getUint32(a + X.OFF_XFRM_ALGO_AUTH_ALG_TRUNC_LEN, HOST_LE) };
        break;
      case X.XFRMA_ALG_AUTH:
        // The kernel sends both XFRMA_ALG_AUTH and XFRMA_ALG_AUTH_TRUNC; the truncated one carries the length.
        need(l, X.SIZEOF_XFRM_ALGO, 'xfrm_algo', STATE_PATH, a);
        if (!algos.auth) algos.auth = { name: cstr(buf, a, 64), key: key(a, X.SIZEOF_XFRM_ALGO) };
        break;
      case X.XFRMA_ALG_COMP:
        need(l, X.SIZEOF_XFRM_ALGO, 'xfrm_algo', STATE_PATH, a);
        algos.comp = { name: cstr(buf, a, 64) };
        break;
      case X.XFRMA_ENCAP: s.encap = decodeEncap(buf, view, a, l, family, STATE_PATH); break;
      case X.XFRMA_MARK:
        need(l, X.SIZEOF_XFRM_MARK, 'xfrm_mark', STATE_PATH, a);
        s.mark = { value: view.getUint32(a + X.OFF_XFRM_MARK_V, HOST_LE), mask: view.getUint32(a + X.OFF_XFRM_MARK_M, HOST_LE) };
        break;
      case X.XFRMA_IF_ID: need(l, 4, 'XFRMA_IF_ID', STATE_PATH, a); s.ifId = view.getUint32(a, HOST_LE); break;
      case X.XFRMA_SET_MARK: need(l, 4, 'XFRMA_SET_MARK', STATE_PATH, a); s.outputMark = { value: view.getUint32(a, HOST_LE), mask: s.outputMark?.mask ?? 0xffffffff }; break;
      case X.XFRMA_SET_MARK_MASK: need(l, 4, 'XFRMA_SET_MARK_MASK', STATE_PATH, a); s.outputMark = { value: s.outputMark?.value ?? 0, mask: view.getUint32(a, HOST_LE) }; break;
      case X.XFRMA_SA_EXTRA_FLAGS: need(l, 4, 'XFRMA_SA_EXTRA_FLAGS', STATE_PATH, a); s.extraFlags = names(EXTRA_FLAGS, view.getUint32(a, HOST_LE)); break;
      case X.XFRMA_TFCPAD: need(l, 4, 'XFRMA_TFCPAD', STATE_PATH, a); s.tfcpad = view.getUint32(a, HOST_LE); break;
      case X.XFRMA_LASTUSED: need(l, 8, 'XFRMA_LASTUSED', STATE_PATH, a); s.lastUsed = view.getBigUint64(a, HOST_LE); break;
      case X.XFRMA_COADDR: need(l, family === X.AF_INET6 ? 16 : 4, 'XFRMA_COADDR', STATE_PATH, a); s.coa = readAddr(buf, a, family); break;
      case X.XFRMA_REPLAY_VAL:
        need(l, X.SIZEOF_XFRM_REPLAY_STATE, 'xfrm_replay_state', STATE_PATH, a);
        s.replay = { oseq: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_OSEQ, HOST_LE), seq: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_SEQ, HOST_LE), bitmap: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_BITMAP, HOST_LE) };
        break;
      case X.XFRMA_REPLAY_ESN_VAL: s.replayEsn = decodeReplayEsn(view, a, l, STATE_PATH); break;
      default: (unknown ??= []).push({ type, value: copyBytes(buf, a, a + l) });
    }
  });
  s.algorithms = algos;
  if (unknown) s.unknown = unknown;
  return s;
}

// ---------------------------------------------------------------------------------------
// Policy defaults, and the messages a key manager answers (ACQUIRE) or follows (REPORT,
// MAPPING, MIGRATE), as net/xfrm/xfrm_user.c builds them (build_acquire, build_report,
// build_mapping, build_migrate, xfrm_notify_userpolicy).

/** What the kernel does with a packet no policy of its direction matches: `ip xfrm policy setdefault DIR ACTION`. */
export type XfrmDefaultAction = 'accept' | 'block';

/** The default action of each direction (`ip xfrm policy getdefault`). */
export interface XfrmPolicyDefaults {
  /** Incoming packets for this host. */
  readonly in: XfrmDefaultAction;
  /** Forwarded packets. */
  readonly fwd: XfrmDefaultAction;
  /** Outgoing packets. */
  readonly out: XfrmDefaultAction;
}

const DEFAULT_PATH = ['xfrm policy defaults'];

/** @internal struct xfrm_userpolicy_default at `o` (XFRM_USERPOLICY_BLOCK or _ACCEPT per direction: the only values the kernel stores). */
export function decodeDefaults(buf: Buffer, o: number, avail: number): XfrmPolicyDefaults {
  need(avail, X.SIZEOF_XFRM_USERPOLICY_DEFAULT, 'xfrm_userpolicy_default', DEFAULT_PATH, o);
  const one = (field: number, name: string): XfrmDefaultAction => {
    const v = buf[o + field]!;
    if (v === X.XFRM_USERPOLICY_BLOCK) return 'block';
    if (v === X.XFRM_USERPOLICY_ACCEPT) return 'accept';
    throw new DecodeError(`xfrm_userpolicy_default.${name} is ${v}, neither XFRM_USERPOLICY_BLOCK nor XFRM_USERPOLICY_ACCEPT`, DEFAULT_PATH, o + field, 1, 1);
  };
  return { in: one(X.OFF_XFRM_USERPOLICY_DEFAULT_IN, 'in'), fwd: one(X.OFF_XFRM_USERPOLICY_DEFAULT_FWD, 'fwd'), out: one(X.OFF_XFRM_USERPOLICY_DEFAULT_OUT, 'out') };
}

const DEFAULT_KEYS: ReadonlySet<string> = new Set(['in', 'fwd', 'out']);

/** @internal The XFRM_USERPOLICY_* of each direction for a setdefault (UNSPEC: left as it is); refuses an empty or bad object. */
export function checkDefaults(v: unknown, arg: string): Uint8Array {
  checkObject(v, arg, DEFAULT_KEYS);
  const d = v as Partial<XfrmPolicyDefaults>;
  const out = new Uint8Array(3);
  let any = false;
  for (const [i, k] of (['in', 'fwd', 'out'] as const).entries()) {
    const a = d[k];
    if (a === undefined) continue;
    if (a !== 'accept' && a !== 'block') throw new InvalidArgumentError(`${arg}.${k}`, `expected 'accept' or 'block', got ${showValue(a)}`);
    out[i] = a === 'block' ? X.XFRM_USERPOLICY_BLOCK : X.XFRM_USERPOLICY_ACCEPT;
    any = true;
  }
  if (!any) throw new InvalidArgumentError(arg, "expected at least one of 'in', 'fwd', 'out'");
  return out;
}

/**
 * A kernel's request for a state (XFRM_MSG_ACQUIRE): a packet matched a policy of
 * direction out whose template no state fulfils. The kernel holds a larval state for it
 * (`ip xfrm state` lists it with SPI 0 and this seq) until a key manager completes it —
 * `xf.state.allocSpi({ …, seq })`, then `xf.state.update(…)` with the negotiated keys —
 * or `net.core.xfrm_acq_expires` seconds pass (30 by default; then an expire-state event).
 * The packet that caused it is dropped (`net.core.xfrm_larval_drop`, 1 by default).
 */
export interface XfrmAcquire {
  /** The acquire's sequence number: give it as `seq` to allocSpi or state.add to complete the larval state. */
  readonly seq: number;
  /** 4 or 6: the family of src and dst, the template's the kernel asked for (found among the policy's templates by protocol and addresses; the selector's when none has the protocol). */
  readonly family: 4 | 6;
  /** The state's source: the template's tunnel source; for a tunnel template without one, the source address of the kernel's route to dst (xfrm_get_saddr), not the packet's; in transport mode, the packet's source. */
  readonly src: string;
  /** The state's destination: the template's, or, in transport mode, the packet's destination. */
  readonly dst: string;
  /** The IPsec protocol asked for, or 'other' (see protoNumber). */
  readonly proto: XfrmProto | 'other';
  /** Its IPPROTO number. */
  readonly protoNumber: number;
  /** The SPI the template requires (0: any). */
  readonly spi: number;
  /** The packet's flow: its addresses (full length), protocol, ports and device — the larval state's selector. */
  readonly selector: XfrmSelector;
  /** The policy that matched, with its templates, mark, if_id and type (the attributes after the struct; ones nlkit does not decode in its `unknown`). */
  readonly policy: XfrmPolicy;
  /**
   * The template of `policy` the kernel asks a state for (its reqid and mode are the larval
   * state's): the message does not say which, so it is the one of this protocol whose
   * addresses are src/dst, else one without addresses, else the first of the protocol;
   * undefined when no template has the protocol.
   */
  readonly template?: XfrmTemplate | undefined;
  /** The template's allowed authentication algorithms (`auth-mask`). */
  readonly aalgos: number;
  /** Encryption algorithms (`enc-mask`). */
  readonly ealgos: number;
  /** Compression algorithms (`comp-mask`). */
  readonly calgos: number;
}

const EVENT_PATH = ['xfrm event'];

/** @internal An XFRM_MSG_ACQUIRE at `off`. */
export function decodeAcquire(buf: Buffer, view: DataView, off: number, len: number): XfrmAcquire {
  const o = off + NLMSG_HDRLEN;
  need(len - NLMSG_HDRLEN, X.SIZEOF_XFRM_USER_ACQUIRE, 'xfrm_user_acquire', EVENT_PATH, o);
  const policy = decodePolicy(buf, view, off, len, o + X.OFF_XFRM_USER_ACQUIRE_POLICY, o + X.SIZEOF_XFRM_USER_ACQUIRE);
  const selector = decodeSelector(buf, view, o + X.OFF_XFRM_USER_ACQUIRE_SEL, policy.selector.family === 6 ? X.AF_INET6 : X.AF_INET);
  const id = o + X.OFF_XFRM_USER_ACQUIRE_ID;
  const proto = buf[id + X.OFF_XFRM_ID_PROTO]!;
  const spi = view.getUint32(id + X.OFF_XFRM_ID_SPI, false);
  // xfrm_user_acquire has no family of its own: the state's is its template's
  // (xfrm_init_tempstate: x->props.family = tmpl->encap_family), and the message does not
  // say which template: the kernel asks for the first one without a valid state, which need
  // not be the first of its protocol (an IPv6 and an IPv4 esp tunnel nested). So the
  // template is the one whose addresses are the acquire's (x->id = tmpl->id, x->props.saddr
  // = tmpl->saddr where the template has them); failing that one without addresses
  // (transport mode: the packet's), then the first of the protocol.
  const cands = policy.templates.filter((t) => t.protoNumber === proto && (t.spi === 0 || t.spi === spi));
  const daddr = id + X.OFF_XFRM_ID_DADDR;
  const saddr = o + X.OFF_XFRM_USER_ACQUIRE_SADDR;
  const isAny = (a: string): boolean => a === '0.0.0.0' || a === '::';
  const af = (t: XfrmTemplate): number => (t.family === 6 ? X.AF_INET6 : X.AF_INET);
  const tmpl = cands.find((t) => (!isAny(t.dst) || !isAny(t.src)) && (isAny(t.dst) || readAddr(buf, daddr, af(t)) === t.dst) && (isAny(t.src) || readAddr(buf, saddr, af(t)) === t.src))
    ?? cands.find((t) => isAny(t.dst) && isAny(t.src)) ?? cands[0];
  const family = tmpl ? af(tmpl) : (selector.family === 6 ? X.AF_INET6 : X.AF_INET);
  return {
    seq: view.getUint32(o + X.OFF_XFRM_USER_ACQUIRE_SEQ, HOST_LE), family: fam(family),
    src: readAddr(buf, saddr, family), dst: readAddr(buf, daddr, family),
    proto: PROTO_NAME.get(proto) ?? 'other', protoNumber: proto, spi, selector, policy, template: tmpl,
    aalgos: view.getUint32(o + X.OFF_XFRM_USER_ACQUIRE_AALGOS, HOST_LE), ealgos: view.getUint32(o + X.OFF_XFRM_USER_ACQUIRE_EALGOS, HOST_LE),
    calgos: view.getUint32(o + X.OFF_XFRM_USER_ACQUIRE_CALGOS, HOST_LE),
  };
}

/** A report (XFRM_MSG_REPORT): a Mobile IPv6 packet the kernel refused (route optimisation), for the mobility daemon. */
export interface XfrmReport {
  /** The protocol of the state it concerns (route2 or hao), or 'other'. */
  readonly proto: XfrmProto | 'other';
  /** Its IPPROTO number. */
  readonly protoNumber: number;
  /** The packet's flow. */
  readonly selector: XfrmSelector;
  /** The care-of address (XFRMA_COADDR), when the kernel gives one. */
  readonly coa?: string | undefined;
  /** Attributes nlkit does not decode, kept raw. */
  readonly unknown: readonly RawAttribute[];
}

/** @internal An XFRM_MSG_REPORT at `off`. */
export function decodeReport(buf: Buffer, view: DataView, off: number, len: number): XfrmReport {
  const o = off + NLMSG_HDRLEN;
  need(len - NLMSG_HDRLEN, X.SIZEOF_XFRM_USER_REPORT, 'xfrm_user_report', EVENT_PATH, o);
  const proto = buf[o + X.OFF_XFRM_USER_REPORT_PROTO]!;
  const selector = decodeSelector(buf, view, o + X.OFF_XFRM_USER_REPORT_SEL);
  const family = selector.family === 6 ? X.AF_INET6 : X.AF_INET;
  const r: Mutable<XfrmReport> = { proto: PROTO_NAME.get(proto) ?? 'other', protoNumber: proto, selector, unknown: NO_ATTRS };
  let unknown: RawAttribute[] | undefined;
  walkAttrs(view, o + X.SIZEOF_XFRM_USER_REPORT, off + len, EVENT_PATH, (type, a, l) => {
    if (type === X.XFRMA_COADDR) {
      need(l, family === X.AF_INET6 ? 16 : 4, 'XFRMA_COADDR', EVENT_PATH, a);
      r.coa = readAddr(buf, a, family);
    } else (unknown ??= []).push({ type, value: copyBytes(buf, a, a + l) });
  });
  if (unknown) r.unknown = unknown;
  return r;
}

/** A NAT mapping change (XFRM_MSG_MAPPING): an ESP-in-UDP state's peer now sends from another address or port (a NAT rebinding), for the key manager to follow. */
export interface XfrmMapping {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The state's destination. */
  readonly dst: string;
  /** Its SPI (host order). */
  readonly spi: number;
  /** Its protocol (esp), or 'other'. */
  readonly proto: XfrmProto | 'other';
  /** Its IPPROTO number. */
  readonly protoNumber: number;
  /** Its reqid. */
  readonly reqid: number;
  /** The peer's address and UDP source port before. */
  readonly old: { readonly address: string; readonly port: number };
  /** And now. */
  readonly new: { readonly address: string; readonly port: number };
}

/** @internal An XFRM_MSG_MAPPING at `off`. */
export function decodeMapping(buf: Buffer, view: DataView, off: number, len: number): XfrmMapping {
  const o = off + NLMSG_HDRLEN;
  need(len - NLMSG_HDRLEN, X.SIZEOF_XFRM_USER_MAPPING, 'xfrm_user_mapping', EVENT_PATH, o);
  const id = o + X.OFF_XFRM_USER_MAPPING_ID;
  const family = view.getUint16(id + X.OFF_XFRM_USERSA_ID_FAMILY, HOST_LE);
  const proto = buf[id + X.OFF_XFRM_USERSA_ID_PROTO]!;
  return {
    family: fam(family), dst: readAddr(buf, id + X.OFF_XFRM_USERSA_ID_DADDR, family), spi: view.getUint32(id + X.OFF_XFRM_USERSA_ID_SPI, false),
    proto: PROTO_NAME.get(proto) ?? 'other', protoNumber: proto, reqid: view.getUint32(o + X.OFF_XFRM_USER_MAPPING_REQID, HOST_LE),
    old: { address: readAddr(buf, o + X.OFF_XFRM_USER_MAPPING_OLD_SADDR, family), port: view.getUint16(o + X.OFF_XFRM_USER_MAPPING_OLD_SPORT, false) },
    new: { address: readAddr(buf, o + X.OFF_XFRM_USER_MAPPING_NEW_SADDR, family), port: view.getUint16(o + X.OFF_XFRM_USER_MAPPING_NEW_SPORT, false) },
  };
}

/** One state's move in a {@link XfrmMigrate}: its tunnel endpoints before and after. */
export interface XfrmMigration {
  /** The protocol by name, or 'other'. */
  readonly proto: XfrmProto | 'other';
  /** Its IPPROTO number. */
  readonly protoNumber: number;
  /** The mode by name, or 'other'. */
  readonly mode: XfrmMode | 'other';
  /** XFRM_MODE_*. */
  readonly modeNumber: number;
  /** The reqid. */
  readonly reqid: number;
  /** The endpoints before. */
  readonly old: { readonly family: 4 | 6; readonly src: string; readonly dst: string };
  /** After. */
  readonly new: { readonly family: 4 | 6; readonly src: string; readonly dst: string };
}

/**
 * A migration (XFRM_MSG_MIGRATE, MOBIKE / Mobile IPv6): a policy's templates and the
 * states that fulfil them moved to new tunnel endpoints. Kernels before the change that
 * gave xfrm_send_migrate its namespace multicast these in the initial network namespace
 * whichever namespace migrated; this one (6.18) in the namespace's own.
 */
export interface XfrmMigrate {
  /** The policy's selector. */
  readonly selector: XfrmSelector;
  /** Its direction, or 'other' (see dirNumber). */
  readonly dir: XfrmDir | 'other';
  /** XFRM_POLICY_IN/OUT/FWD. */
  readonly dirNumber: number;
  /** main or sub. */
  readonly ptype: 'main' | 'sub' | 'other';
  /** The moves, in order. */
  readonly migrations: readonly XfrmMigration[];
  /** The key manager's addresses to negotiate from (XFRMA_KMADDRESS), when given. */
  readonly kmaddress?: { readonly family: 4 | 6; readonly local: string; readonly remote: string } | undefined;
  /** The new encapsulation (XFRMA_ENCAP), when given. */
  readonly encap?: XfrmEncap | undefined;
  /** Attributes nlkit does not decode, kept raw. */
  readonly unknown: readonly RawAttribute[];
}

/** @internal An XFRM_MSG_MIGRATE at `off`. */
export function decodeMigrate(buf: Buffer, view: DataView, off: number, len: number): XfrmMigrate {
  const o = off + NLMSG_HDRLEN;
  need(len - NLMSG_HDRLEN, X.SIZEOF_XFRM_USERPOLICY_ID, 'xfrm_userpolicy_id', EVENT_PATH, o);
  const dirNumber = buf[o + X.OFF_XFRM_USERPOLICY_ID_DIR]!;
  const m: Mutable<XfrmMigrate> = {
    selector: decodeSelector(buf, view, o + X.OFF_XFRM_USERPOLICY_ID_SEL), dir: DIR_NAME.get(dirNumber) ?? 'other', dirNumber,
    ptype: 'main', migrations: [], unknown: NO_ATTRS,
  };
  const migrations: XfrmMigration[] = [];
  let unknown: RawAttribute[] | undefined;
  let encapAt = -1;
  let encapLen = 0;
  walkAttrs(view, o + X.SIZEOF_XFRM_USERPOLICY_ID, off + len, EVENT_PATH, (type, a, l) => {
    switch (type) {
      case X.XFRMA_MIGRATE:
        // build_migrate puts one attribute per move; the request (and copy_from_user_migrate) an array in one.
        need(l, X.SIZEOF_XFRM_USER_MIGRATE, 'xfrm_user_migrate', EVENT_PATH, a);
        if (l % X.SIZEOF_XFRM_USER_MIGRATE !== 0) throw new DecodeError(`XFRMA_MIGRATE of ${l} bytes is not a whole number of xfrm_user_migrate (${X.SIZEOF_XFRM_USER_MIGRATE})`, EVENT_PATH, a, X.SIZEOF_XFRM_USER_MIGRATE * Math.ceil(l / X.SIZEOF_XFRM_USER_MIGRATE), l);
        for (let u = a; u + X.SIZEOF_XFRM_USER_MIGRATE <= a + l; u += X.SIZEOF_XFRM_USER_MIGRATE) {
          const of = view.getUint16(u + X.OFF_XFRM_USER_MIGRATE_OLD_FAMILY, HOST_LE);
          const nf = view.getUint16(u + X.OFF_XFRM_USER_MIGRATE_NEW_FAMILY, HOST_LE);
          const proto = buf[u + X.OFF_XFRM_USER_MIGRATE_PROTO]!;
          const mode = buf[u + X.OFF_XFRM_USER_MIGRATE_MODE]!;
          migrations.push({
            proto: PROTO_NAME.get(proto) ?? 'other', protoNumber: proto, mode: MODE_NAME.get(mode) ?? 'other', modeNumber: mode,
            reqid: view.getUint32(u + X.OFF_XFRM_USER_MIGRATE_REQID, HOST_LE),
            old: { family: fam(of), src: readAddr(buf, u + X.OFF_XFRM_USER_MIGRATE_OLD_SADDR, of), dst: readAddr(buf, u + X.OFF_XFRM_USER_MIGRATE_OLD_DADDR, of) },
            new: { family: fam(nf), src: readAddr(buf, u + X.OFF_XFRM_USER_MIGRATE_NEW_SADDR, nf), dst: readAddr(buf, u + X.OFF_XFRM_USER_MIGRATE_NEW_DADDR, nf) },
          });
        }
        break;
      case X.XFRMA_KMADDRESS: {
        need(l, X.SIZEOF_XFRM_USER_KMADDRESS, 'xfrm_user_kmaddress', EVENT_PATH, a);
        const f = view.getUint16(a + X.OFF_XFRM_USER_KMADDRESS_FAMILY, HOST_LE);
        m.kmaddress = { family: fam(f), local: readAddr(buf, a + X.OFF_XFRM_USER_KMADDRESS_LOCAL, f), remote: readAddr(buf, a + X.OFF_XFRM_USER_KMADDRESS_REMOTE, f) };
        break;
      }
      case X.XFRMA_ENCAP: encapAt = a; encapLen = l; break;
      case X.XFRMA_POLICY_TYPE: {
        need(l, X.SIZEOF_XFRM_USERPOLICY_TYPE, 'xfrm_userpolicy_type', EVENT_PATH, a);
        const t = buf[a + X.OFF_XFRM_USERPOLICY_TYPE_TYPE]!;
        m.ptype = t === X.XFRM_POLICY_TYPE_MAIN ? 'main' : t === X.XFRM_POLICY_TYPE_SUB ? 'sub' : 'other';
        break;
      }
      default: (unknown ??= []).push({ type, value: copyBytes(buf, a, a + l) });
    }
  });
  // The encapsulation's original address is of the new endpoints' family.
  if (encapAt >= 0) m.encap = decodeEncap(buf, view, encapAt, encapLen, migrations[0]?.new.family === 6 ? X.AF_INET6 : X.AF_INET, EVENT_PATH);
  m.migrations = migrations;
  if (unknown) m.unknown = unknown;
  return m;
}

/** One move of a {@link XfrmMigrateSpec}: the templates (and states) with these endpoints, protocol, mode and reqid get the new endpoints. */
export interface XfrmMigrationSpec {
  /** Defaults to 'esp'. */
  readonly proto?: XfrmProto | undefined;
  /** Defaults to 'tunnel' (a transport template has no endpoints: it matches by proto and mode alone). */
  readonly mode?: XfrmMode | undefined;
  /** The reqid to match (0, the default: any). */
  readonly reqid?: number | undefined;
  /** The tunnel's endpoints now. */
  readonly old: { readonly src: string; readonly dst: string };
  /** Its new endpoints (either family). */
  readonly new: { readonly src: string; readonly dst: string };
}

/** A migration to ask of the kernel: {@link XfrmPolicies.migrate}. */
export interface XfrmMigrateSpec {
  /**
   * The policy's selector. Since Linux 6.12 the kernel finds the policy as a packet would
   * (xfrm_migrate_policy_find uses xfrm_policy_lookup_bytype): the highest-priority policy
   * of this dir, type and if_id, with no mark, that a packet from the selector's source
   * address to its destination address (and proto, ports and dev, when proto is given)
   * matches — a broader policy of higher priority is the one migrated, and prefix lengths
   * are not compared. Older kernels compare the selector itself.
   */
  readonly selector: XfrmSelectorSpec;
  /** Its direction. */
  readonly dir: XfrmDir;
  /** Its type. Defaults to main. */
  readonly ptype?: 'main' | 'sub' | undefined;
  /** Its if_id, when it has one: since 6.12 it must equal the policy's (0, the default, finds only policies without one). */
  readonly ifId?: number | undefined;
  /** The moves, 1 to 6 (the kernel's XFRM_MAX_DEPTH), no two with the same old endpoints, proto, mode and reqid. */
  readonly migrations: readonly XfrmMigrationSpec[];
  /** The key manager's addresses to tell listeners (XFRMA_KMADDRESS). */
  readonly kmaddress?: { readonly local: string; readonly remote: string } | undefined;
  /** A new ESP-in-UDP encapsulation of the states moved (XFRMA_ENCAP). */
  readonly encap?: XfrmEncapSpec | undefined;
}

/** @internal */
export interface CheckedMigrate {
  sel: CheckedSelector;
  dir: number;
  ptype: number | undefined;
  ifId: number | undefined;
  moves: { proto: number; mode: number; reqid: number; oldFamily: 4 | 6; oldSrc: Uint8Array; oldDst: Uint8Array; newFamily: 4 | 6; newSrc: Uint8Array; newDst: Uint8Array }[];
  km: { family: 4 | 6; local: Uint8Array; remote: Uint8Array } | undefined;
  encap: CheckedEncap | undefined;
}

const MIGRATE_KEYS: ReadonlySet<string> = new Set(['selector', 'dir', 'ptype', 'ifId', 'migrations', 'kmaddress', 'encap']);
const MOVE_KEYS: ReadonlySet<string> = new Set(['proto', 'mode', 'reqid', 'old', 'new']);
const ENDPOINT_KEYS: ReadonlySet<string> = new Set(['src', 'dst']);
const KM_KEYS: ReadonlySet<string> = new Set(['local', 'remote']);

function endpoints(v: unknown, arg: string, notAny: boolean): { family: 4 | 6; src: Uint8Array; dst: Uint8Array } {
  checkObject(v, arg, ENDPOINT_KEYS);
  const e = v as { src: string; dst: string };
  const src = parseIp(e.src, `${arg}.src`);
  const dst = parseIp(e.dst, `${arg}.dst`);
  if (src.family !== dst.family) throw new InvalidArgumentError(arg, `src ${e.src} is IPv${src.family} but dst ${e.dst} is IPv${dst.family}`);
  // xfrm_migrate_check: "Addresses in the MIGRATE attribute's list cannot be null".
  if (notAny) for (const [k, a] of [['src', src], ['dst', dst]] as const) if (a.bytes.every((b) => b === 0)) throw new InvalidArgumentError(`${arg}.${k}`, 'a new endpoint cannot be the any address');
  return { family: src.family, src: src.bytes, dst: dst.bytes };
}

/** @internal */
export function checkMigrate(v: unknown, arg: string): CheckedMigrate {
  checkObject(v, arg, MIGRATE_KEYS);
  const s = v as XfrmMigrateSpec;
  const sel = checkSelector(s.selector, `${arg}.selector`);
  const dir = checkDir(s.dir, `${arg}.dir`);
  if (!Array.isArray(s.migrations) || s.migrations.length === 0 || s.migrations.length > 6) {
    throw new InvalidArgumentError(`${arg}.migrations`, `expected 1 to 6 moves (the kernel's XFRM_MAX_DEPTH), got ${Array.isArray(s.migrations) ? `${s.migrations.length}` : showValue(s.migrations)}`);
  }
  const moves = s.migrations.map((m: XfrmMigrationSpec, i: number) => {
    const a = `${arg}.migrations[${i}]`;
    checkObject(m, a, MOVE_KEYS);
    const old = endpoints(m.old, `${a}.old`, false);
    const nu = endpoints(m.new, `${a}.new`, true);
    return {
      proto: m.proto === undefined ? X.IPPROTO_ESP : pick(PROTOS, m.proto, `${a}.proto`, 'proto'),
      mode: m.mode === undefined ? X.XFRM_MODE_TUNNEL : pick(MODES, m.mode, `${a}.mode`, 'mode'),
      reqid: m.reqid === undefined ? 0 : checkUint(m.reqid, `${a}.reqid`, 0xffffffff),
      oldFamily: old.family, oldSrc: old.src, oldDst: old.dst, newFamily: nu.family, newSrc: nu.src, newDst: nu.dst,
    };
  });
  // xfrm_migrate_check: "Entries in the MIGRATE attribute's list must be unique": the same
  // old endpoints (and family), proto, mode and reqid. Moves of the same endpoints that differ
  // in one of these (an AH and an ESP template of one tunnel) are what MOBIKE sends.
  const key = (m: (typeof moves)[number]): string => `${Buffer.from(m.oldSrc).toString('hex')}/${Buffer.from(m.oldDst).toString('hex')}/${m.proto}/${m.mode}/${m.reqid}`;
  for (let i = 0; i < moves.length; i++) {
    for (let j = i + 1; j < moves.length; j++) {
      if (key(moves[i]!) === key(moves[j]!)) throw new InvalidArgumentError(`${arg}.migrations[${j}]`, `the same old endpoints, proto, mode and reqid as migrations[${i}]: the kernel wants each move unique`);
    }
  }
  let km: CheckedMigrate['km'];
  if (s.kmaddress !== undefined) {
    checkObject(s.kmaddress, `${arg}.kmaddress`, KM_KEYS);
    const local = parseIp(s.kmaddress.local, `${arg}.kmaddress.local`);
    const remote = parseIp(s.kmaddress.remote, `${arg}.kmaddress.remote`);
    if (local.family !== remote.family) throw new InvalidArgumentError(`${arg}.kmaddress`, `local ${s.kmaddress.local} is IPv${local.family} but remote ${s.kmaddress.remote} is IPv${remote.family}`);
    km = { family: local.family, local: local.bytes, remote: remote.bytes };
  }
  let encap: CheckedMigrate['encap'];
  if (s.encap !== undefined) encap = checkEncap(s.encap, `${arg}.encap`, moves[0]!.newFamily, 'the new endpoints');
  return { sel, dir, ptype: checkPtype(s.ptype, `${arg}.ptype`), ifId: s.ifId === undefined ? undefined : checkUint(s.ifId, `${arg}.ifId`, 0xffffffff), moves, km, encap };
}

/** @internal XFRM_MSG_MIGRATE: xfrm_userpolicy_id, then the attributes xfrm_do_migrate reads (XFRMA_MIGRATE an array of every move in one attribute). */
export function writeMigrate(w: MessageWriter, m: CheckedMigrate): void {
  const o = w.reserve(X.SIZEOF_XFRM_USERPOLICY_ID);
  putSelector(w, o + X.OFF_XFRM_USERPOLICY_ID_SEL, m.sel);
  w.view.setUint8(o + X.OFF_XFRM_USERPOLICY_ID_DIR, m.dir);
  if (m.ptype !== undefined) putPolicyType(w, m.ptype);
  if (m.ifId !== undefined) w.putU32(X.XFRMA_IF_ID, m.ifId);
  if (m.km) {
    const k = attr(w, X.XFRMA_KMADDRESS, X.SIZEOF_XFRM_USER_KMADDRESS);
    putAddr(w, k + X.OFF_XFRM_USER_KMADDRESS_LOCAL, m.km.local);
    putAddr(w, k + X.OFF_XFRM_USER_KMADDRESS_REMOTE, m.km.remote);
    w.view.setUint16(k + X.OFF_XFRM_USER_KMADDRESS_FAMILY, af(m.km.family), HOST_LE);
  }
  if (m.encap) putEncap(w, m.encap);
  const a = attr(w, X.XFRMA_MIGRATE, X.SIZEOF_XFRM_USER_MIGRATE * m.moves.length);
  m.moves.forEach((mv, i) => {
    const u = a + i * X.SIZEOF_XFRM_USER_MIGRATE;
    putAddr(w, u + X.OFF_XFRM_USER_MIGRATE_OLD_DADDR, mv.oldDst);
    putAddr(w, u + X.OFF_XFRM_USER_MIGRATE_OLD_SADDR, mv.oldSrc);
    putAddr(w, u + X.OFF_XFRM_USER_MIGRATE_NEW_DADDR, mv.newDst);
    putAddr(w, u + X.OFF_XFRM_USER_MIGRATE_NEW_SADDR, mv.newSrc);
    w.buf[u + X.OFF_XFRM_USER_MIGRATE_PROTO] = mv.proto;
    w.buf[u + X.OFF_XFRM_USER_MIGRATE_MODE] = mv.mode;
    w.view.setUint32(u + X.OFF_XFRM_USER_MIGRATE_REQID, mv.reqid, HOST_LE);
    w.view.setUint16(u + X.OFF_XFRM_USER_MIGRATE_OLD_FAMILY, af(mv.oldFamily), HOST_LE);
    w.view.setUint16(u + X.OFF_XFRM_USER_MIGRATE_NEW_FAMILY, af(mv.newFamily), HOST_LE);
  });
}

// ---------------------------------------------------------------------------------------
// A state's replay and lifetime counters (async events, "AE": XFRM_MSG_GETAE / NEWAE;
// net/xfrm/xfrm_user.c build_aevent, xfrm_get_ae, xfrm_new_ae, xfrm_update_ae_params).

/** A state's counters as the kernel sends them: a {@link XfrmStates.getAe} answer, or an 'aevents' event. */
export interface XfrmAe {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The state's destination. */
  readonly dst: string;
  /** Its source. */
  readonly src: string;
  /** Its SPI (host order). */
  readonly spi: number;
  /** Its protocol, or 'other'. */
  readonly proto: XfrmProto | 'other';
  /** Its IPPROTO number. */
  readonly protoNumber: number;
  /** Its reqid. */
  readonly reqid: number;
  /** Why an event was sent: 'replay' (the replay counters moved past the threshold), 'timer' (the event timer ran out), 'update' (a setAe); undefined in a getAe answer. */
  readonly cause?: 'replay' | 'timer' | 'update' | undefined;
  /** xfrm_aevent_id.flags as sent (XFRM_AE_*). */
  readonly flagBits: number;
  /** The replay counters, without ESN. */
  readonly replay?: XfrmReplay | undefined;
  /** The ESN replay counters. */
  readonly replayEsn?: XfrmReplayEsn | undefined;
  /** The lifetime counters (`lifetime current`). */
  readonly current?: XfrmLifetimeCurrent | undefined;
  /** Packets of replay-counter change after which an event is sent (XFRMA_REPLAY_THRESH; sysctl net.core.xfrm_aevent_rseqth by default). */
  readonly replayThreshold?: number | undefined;
  /** Tenths of a second after which an event is sent (XFRMA_ETIMER_THRESH; net.core.xfrm_aevent_etime by default). */
  readonly eventTimer?: number | undefined;
  /** Its mark. */
  readonly mark?: XfrmMark | undefined;
  /** Its if_id. */
  readonly ifId?: number | undefined;
  /** Attributes nlkit does not decode, kept raw. */
  readonly unknown: readonly RawAttribute[];
}

const AE_PATH = ['xfrm aevent'];

function decodeReplayEsn(view: DataView, a: number, l: number, path: readonly string[]): XfrmReplayEsn {
  need(l, X.SIZEOF_XFRM_REPLAY_STATE_ESN, 'xfrm_replay_state_esn', path, a);
  const n = view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_ESN_BMP_LEN, HOST_LE);
  const bitmap: number[] = [];
  for (let i = 0; i < n && X.SIZEOF_XFRM_REPLAY_STATE_ESN + i * 4 + 4 <= l; i++) bitmap.push(view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_ESN_BMP + i * 4, HOST_LE));
  return {
    oseq: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_ESN_OSEQ, HOST_LE), seq: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_ESN_SEQ, HOST_LE),
    oseqHi: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_ESN_OSEQ_HI, HOST_LE), seqHi: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_ESN_SEQ_HI, HOST_LE),
    replayWindow: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_ESN_REPLAY_WINDOW, HOST_LE), bitmap,
  };
}

/** @internal An XFRM_MSG_NEWAE at `off`. */
export function decodeAe(buf: Buffer, view: DataView, off: number, len: number): XfrmAe {
  const o = off + NLMSG_HDRLEN;
  need(len - NLMSG_HDRLEN, X.SIZEOF_XFRM_AEVENT_ID, 'xfrm_aevent_id', AE_PATH, o);
  const id = o + X.OFF_XFRM_AEVENT_ID_SA_ID;
  const family = view.getUint16(id + X.OFF_XFRM_USERSA_ID_FAMILY, HOST_LE);
  const proto = buf[id + X.OFF_XFRM_USERSA_ID_PROTO]!;
  const flagBits = view.getUint32(o + X.OFF_XFRM_AEVENT_ID_FLAGS, HOST_LE);
  const r: Mutable<XfrmAe> = {
    family: fam(family), dst: readAddr(buf, id + X.OFF_XFRM_USERSA_ID_DADDR, family), src: readAddr(buf, o + X.OFF_XFRM_AEVENT_ID_SADDR, family),
    spi: view.getUint32(id + X.OFF_XFRM_USERSA_ID_SPI, false), proto: PROTO_NAME.get(proto) ?? 'other', protoNumber: proto,
    reqid: view.getUint32(o + X.OFF_XFRM_AEVENT_ID_REQID, HOST_LE), flagBits, unknown: NO_ATTRS,
  };
  // xfrm_aevent_state_notify passes the cause in the flags: XFRM_AE_CR, _CE or _CU.
  if (flagBits & X.XFRM_AE_CR) r.cause = 'replay';
  else if (flagBits & X.XFRM_AE_CE) r.cause = 'timer';
  else if (flagBits & X.XFRM_AE_CU) r.cause = 'update';
  let unknown: RawAttribute[] | undefined;
  walkAttrs(view, o + X.SIZEOF_XFRM_AEVENT_ID, off + len, AE_PATH, (type, a, l) => {
    switch (type) {
      case X.XFRMA_REPLAY_VAL:
        need(l, X.SIZEOF_XFRM_REPLAY_STATE, 'xfrm_replay_state', AE_PATH, a);
        r.replay = { oseq: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_OSEQ, HOST_LE), seq: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_SEQ, HOST_LE), bitmap: view.getUint32(a + X.OFF_XFRM_REPLAY_STATE_BITMAP, HOST_LE) };
        break;
      case X.XFRMA_REPLAY_ESN_VAL: r.replayEsn = decodeReplayEsn(view, a, l, AE_PATH); break;
      case X.XFRMA_LTIME_VAL:
        need(l, X.SIZEOF_XFRM_LIFETIME_CUR, 'xfrm_lifetime_cur', AE_PATH, a);
        r.current = decodeCurrent(view, a);
        break;
      case X.XFRMA_REPLAY_THRESH: need(l, 4, 'XFRMA_REPLAY_THRESH', AE_PATH, a); r.replayThreshold = view.getUint32(a, HOST_LE); break;
      case X.XFRMA_ETIMER_THRESH: need(l, 4, 'XFRMA_ETIMER_THRESH', AE_PATH, a); r.eventTimer = view.getUint32(a, HOST_LE); break;
      case X.XFRMA_MARK: need(l, X.SIZEOF_XFRM_MARK, 'xfrm_mark', AE_PATH, a); r.mark = { value: view.getUint32(a + X.OFF_XFRM_MARK_V, HOST_LE), mask: view.getUint32(a + X.OFF_XFRM_MARK_M, HOST_LE) }; break;
      case X.XFRMA_IF_ID: need(l, 4, 'XFRMA_IF_ID', AE_PATH, a); r.ifId = view.getUint32(a, HOST_LE); break;
      case X.XFRMA_PAD: break;
      default: (unknown ??= []).push({ type, value: copyBytes(buf, a, a + l) });
    }
  });
  if (unknown) r.unknown = unknown;
  return r;
}

/** The counters to set with {@link XfrmStates.setAe} (each optional, at least one). */
export interface XfrmAeSpec {
  /** The replay counters of a state without ESN. */
  readonly replay?: { readonly seq?: number | undefined; readonly oseq?: number | undefined; readonly bitmap?: number | undefined } | undefined;
  /** The ESN replay counters of an ESN state: the bitmap must have the state's length (replayWindow / 32 words, rounded up), as the kernel checks. */
  readonly replayEsn?: { readonly seq?: number | undefined; readonly oseq?: number | undefined; readonly seqHi?: number | undefined; readonly oseqHi?: number | undefined; readonly replayWindow: number; readonly bitmap: readonly number[] } | undefined;
  /** The lifetime counters. */
  readonly current?: { readonly bytes?: bigint | undefined; readonly packets?: bigint | undefined; readonly addTime?: bigint | undefined; readonly useTime?: bigint | undefined } | undefined;
  /** Replay-counter change that triggers an event. */
  readonly replayThreshold?: number | undefined;
  /** Tenths of a second between events. */
  readonly eventTimer?: number | undefined;
}

/** @internal */
export interface CheckedAe {
  id: CheckedStateId;
  replay: number[] | undefined;
  esn: { seq: number; oseq: number; seqHi: number; oseqHi: number; replayWindow: number; bitmap: number[] } | undefined;
  current: bigint[] | undefined;
  rthr: number | undefined;
  ethr: number | undefined;
}

const AE_KEYS: ReadonlySet<string> = new Set(['replay', 'replayEsn', 'current', 'replayThreshold', 'eventTimer']);
const AE_REPLAY_KEYS: ReadonlySet<string> = new Set(['seq', 'oseq', 'bitmap']);
const AE_ESN_KEYS: ReadonlySet<string> = new Set(['seq', 'oseq', 'seqHi', 'oseqHi', 'replayWindow', 'bitmap']);
const AE_CUR_KEYS: ReadonlySet<string> = new Set(['bytes', 'packets', 'addTime', 'useTime']);
const U64_MAX = 0xffffffffffffffffn;

function checkU64(v: unknown, arg: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new InvalidArgumentError(arg, `expected a bigint in 0..2^64-1, got ${showValue(v)}`);
  return v;
}

/** @internal */
export function checkAe(key: unknown, v: unknown, arg: string): CheckedAe {
  const id = checkStateId(key, 'key');
  checkObject(v, arg, AE_KEYS);
  const s = v as XfrmAeSpec;
  if (s.replay !== undefined && s.replayEsn !== undefined) throw new InvalidArgumentError(arg, 'replay or replayEsn, not both (a state has one kind of replay counters)');
  let replay: number[] | undefined;
  if (s.replay !== undefined) {
    checkObject(s.replay, `${arg}.replay`, AE_REPLAY_KEYS);
    replay = [s.replay.oseq, s.replay.seq, s.replay.bitmap].map((x, i) => (x === undefined ? 0 : checkUint(x, `${arg}.replay.${['oseq', 'seq', 'bitmap'][i]}`, 0xffffffff)));
  }
  let esn: CheckedAe['esn'];
  if (s.replayEsn !== undefined) {
    const e = s.replayEsn;
    checkObject(e, `${arg}.replayEsn`, AE_ESN_KEYS);
    const u = (x: unknown, k: string): number => (x === undefined ? 0 : checkUint(x, `${arg}.replayEsn.${k}`, 0xffffffff));
    const replayWindow = checkUint(e.replayWindow, `${arg}.replayEsn.replayWindow`, 0xffffffff);
    if (!Array.isArray(e.bitmap)) throw new InvalidArgumentError(`${arg}.replayEsn.bitmap`, `expected an array of u32 words, got ${showValue(e.bitmap)}`);
    // xfrm_replay_verify_len: "ESN replay window is longer than the bitmap"; the bitmap's
    // length must be the state's too, which only the kernel knows (its extack says so).
    if (e.bitmap.length === 0 || replayWindow > e.bitmap.length * 32) throw new InvalidArgumentError(`${arg}.replayEsn.bitmap`, `a replay window of ${replayWindow} needs at least ${Math.max(1, Math.ceil(replayWindow / 32))} bitmap words (the state's count), got ${e.bitmap.length}`);
    esn = { seq: u(e.seq, 'seq'), oseq: u(e.oseq, 'oseq'), seqHi: u(e.seqHi, 'seqHi'), oseqHi: u(e.oseqHi, 'oseqHi'), replayWindow, bitmap: e.bitmap.map((b, i) => checkUint(b, `${arg}.replayEsn.bitmap[${i}]`, 0xffffffff)) };
  }
  let current: bigint[] | undefined;
  if (s.current !== undefined) {
    checkObject(s.current, `${arg}.current`, AE_CUR_KEYS);
    const c = s.current;
    current = (['bytes', 'packets', 'addTime', 'useTime'] as const).map((k) => (c[k] === undefined ? 0n : checkU64(c[k], `${arg}.current.${k}`)));
  }
  const rthr = s.replayThreshold === undefined ? undefined : checkUint(s.replayThreshold, `${arg}.replayThreshold`, 0xffffffff);
  const ethr = s.eventTimer === undefined ? undefined : checkUint(s.eventTimer, `${arg}.eventTimer`, 0xffffffff);
  // xfrm_new_ae: "Missing required attribute for AE".
  if (!replay && !esn && !current && rthr === undefined && ethr === undefined) throw new InvalidArgumentError(arg, 'nothing to set: give replay, replayEsn, current, replayThreshold or eventTimer');
  return { id, replay, esn, current, rthr, ethr };
}

function writeAeId(w: MessageWriter, id: CheckedStateId, flags: number): void {
  const o = w.reserve(X.SIZEOF_XFRM_AEVENT_ID);
  const sa = o + X.OFF_XFRM_AEVENT_ID_SA_ID;
  putAddr(w, sa + X.OFF_XFRM_USERSA_ID_DADDR, id.dst);
  w.view.setUint32(sa + X.OFF_XFRM_USERSA_ID_SPI, id.spi, false);
  w.view.setUint16(sa + X.OFF_XFRM_USERSA_ID_FAMILY, af(id.family), HOST_LE);
  w.buf[sa + X.OFF_XFRM_USERSA_ID_PROTO] = id.proto;
  if (id.src) putAddr(w, o + X.OFF_XFRM_AEVENT_ID_SADDR, id.src);
  w.view.setUint32(o + X.OFF_XFRM_AEVENT_ID_FLAGS, flags, HOST_LE);
  if (id.mark && id.mark.mask !== 0) putMark(w, id.mark);
}

/** @internal XFRM_MSG_GETAE: the state's id, asking for both thresholds (XFRM_AE_RTHR | XFRM_AE_ETHR) besides the counters the kernel always sends. */
export function writeGetAe(w: MessageWriter, id: CheckedStateId): void {
  writeAeId(w, id, X.XFRM_AE_RTHR | X.XFRM_AE_ETHR);
}

/** @internal XFRM_MSG_NEWAE (with NLM_F_REPLACE, which the kernel requires): the counters given. */
export function writeNewAe(w: MessageWriter, a: CheckedAe): void {
  writeAeId(w, a.id, 0);
  if (a.replay) {
    const r = attr(w, X.XFRMA_REPLAY_VAL, X.SIZEOF_XFRM_REPLAY_STATE);
    w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_OSEQ, a.replay[0]!, HOST_LE);
    w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_SEQ, a.replay[1]!, HOST_LE);
    w.view.setUint32(r + X.OFF_XFRM_REPLAY_STATE_BITMAP, a.replay[2]!, HOST_LE);
  }
  if (a.esn) {
    const e = attr(w, X.XFRMA_REPLAY_ESN_VAL, X.SIZEOF_XFRM_REPLAY_STATE_ESN + a.esn.bitmap.length * 4);
    w.view.setUint32(e + X.OFF_XFRM_REPLAY_STATE_ESN_BMP_LEN, a.esn.bitmap.length, HOST_LE);
    w.view.setUint32(e + X.OFF_XFRM_REPLAY_STATE_ESN_OSEQ, a.esn.oseq, HOST_LE);
    w.view.setUint32(e + X.OFF_XFRM_REPLAY_STATE_ESN_SEQ, a.esn.seq, HOST_LE);
    w.view.setUint32(e + X.OFF_XFRM_REPLAY_STATE_ESN_OSEQ_HI, a.esn.oseqHi, HOST_LE);
    w.view.setUint32(e + X.OFF_XFRM_REPLAY_STATE_ESN_SEQ_HI, a.esn.seqHi, HOST_LE);
    w.view.setUint32(e + X.OFF_XFRM_REPLAY_STATE_ESN_REPLAY_WINDOW, a.esn.replayWindow, HOST_LE);
    a.esn.bitmap.forEach((b, i) => w.view.setUint32(e + X.OFF_XFRM_REPLAY_STATE_ESN_BMP + i * 4, b, HOST_LE));
  }
  if (a.current) {
    const c = attr(w, X.XFRMA_LTIME_VAL, X.SIZEOF_XFRM_LIFETIME_CUR);
    w.view.setBigUint64(c + X.OFF_XFRM_LIFETIME_CUR_BYTES, a.current[0]!, HOST_LE);
    w.view.setBigUint64(c + X.OFF_XFRM_LIFETIME_CUR_PACKETS, a.current[1]!, HOST_LE);
    w.view.setBigUint64(c + X.OFF_XFRM_LIFETIME_CUR_ADD_TIME, a.current[2]!, HOST_LE);
    w.view.setBigUint64(c + X.OFF_XFRM_LIFETIME_CUR_USE_TIME, a.current[3]!, HOST_LE);
  }
  if (a.rthr !== undefined) w.putU32(X.XFRMA_REPLAY_THRESH, a.rthr);
  if (a.ethr !== undefined) w.putU32(X.XFRMA_ETIMER_THRESH, a.ethr);
}
