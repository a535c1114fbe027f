/**
 * The bpf classifier (`tc filter add … bpf da object-pinned PATH`): a loaded BPF
 * program (BPF_PROG_TYPE_SCHED_CLS) classifies the packet; with direct action (`da`)
 * its return value is the verdict. nlkit takes the program's fd (opening a pinned
 * program, BPF_OBJ_GET, is the loader's business). Written as tc's f_bpf.c writes it.
 * @module
 */
import { HOST_LE, InvalidArgumentError, type CustomCodec, type RawAttribute } from '../../../../netlink/index.js';
import * as C from '../../../constants.js';
import { table } from '../../../table-helpers.js';
import { checkBool, checkString } from '../../../validate.js';
import { actionsCodec, putActions, type Action } from '../../action/index.js';
import { bpfTagCodec, checkProgFd } from '../../action/bpf.js';
import { checkActionsOf, checkClassid, checkClsFlags, classidCodec, clsFlagsCodec, formatPlainHandle, parsePlainHandle, type FilterKindCodec } from './kind.js';

/** A bpf filter's decoded options (TCA_BPF_*). */
export interface BpfOptions {
  /** TCA_BPF_CLASSID ('1:1'). */
  classid?: string;
  /** TCA_BPF_NAME: the name it was given (tc's "bpf_name", e.g. 'prog.o:[classifier]'). */
  name?: string;
  /** TCA_BPF_ID: the program's id. */
  id?: number;
  /** TCA_BPF_TAG: the program's tag, hex (tc's "tag"). */
  tag?: string;
  /** TCA_BPF_FLAGS has TCA_BPF_FLAG_ACT_DIRECT: the program's return value is the verdict (tc's "direct-action"). */
  directAction?: boolean;
  /** TCA_BPF_FLAGS_GEN by name ('skip_hw', 'not_in_hw', …). */
  flags?: string[];
  /** TCA_BPF_ACT: the actions. */
  actions?: Action[];
  /** TCA_BPF_FD as sent. */
  fd?: number;
  /** TCA_BPF_OPS_LEN: a classic BPF program's length. */
  opsLen?: number;
  /** TCA_BPF_OPS: a classic BPF program, raw. */
  ops?: Buffer;
  /** TCA_BPF_POLICE, raw. */
  police?: Buffer;
  /** TCA_BPF_* attributes nlkit does not know, raw. */
  unknown?: RawAttribute[];
}

/** TCA_BPF_FLAGS as "direct action". */
const directActionCodec: CustomCodec<boolean> = {
  decode(ctx, off, len) {
    return len >= 4 ? (ctx.view.getUint32(off, HOST_LE) & C.TCA_BPF_FLAG_ACT_DIRECT) !== 0 : undefined;
  },
};

/** TCA_BPF_* (TCA_OPTIONS of a bpf filter). */
export const BPF_OPTIONS = table('bpf', 'TCA_BPF_', [
  ['TCA_BPF_ACT', actionsCodec, 'actions'],
  ['TCA_BPF_POLICE', 'binary'],
  ['TCA_BPF_CLASSID', classidCodec],
  ['TCA_BPF_OPS_LEN', 'u16'],
  ['TCA_BPF_OPS', 'binary'],
  ['TCA_BPF_FD', 'u32'],
  ['TCA_BPF_NAME', 'strz'],
  ['TCA_BPF_FLAGS', directActionCodec, 'directAction'],
  ['TCA_BPF_FLAGS_GEN', clsFlagsCodec, 'flags'],
  ['TCA_BPF_TAG', bpfTagCodec],
  ['TCA_BPF_ID', 'u32'],
]);

const KEYS: ReadonlySet<string> = new Set(['fd', 'name', 'directAction', 'classid', 'actions', 'skipHw', 'skipSw']);

/** @internal The bpf classifier's codec. */
export const bpf: FilterKindCodec = {
  kind: 'bpf',
  keys: KEYS,
  check(s) {
    if (s['fd'] === undefined) throw new InvalidArgumentError('fd', 'a bpf filter needs the fd of a loaded BPF_PROG_TYPE_SCHED_CLS program');
    const fd = checkProgFd(s['fd'], 'fd');
    const name = s['name'] !== undefined ? checkString(s['name'], 'name', 255) : undefined;
    const da = s['directAction'] !== undefined && checkBool(s['directAction'], 'directAction');
    const classid = s['classid'] !== undefined ? checkClassid(s['classid'], 'classid') : undefined;
    const actions = checkActionsOf(s);
    const flags = checkClsFlags(s);
    return {
      actions,
      put(w, ifindexes) {
        // f_bpf.c's order: classid and actions as read, then the program (fd, name), then the flags.
        if (classid !== undefined) w.putU32(C.TCA_BPF_CLASSID, classid);
        if (actions.length) putActions(w, C.TCA_BPF_ACT, actions, ifindexes);
        w.putU32(C.TCA_BPF_FD, fd);
        if (name !== undefined) w.putStrz(C.TCA_BPF_NAME, name);
        if (flags) w.putU32(C.TCA_BPF_FLAGS_GEN, flags);
        if (da) w.putU32(C.TCA_BPF_FLAGS, C.TCA_BPF_FLAG_ACT_DIRECT);
      },
    };
  },
  parseHandle: parsePlainHandle,
  formatHandle: formatPlainHandle,
  table: BPF_OPTIONS,
};
