/**
 * `rt.netconf`: read a netns's per-device and netns-wide IP configuration switches
 * (forwarding, rp_filter, proxy_arp/proxy_ndp, ignore_routes_with_linkdown, …) over
 * RTM_GETNETCONF — what `ip netconf show` does. Changes come as RTM_NEWNETCONF events
 * (`rt.monitor(['netconf'])`); they are made through the sysctls (`sysctlSet`).
 * @module
 */
import { InvalidArgumentError, NetlinkError, NLMSG_HDRLEN, showValue, type MessageHandler, type MessageWriter } from '../../netlink/index.js';
import * as C from '../constants.js';
import { existingLinkIndex, missingLink, noReply, type RtnlCore } from '../core.js';
import { registerLayout } from '../describer.js';
import { AF_INET, AF_INET6, AF_UNSPEC } from '../ip.js';
import { checkLinkRef } from '../validate.js';
import { decodeNetconf, type Netconf } from './decode.js';
import { AF_MPLS, NETCONFA, NETCONFMSG_LEN, putNetconfmsg } from './table.js';

registerLayout([C.RTM_NEWNETCONF, C.RTM_DELNETCONF, C.RTM_GETNETCONF], NETCONFMSG_LEN, NETCONFA);

/** A family `rt.netconf` takes: 4 / 'inet' (`ip -4`), 6 / 'inet6' (`ip -6`), 'mpls' (`ip -M`). */
export type NetconfFamily = 4 | 6 | 'inet' | 'inet6' | 'mpls';

const EINVAL = 22;
const ENODEV = 19;
const EOPNOTSUPP = 95;
const EAFNOSUPPORT = 97;

/** A checked family: its AF_* number, its name for messages, and a dump's decoder that keeps its messages only. */
interface Family {
  readonly af: number;
  readonly name: 'IPv4' | 'IPv6' | 'MPLS';
  readonly decodeOwn: MessageHandler<Netconf>;
}

/**
 * decodeNetconf for a dump of family `af`, which declines the other families' messages:
 * rtnetlink answers a dump of a family it has no RTM_GETNETCONF handler for (MPLS
 * without mpls_router) with its AF_UNSPEC dump, every family's.
 */
function ownFamily(af: number): MessageHandler<Netconf> {
  return (buf, view, off, len) => (len > NLMSG_HDRLEN && buf[off + NLMSG_HDRLEN] !== af ? undefined : decodeNetconf(buf, view, off, len));
}

const IPV4: Family = { af: AF_INET, name: 'IPv4', decodeOwn: ownFamily(AF_INET) };
const IPV6: Family = { af: AF_INET6, name: 'IPv6', decodeOwn: ownFamily(AF_INET6) };
const MPLS: Family = { af: AF_MPLS, name: 'MPLS', decodeOwn: ownFamily(AF_MPLS) };

/** 4, 6, 'inet', 'inet6', 'ipv4', 'ipv6' or 'mpls' → the family; anything else an InvalidArgumentError naming `family`. */
function checkNetconfFamily(v: unknown): Family {
  if (v === 4 || v === 'inet' || v === 'ipv4') return IPV4;
  if (v === 6 || v === 'inet6' || v === 'ipv6') return IPV6;
  if (v === 'mpls') return MPLS;
  const af = v === AF_INET ? ' (AF_INET: give 4)' : v === AF_INET6 ? ' (AF_INET6: give 6)' : v === AF_MPLS ? " (AF_MPLS: give 'mpls')" : '';
  throw new InvalidArgumentError('family', `expected 4, 6, 'inet', 'inet6' or 'mpls', got ${showValue(v)}${af}`);
}

/** The subject of a request, as `ip netconf` would be told it: 'inet6 dev v0', 'inet all'. */
function subjectOf(f: Family, dev: string | number): string {
  const fam = f.af === AF_INET ? 'inet' : f.af === AF_INET6 ? 'inet6' : 'mpls';
  return typeof dev === 'number' ? `${fam} dev ifindex ${dev}` : dev === 'all' || dev === 'default' ? `${fam} ${dev}` : `${fam} dev ${dev}`;
}

/**
 * What a family the kernel has no netconf for is answered with: rtnetlink has no
 * RTM_GETNETCONF handler for it (EOPNOTSUPP; EAFNOSUPPORT for a family number beyond
 * the kernel's), and the errno alone says neither which family nor why.
 */
function noFamily(f: Family): string {
  return f === MPLS
    ? 'this kernel has no MPLS netconf (MPLS routing, CONFIG_MPLS_ROUTING / the mpls_router module, is not loaded)'
    : `this kernel has no ${f.name} netconf (${f.name} is not built in, or disabled at boot)`;
}

/** `e` with what nlkit knows of it: a missing family said so; else as it is. */
function familyError(e: unknown, f: Family): unknown {
  if (e instanceof NetlinkError && (e.errno === EOPNOTSUPP || e.errno === EAFNOSUPPORT) && e.hint === undefined) return new NetlinkError(e.errno, e.request, e.extack, noFamily(f));
  return e;
}

/** Per-netns IP configuration reads of an Rtnl handle (`rt.netconf`; `ip netconf`). */
export class NetconfApi {
  /** Not for users: every Rtnl handle has its own, `rt.netconf`. */
  private constructor(private readonly core: RtnlCore) {}

  /** @internal How a handle makes its `rt.netconf` (and tests one over a stand-in core). */
  static of(core: RtnlCore): NetconfApi {
    return new NetconfApi(core);
  }

