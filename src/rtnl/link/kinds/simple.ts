/**
 * Kinds without options: ifb (intermediate functional block), dummy and wireguard.
 * Equivalent to: `ip link add NAME type ifb` / `type dummy` / `type wireguard`.
 * @module
 */
import type { KindCodec } from './kind.js';

/** ifb: redirect target for traffic shaping. */
export const ifb: KindCodec = { kind: 'ifb', ether: true, minMtu: 0, noParent: true };

/** dummy: a blackhole interface (CONFIG_DUMMY; absent on some kernels → EOPNOTSUPP). */
export const dummy: KindCodec = { kind: 'dummy', ether: true, minMtu: 0, noParent: true, note: 'needs CONFIG_DUMMY' };

/**
 * wireguard: the device only (CONFIG_WIREGUARD; absent on some kernels → EOPNOTSUPP).
 * It has no IFLA_INFO_DATA: its keys, port and peers are set over generic netlink (the
 * 'wireguard' family, what `wg set` speaks), which nlkit does not encode.
 */
export const wireguard: KindCodec = { kind: 'wireguard', ether: false, noParent: true, note: 'needs CONFIG_WIREGUARD; keys and peers are configured over generic netlink (wg), not by nlkit' };
