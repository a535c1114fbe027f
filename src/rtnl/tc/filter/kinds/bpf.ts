/**
 * The bpf classifier (`tc filter add … bpf da object-pinned PATH`): a loaded BPF
 * program (BPF_PROG_TYPE_SCHED_CLS) classifies the packet; with direct action (`da`)
 * its return value is the verdict. nlkit takes the program's fd, or the path it is
 * pinned at (opened with BPF_OBJ_GET for the request, as tc's `object-pinned`). Written
 * as tc's f_bpf.c writes it.
 * @module
 */
import { HOST_LE, type CustomCodec, type RawAttribute } from '../../../../netlink/index.js';
import * as C from '../../../constants.js';
import { table } from '../../../table-helpers.js';
import { checkBool } from '../../../validate.js';
import { actionsCodec, putActions, type Action } from '../../action/index.js';
import { BPF_PROG_TYPE_SCHED_CLS } from '../../../bpf-program.js';
import { bpfTagCodec, checkProgram } from '../../action/bpf.js';
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

const KEYS: ReadonlySet<string> = new Set(['fd', 'pinned', 'name', 'directAction', 'classid', 'actions', 'skipHw', 'skipSw']);

/** @internal The bpf classifier's codec. */
export const bpf: FilterKindCodec = {
  kind: 'bpf',
  keys: KEYS,
  check(s) {
    const { fd, program, name } = checkProgram(s, '', BPF_PROG_TYPE_SCHED_CLS, 'a bpf filter');
    const da = s['directAction'] !== undefined && checkBool(s['directAction'], 'directAction');
    const classid = s['classid'] !== undefined ? checkClassid(s['classid'], 'classid') : undefined;
    const actions = checkActionsOf(s);
    const flags = checkClsFlags(s);
    return {
      actions,
      program,
      progFd: program ? undefined : { fd, arg: 'fd', type: BPF_PROG_TYPE_SCHED_CLS },
      put(w, ifindexes) {
        // f_bpf.c's order: classid and actions as read, then the program (fd, name), then the flags.
        if (classid !== undefined) w.putU32(C.TCA_BPF_CLASSID, classid);
        if (actions.length) putActions(w, C.TCA_BPF_ACT, actions, ifindexes);
        w.putU32(C.TCA_BPF_FD, program ? program.fd : fd);
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
