/**
 * What the IP tunnel kinds share (ipip and sit, gre and gretap, ip6tnl, ip6gre and
 * ip6gretap): their endpoints ('any' for none, as `ip -d` prints it), the outer
 * encapsulation rows (fou/gue, `ip link add … encap fou encap-sport …`), the ip6 tunnel
 * flags, and the checks every one of them makes before sending. Not a kind itself.
 * @module
 */
import { InvalidArgumentError, showValue, type CustomCodec } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { enumCodec, flagsCodec } from '../../table-helpers.js';
import { formatIp, parseIp } from '../../ip.js';

/**
 * A tunnel endpoint of one family (IFLA_IPTUN_LOCAL/REMOTE, IFLA_GRE_LOCAL/REMOTE): the
 * address, or 'any' for the unspecified one (all zeros), as `ip -d link show` prints it
 * and `ip link add … remote any` takes it. The family is checked with a message naming
 * the kind by the kind's validate, before this runs.
 */
export function endpointCodec(family: 4 | 6): CustomCodec<string> {
  const len = family === 4 ? 4 : 16;
  return {
    decode(ctx, off, n) {
      for (let i = 0; i < n; i++) if (ctx.buf[off + i] !== 0) return formatIp(ctx.buf, off, n);
      return 'any';
    },
    encode(w, type, value) {
      if (value === 'any') {
        w.putBytes(type, new Uint8Array(len));
        return;
      }
      const a = parseIp(value, `attribute ${type}`);
      if (a.family !== family) throw new InvalidArgumentError(`attribute ${type}`, `'${String(value)}' is IPv${a.family}; this tunnel's endpoints are IPv${family}`);
      w.putBytes(type, a.bytes);
    },
  };
}

/** TUNNEL_ENCAP_* by name, as `ip link add … encap TYPE` takes them ('none' is `noencap`). */
export const TUNNEL_ENCAP_TYPES = { none: C.TUNNEL_ENCAP_NONE, fou: C.TUNNEL_ENCAP_FOU, gue: C.TUNNEL_ENCAP_GUE, mpls: C.TUNNEL_ENCAP_MPLS } as const;

/** TUNNEL_ENCAP_FLAG_* by name: `encap-csum`, `encap-udp6-csum`, `encap-remcsum`. */
export const TUNNEL_ENCAP_FLAGS = { csum: C.TUNNEL_ENCAP_FLAG_CSUM, csum6: C.TUNNEL_ENCAP_FLAG_CSUM6, remcsum: C.TUNNEL_ENCAP_FLAG_REMCSUM } as const;

/** IFLA_*_ENCAP_TYPE (u16) by name. */
export const encapTypeCodec = enumCodec(2, TUNNEL_ENCAP_TYPES);
/** IFLA_*_ENCAP_FLAGS (u16) as names. */
export const encapFlagsCodec = flagsCodec(2, false, TUNNEL_ENCAP_FLAGS);

/**
 * The IPv6 tunnel flags (IFLA_IPTUN_FLAGS of an ip6tnl, IFLA_GRE_FLAGS of an ip6gre; a
 * u32) by the name after IP6_TNL_F_, as `ip -j -d` names them after its
 * 'ip6_tnl_f_' prefix: `encaplimit none` is ign_encap_limit, `tclass inherit`
 * use_orig_tclass, `flowlabel inherit` use_orig_flowlabel, `dscp inherit`
 * rcv_dscp_copy, `fwmark inherit` use_orig_fwmark, `allow-localremote`
 * allow_local_remote. The kernel adds capability bits of its own to what it reports
 * (shown in hex).
 */
export const IP6_TUNNEL_FLAGS = {
  ign_encap_limit: C.IP6_TNL_F_IGN_ENCAP_LIMIT,
  use_orig_tclass: C.IP6_TNL_F_USE_ORIG_TCLASS,
  use_orig_flowlabel: C.IP6_TNL_F_USE_ORIG_FLOWLABEL,
  mip6_dev: C.IP6_TNL_F_MIP6_DEV,
  rcv_dscp_copy: C.IP6_TNL_F_RCV_DSCP_COPY,
  use_orig_fwmark: C.IP6_TNL_F_USE_ORIG_FWMARK,
  allow_local_remote: C.IP6_TNL_F_ALLOW_LOCAL_REMOTE,
} as const;

/** IP6_TUNNEL_FLAGS as a u32 of names. */
export const ip6FlagsCodec = flagsCodec(4, false, IP6_TUNNEL_FLAGS);

/** The options of a spec (`data`), or undefined when none were given. */
export function dataOf(spec: Record<string, unknown>): Record<string, unknown> | undefined {
  return spec['data'] as Record<string, unknown> | undefined;
}

/** 'an ipip', 'a gre': the kind with its article, for messages. */
export function aKind(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/**
 * Check that the endpoints `keys` of `d` are addresses of `family` or 'any' (the
 * codec would refuse the other family too, without naming the kind).
 */
export function checkEndpoints(kind: string, d: Record<string, unknown>, keys: readonly string[], family: 4 | 6, other: string): void {
  for (const k of keys) {
    const v = d[k];
    if (v === undefined || v === 'any') continue;
    const a = parseIp(v, `data.${k}`);
    if (a.family !== family) throw new InvalidArgumentError(`data.${k}`, `'${String(v)}' is an IPv${a.family} address: ${aKind(kind)} tunnel's endpoints are IPv${family} (${other})`);
  }
}

/**
 * A tap tunnel (gretap, ip6gretap) refuses a remote that is the unspecified address
 * (ipgre_tap_validate, ip6gre_tap_validate: EINVAL); leaving remote out is what
 * `ip link add … type gretap` without remote sends.
 */
export function checkTapRemote(kind: string, d: Record<string, unknown>): void {
  const r = d['remote'];
  if (r === undefined) return;
  if (r === 'any' || parseIp(r, 'data.remote').bytes.every((b) => b === 0)) {
    throw new InvalidArgumentError('data.remote', `${aKind(kind)} cannot have the unspecified remote ${showValue(r)} (the kernel refuses it with EINVAL): leave remote out for none`);
  }
}

/** A number option within lo..hi when given. */
export function checkRange(d: Record<string, unknown>, key: string, lo: number, hi: number, what: string): void {
  const v = d[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new InvalidArgumentError(`data.${key}`, `${what} is an integer in ${lo}..${hi}, got ${showValue(v)}`);
}
