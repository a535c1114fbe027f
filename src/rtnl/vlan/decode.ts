/**
 * RTM_NEWLINK of family AF_BRIDGE (a bridge's or a port's VLANs, asked for with
 * IFLA_EXT_MASK RTEXT_FILTER_BRVLAN[_COMPRESSED]) → {@link BridgeVlans}: what
 * `bridge -j vlan show` prints.
 * @module
 */
import { DecodeError, HOST_LE, NLMSG_HDRLEN, walkAttrs } from '../../netlink/index.js';
import { AF_BRIDGE } from '../ip.js';
import * as C from '../constants.js';

/** One VLAN (or range of VLANs) of a bridge or port: an element of `bridge -j vlan show`'s "vlans". */
export interface BridgeVlan {
  /** The VLAN id (bridge's "vlan"). */
  vid: number;
  /** The last id of a range (bridge's "vlanEnd"): only in compressed listings, for runs of ids with the same flags. */
  vidEnd?: number;
  /** BRIDGE_VLAN_INFO_PVID: untagged frames coming in are put in this VLAN. */
  pvid: boolean;
  /** BRIDGE_VLAN_INFO_UNTAGGED: frames of this VLAN leave untagged. */
  untagged: boolean;
  /** As `bridge -j vlan show` prints them: 'PVID', 'Egress Untagged'. */
  flags: string[];
  /** bridge_vlan_info.flags raw (BRIDGE_VLAN_INFO_*; the range bits left out). */
  rawFlags: number;
}

/** The VLANs of one bridge or port: an element of `bridge -j vlan show`. */
export interface BridgeVlans {
  /** ifindex (bridge's "ifname", by name). */
  link: number;
  /** Interface name (IFLA_IFNAME). */
  name: string;
  /** ifindex of the port's bridge (IFLA_MASTER); absent for the bridge itself. */
  master?: number;
  /** The VLANs, in the kernel's order (ascending ids). */
  vlans: BridgeVlan[];
}

const PATH: readonly string[] = Object.freeze(['RTM_NEWLINK']);
const PATH_AFSPEC: readonly string[] = Object.freeze(['RTM_NEWLINK', 'IFLA_AF_SPEC']);
const RANGE = C.BRIDGE_VLAN_INFO_RANGE_BEGIN | C.BRIDGE_VLAN_INFO_RANGE_END;

function vlanOf(vid: number, flags: number): BridgeVlan {
  const f = flags & ~RANGE;
  const names: string[] = [];
  if (f & C.BRIDGE_VLAN_INFO_PVID) names.push('PVID');
  if (f & C.BRIDGE_VLAN_INFO_UNTAGGED) names.push('Egress Untagged');
  return { vid, pvid: (f & C.BRIDGE_VLAN_INFO_PVID) !== 0, untagged: (f & C.BRIDGE_VLAN_INFO_UNTAGGED) !== 0, flags: names, rawFlags: f };
}

/**
 * Decode the AF_BRIDGE RTM_NEWLINK at `off` (nlmsghdr included) of length `len`;
 * undefined for another family, or for a link without VLAN information (as `bridge
 * vlan show` leaves it out). A range (RANGE_BEGIN … RANGE_END) becomes one entry with
 * `vidEnd`.
 */
export function decodeBridgeVlans(buf: Buffer, view: DataView, off: number, len: number): BridgeVlans | undefined {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + C.SIZEOF_IFINFOMSG) throw new DecodeError('RTM_NEWLINK shorter than ifinfomsg', PATH, off, NLMSG_HDRLEN + C.SIZEOF_IFINFOMSG, len);
  if (buf[h] !== AF_BRIDGE) return undefined;
  const out: BridgeVlans = { link: view.getInt32(h + 4, HOST_LE), name: '', vlans: [] };
  let spec = -1;
  let specLen = 0;
  walkAttrs(view, h + C.SIZEOF_IFINFOMSG, off + len, PATH, (t, o, l) => {
    if (t === C.IFLA_IFNAME) {
      let e = o + l;
      while (e > o && buf[e - 1] === 0) e--;
      out.name = buf.toString('utf8', o, e);
    } else if (t === C.IFLA_MASTER && l >= 4) out.master = view.getUint32(o, HOST_LE);
    else if (t === C.IFLA_AF_SPEC) { spec = o; specLen = l; }
  });
  if (spec < 0) return undefined;
  let begin: BridgeVlan | undefined;
  walkAttrs(view, spec, spec + specLen, PATH_AFSPEC, (t, o, l) => {
    if (t !== C.IFLA_BRIDGE_VLAN_INFO) return;
    if (l < C.SIZEOF_BRIDGE_VLAN_INFO) throw new DecodeError('IFLA_BRIDGE_VLAN_INFO shorter than struct bridge_vlan_info', PATH_AFSPEC, o, C.SIZEOF_BRIDGE_VLAN_INFO, l);
    const flags = view.getUint16(o, HOST_LE);
    const vid = view.getUint16(o + 2, HOST_LE);
    if (flags & C.BRIDGE_VLAN_INFO_RANGE_BEGIN) {
      begin = vlanOf(vid, flags);
    } else if (flags & C.BRIDGE_VLAN_INFO_RANGE_END && begin) {
      begin.vidEnd = vid;
      out.vlans.push(begin);
      begin = undefined;
    } else {
      out.vlans.push(vlanOf(vid, flags));
    }
  });
  if (begin) out.vlans.push(begin); // a range the kernel did not close: kept as its first id
  return out.vlans.length > 0 ? out : undefined;
}
