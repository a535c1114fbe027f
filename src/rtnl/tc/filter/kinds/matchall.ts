/**
 * The matchall classifier (`tc filter add … matchall classid C action …`): every packet
 * matches; one filter per priority. tc's f_matchall.c. Kernels without
 * CONFIG_NET_CLS_MATCHALL refuse it ("TC classifier not found").
 * @module
 */
import type { RawAttribute } from '../../../../netlink/index.js';
import * as C from '../../../constants.js';
import { table } from '../../../table-helpers.js';
import { actionsCodec, putActions, type Action } from '../../action/index.js';
import { checkActionsOf, checkClassid, checkClsFlags, classidCodec, clsFlagsCodec, formatPlainHandle, parsePlainHandle, type FilterKindCodec } from './kind.js';

/** A matchall filter's decoded options (TCA_MATCHALL_*). */
export interface MatchallOptions {
  /** TCA_MATCHALL_CLASSID ('1:1'). */
  classid?: string;
  /** TCA_MATCHALL_ACT: the actions. */
  actions?: Action[];
  /** TCA_MATCHALL_FLAGS by name ('skip_hw', 'not_in_hw', …). */
  flags?: string[];
  /** TCA_MATCHALL_PCNT (struct tc_matchall_pcnt), raw. */
  pcnt?: Buffer;
  /** TCA_MATCHALL_* attributes nlkit does not know, raw. */
  unknown?: RawAttribute[];
}

/** TCA_MATCHALL_* (TCA_OPTIONS of a matchall filter). */
export const MATCHALL_OPTIONS = table('matchall', 'TCA_MATCHALL_', [
  ['TCA_MATCHALL_CLASSID', classidCodec],
  ['TCA_MATCHALL_ACT', actionsCodec, 'actions'],
  ['TCA_MATCHALL_FLAGS', clsFlagsCodec],
  ['TCA_MATCHALL_PCNT', 'binary'],
  ['TCA_MATCHALL_PAD', { decode: () => undefined }],
]);

const KEYS: ReadonlySet<string> = new Set(['classid', 'actions', 'skipHw', 'skipSw']);

/** @internal The matchall classifier's codec. */
export const matchall: FilterKindCodec = {
  kind: 'matchall',
  keys: KEYS,
  check(s) {
    const classid = s['classid'] !== undefined ? checkClassid(s['classid'], 'classid') : undefined;
    const actions = checkActionsOf(s);
    const flags = checkClsFlags(s);
    return {
      actions,
      put(w, ifindexes) {
        // f_matchall.c's order: classid and actions as read, then the flags.
        if (classid !== undefined) w.putU32(C.TCA_MATCHALL_CLASSID, classid);
        if (actions.length) putActions(w, C.TCA_MATCHALL_ACT, actions, ifindexes);
        if (flags) w.putU32(C.TCA_MATCHALL_FLAGS, flags);
      },
    };
  },
  parseHandle: parsePlainHandle,
  formatHandle: formatPlainHandle,
  table: MATCHALL_OPTIONS,
};
