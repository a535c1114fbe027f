/**
 * The generic action gact (`action gact drop`, `action pass`…): a verdict and nothing
 * else. tc's m_gact.c. Kernels without CONFIG_NET_ACT_GACT refuse it ("Failed to load
 * TC action module").
 * @module
 */
import * as C from '../../constants.js';
import { table } from '../../table-helpers.js';
import { commonOf, padCodec, putStruct, tcfTimesCodec, tcGenCodec, writeTcGen, TC_GEN_LEN, type ActionKindCodec } from './kind.js';
import type { Verdict } from './verdict.js';

/** What `actions` takes for a gact action. */
export interface GactActionSpec {
  /** The action (TCA_ACT_KIND, `action gact`). */
  readonly kind: 'gact';
  /** What it does with the packet ('drop', 'pass', { goto: 1 }, …; tc's `action gact VERDICT`). Required. */
  readonly verdict: Verdict;
  /** The action's index (`index N`), 1..4294967295. Defaults to one the kernel picks. */
  readonly index?: number | undefined;
}

/** TCA_GACT_* (TCA_ACT_OPTIONS of a gact action); TCA_GACT_PROB (struct tc_gact_p, tc's `random`) is kept raw. */
export const GACT_OPTIONS = table('gact', 'TCA_GACT_', [
  ['TCA_GACT_TM', tcfTimesCodec],
  ['TCA_GACT_PARMS', tcGenCodec],
  ['TCA_GACT_PROB', 'binary', 'probability'],
  ['TCA_GACT_PAD', padCodec],
]);

const KEYS: ReadonlySet<string> = new Set(['kind', 'verdict', 'index']);

/** @internal The gact action's codec. */
export const gact: ActionKindCodec = {
  kind: 'gact',
  keys: KEYS,
  check(s, arg) {
    const { verdict, index } = commonOf(s, arg, undefined);
    return {
      kind: 'gact',
      putOptions(w) {
        writeTcGen(w.view, putStruct(w, C.TCA_GACT_PARMS, TC_GEN_LEN), index, verdict);
      },
    };
  },
  table: GACT_OPTIONS,
  fields(o) {
    return o['probability'] !== undefined ? { probability: o['probability'] } : {};
  },
};
