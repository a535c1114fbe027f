/**
 * veth: a pair of linked Ethernet devices. IFLA_INFO_DATA holds VETH_INFO_PEER, whose
 * payload is a whole link message (ifinfomsg + IFLA attributes) describing the peer —
 * name, MTU, MAC, and IFLA_NET_NS_FD so the peer is born in its target netns (creating
 * then moving costs ~25 ms per pair here; creating in place costs nothing extra).
 * The kernel does not report the peer in dumps: a veth's `link` (IFLA_LINK) is the
 * peer's ifindex, `netnsId` (IFLA_LINK_NETNSID) its netns when elsewhere.
 *
 * Equivalent to: `ip link add NAME type veth peer name PEER netns NS`.
 * @module
 */
import { InvalidArgumentError, showValue } from '../../../netlink/index.js';
import { VETH_INFO_PEER } from '../../constants.js';
import type { KindCodec } from './kind.js';
import type { LinkAttrs } from '../api.js';

/**
 * The peer end of a veth being created (`peer` of a veth's LinkSpec): a link's
 * attributes — name, MTU, address, netns (created there directly), queues, … — except
 * that it cannot be brought up in the create message.
 */
export interface VethPeerSpec extends Omit<LinkAttrs, 'up'> {
  /**
   * Must be false or absent: the kernel cannot open a veth peer before the pair is
   * linked (ENOTCONN), so bring it up afterwards with a handle in its netns.
   */
  readonly up?: false | undefined;
}

export const veth: KindCodec = {
  kind: 'veth',
  ether: true,
  noParent: true,
  encodeData(w, spec, ctx) {
    const peer = spec['peer'] as Record<string, unknown> | undefined;
    if (peer === undefined) return;
    if (typeof peer !== 'object' || peer === null) throw new InvalidArgumentError('peer', `expected an object, got ${showValue(peer)}`);
    const n = w.nestStart(VETH_INFO_PEER, false);
    ctx.encodeLinkBody(w, peer, 'peer.');
    w.nestEnd(n);
  },
};