  /**
   * The switches of one device, or the netns's 'all' (conf/all) or 'default'
   * (conf/default) ones, in one family: one RTM_GETNETCONF. The answer has every field
   * of the family (IPv4: forwarding, rpFilter, mcForwarding, bcForwarding, proxyNeigh,
   * ignoreRoutesWithLinkdown; IPv6: no rpFilter nor bcForwarding; MPLS: input). `dev`
   * is a name, an ifindex, or 'all' / 'default' (no device has either name: the kernel
   * refuses to make one).
   *
   * Equivalent to: `ip -4 netconf show dev DEV` (`ip -6 …`, `ip -M …`); for 'all' and
   * 'default', the lines of those names in `ip -4 netconf show` (`ip` takes no
   * `dev all`: 'Device "all" does not exist').
   * @example
   * const c = await rt.netconf.get(4, 'eth0'); // { family: 4, dev: 2, forwarding: false, rpFilter: 'strict', … }
   * const all6 = await rt.netconf.get(6, 'all');
   * @throws InvalidArgumentError for a bad family or dev (nothing sent); NetlinkError
   *   'ENODEV' naming the dev and the netns when it does not exist, the kernel's errno
   *   with a hint when the device has no configuration of that family (IPv6 leaves a
   *   device whose MTU is below 1280), 'EOPNOTSUPP' saying so when the kernel has no
   *   netconf of that family (MPLS without mpls_router).
   */
  async get(family: NetconfFamily, dev: string | number): Promise<Netconf> {
    const f = checkNetconfFamily(family);
    const ref = dev === 'all' || dev === 'default' ? dev : checkLinkRef(dev, 'dev');
    const index = ref === 'all' ? C.NETCONFA_IFINDEX_ALL : ref === 'default' ? C.NETCONFA_IFINDEX_DEFAULT : typeof ref === 'string' ? await this.core.linkIndex(ref, 'dev') : ref;
    const subject = subjectOf(f, ref);
    let got: Netconf | undefined;
    try {
      got = await this.core.sock.request(C.RTM_GETNETCONF, 0, (w) => {
        putNetconfmsg(w, f.af);
        w.putS32(C.NETCONFA_IFINDEX, index);
      }, decodeNetconf, { ack: false, subject });
    } catch (e) {
      throw await this.getError(e, f, ref);
    }
    if (got === undefined) throw noReply(C.RTM_GETNETCONF, 'RTM_GETNETCONF', 'RTM_NEWNETCONF', subject);
    return got;
  }

  /**
   * Every device's switches and the netns's 'all' and 'default' ones, of one family or
   * (without `family`) of every family the kernel has netconf for (IPv4, then IPv6, then
   * MPLS when loaded): one RTM_GETNETCONF dump, in the kernel's order (devices, then
   * 'all', then 'default', per family). A device without a configuration of a family
   * (IPv6 on a device whose MTU is below 1280) is not in that family's part. A family
   * the kernel has no netconf for lists nothing (MPLS without mpls_router: the kernel
   * answers with the other families' dump, which is left out, as `ip -M netconf show`
   * prints nothing); {@link get} says why.
   *
   * Equivalent to: `ip netconf show` (`ip -4 netconf show`, `ip -6 …`, `ip -M …`).
   * @example
   * const forwarding = (await rt.netconf.list(4)).filter((c) => c.forwarding).map((c) => c.dev);
   * @throws InvalidArgumentError for a bad family (nothing sent).
   */
  async list(family?: NetconfFamily): Promise<Netconf[]> {
    const f = family === undefined ? undefined : checkNetconfFamily(family);
    const af = f === undefined ? AF_UNSPEC : f.af;
    try {
      return await this.core.sock.dump(C.RTM_GETNETCONF, 0, (w: MessageWriter) => putNetconfmsg(w, af), f === undefined ? decodeNetconf : f.decodeOwn);
    } catch (e) {
      throw f === undefined ? e : familyError(e, f);
    }
  }

  /**
   * A get's error as nlkit tells it: a missing device named (the kernel's IPv6 answers
   * one with EINVAL, IPv4 with ENODEV, both without a word), a device that exists but
   * has no configuration of the family said so, a missing family said so. Looks the
   * device up again (one GETLINK) only on those errnos.
   */
  private async getError(e: unknown, f: Family, ref: string | number): Promise<unknown> {
    if (!(e instanceof NetlinkError) || e.hint !== undefined) return e;
    if (e.errno === EOPNOTSUPP || e.errno === EAFNOSUPPORT) return familyError(e, f);
    // The kernel's own words (a strict-check refusal) need none of ours.
    if ((e.errno !== ENODEV && e.errno !== EINVAL) || e.extack.message !== undefined || ref === 'all' || ref === 'default') return e;
    let exists = true;
    try {
      await existingLinkIndex(this.core, ref, 'dev');
    } catch (l) {
      if (!(l instanceof NetlinkError) || l.code !== 'ENODEV') throw l;
      exists = false;
    }
    if (!exists) return new NetlinkError(ENODEV, e.request, e.extack, missingLink(this.core, 'dev', ref));
    const dev = typeof ref === 'number' ? `ifindex ${ref}` : `'${ref}'`;
    const why = f === IPV6 ? ' (the kernel drops it from a device whose MTU is below 1280)' : f === IPV4 ? ' (the kernel drops it from a device whose MTU is below 68)' : '';
    return new NetlinkError(e.errno, e.request, e.extack, `dev ${dev} has no ${f.name} configuration${why}`);
  }
}
