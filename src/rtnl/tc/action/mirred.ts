/**
 * The mirred action (`action mirred egress redirect dev DEV`): send the packet to another
 * device's egress or ingress, taking it (redirect) or a copy (mirror). tc's m_mirred.c.
 * @module
 */
import { HOST_LE, InvalidArgumentError, showValue, type CustomCodec } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { table } from '../../table-helpers.js';
import { checkLinkRef } from '../../validate.js';
import { commonOf, padCodec, putStruct, readTcGen, tcfTimesCodec, TC_GEN_LEN, writeTcGen, type ActionKindCodec, type TcGen } from './kind.js';

/** What `actions` takes for a mirred action. */
export interface MirredActionSpec {
  /** The action (TCA_ACT_KIND, `action mirred`). */
  readonly kind: 'mirred';
  /** 'redirect' (the packet goes to `dev`) or 'mirror' (a copy does, the packet goes on). Required. */
  readonly action: 'redirect' | 'mirror';
  /** Where on `dev` the packet enters: 'egress' (sent out of it) or 'ingress' (as if received on it). Required. */
  readonly direction: 'egress' | 'ingress';
  /** The device, name or ifindex, looked up in the handle's netns. Required. */
  readonly dev: string | number;
  /** The verdict after it. Defaults to 'stolen' for a redirect and 'pipe' for a mirror, as tc's. */
  readonly verdict?: import('./verdict.js').Verdict | undefined;
  /** The action's index (`index N`), 1..4294967295. Defaults to one the kernel picks. */
  readonly index?: number | undefined;
}

/** struct tc_mirred's eaction for each direction and action. */
const EACTIONS = {
  egress: { redirect: C.TCA_EGRESS_REDIR, mirror: C.TCA_EGRESS_MIRROR },
  ingress: { redirect: C.TCA_INGRESS_REDIR, mirror: C.TCA_INGRESS_MIRROR },
} as const;

/** struct tc_mirred: tc_gen, then eaction and ifindex. */
interface MirredParms extends TcGen {
  eaction: number;
  ifindex: number;
}

const parmsCodec: CustomCodec<MirredParms> = {
  decode(ctx, off, len) {
    if (len < C.SIZEOF_TC_MIRRED) return undefined;
    return { ...readTcGen(ctx.view, off), eaction: ctx.view.getInt32(off + TC_GEN_LEN, HOST_LE), ifindex: ctx.view.getUint32(off + TC_GEN_LEN + 4, HOST_LE) };
  },
};

/** TCA_MIRRED_* (TCA_ACT_OPTIONS of a mirred action). */
export const MIRRED_OPTIONS = table('mirred', 'TCA_MIRRED_', [
  ['TCA_MIRRED_TM', tcfTimesCodec],
  ['TCA_MIRRED_PARMS', parmsCodec],
  ['TCA_MIRRED_PAD', padCodec],
]);

const KEYS: ReadonlySet<string> = new Set(['kind', 'action', 'direction', 'dev', 'verdict', 'index']);

/** @internal The mirred action's codec. */
export const mirred: ActionKindCodec = {
  kind: 'mirred',
  keys: KEYS,
  check(s, arg) {
    const action = s['action'];
    if (action !== 'redirect' && action !== 'mirror') throw new InvalidArgumentError(`${arg}.action`, `a mirred action is 'redirect' or 'mirror', got ${showValue(action)}`);
    const direction = s['direction'];
    if (direction !== 'egress' && direction !== 'ingress') throw new InvalidArgumentError(`${arg}.direction`, `a mirred action goes to the device's 'egress' or 'ingress', got ${showValue(direction)}`);
    if (s['dev'] === undefined) throw new InvalidArgumentError(`${arg}.dev`, 'a mirred action needs the device it sends to (dev: name or ifindex)');
    const ref = checkLinkRef(s['dev'], `${arg}.dev`);
    // tc's defaults (m_mirred.c): a redirect takes the packet (stolen), a mirror lets it go on (pipe).
    const { verdict, index } = commonOf(s, arg, action === 'redirect' ? C.TC_ACT_STOLEN : C.TC_ACT_PIPE);
    const eaction = EACTIONS[direction][action];
    return {
      kind: 'mirred',
      dev: { ref, arg: `${arg}.dev` },
      putOptions(w, ifindex) {
        const p = putStruct(w, C.TCA_MIRRED_PARMS, C.SIZEOF_TC_MIRRED);
        writeTcGen(w.view, p, index, verdict);
        w.view.setInt32(p + TC_GEN_LEN, eaction, HOST_LE);
        w.view.setUint32(p + TC_GEN_LEN + 4, ifindex >>> 0, HOST_LE);
      },
    };
  },
  table: MIRRED_OPTIONS,
  fields(o) {
    const p = o['parms'] as MirredParms | undefined;
    const e = p?.eaction;
    return {
      action: e === C.TCA_EGRESS_REDIR || e === C.TCA_INGRESS_REDIR ? 'redirect' : e === C.TCA_EGRESS_MIRROR || e === C.TCA_INGRESS_MIRROR ? 'mirror' : undefined,
      direction: e === C.TCA_EGRESS_REDIR || e === C.TCA_EGRESS_MIRROR ? 'egress' : e === C.TCA_INGRESS_REDIR || e === C.TCA_INGRESS_MIRROR ? 'ingress' : undefined,
      eaction: e ?? 0,
      ifindex: p?.ifindex ?? 0,
    };
  },
};
