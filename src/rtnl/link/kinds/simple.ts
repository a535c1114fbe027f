/**
 * Kinds without options: ifb (intermediate functional block) and dummy.
 * Equivalent to: `ip link add NAME type ifb` / `type dummy`.
 * @module
 */
import type { KindCodec } from './kind.js';

/** ifb: redirect target for traffic shaping. */
export const ifb: KindCodec = { kind: 'ifb', ether: true };

/** dummy: a blackhole interface (CONFIG_DUMMY; absent on some kernels → EOPNOTSUPP). */
export const dummy: KindCodec = { kind: 'dummy', ether: true, note: 'needs CONFIG_DUMMY' };
