/**
 * The one place an action kind is chosen: a filter's action list (TCA_U32_ACT,
 * TCA_BPF_ACT, TCA_MATCHALL_ACT) written as tc's m_action.c writes it and decoded as
 * `tc -j -s filter show` prints it. Unknown kinds decode as `{ kind: 'other', name, raw }`.
 * @module
 */
import { HOST_LE, InvalidArgumentError, childPath, copyBytes, showValue, walkAttrs, type CustomCodec, type MessageWriter, type RawAttribute } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { USER_HZ } from '../../route/decode.js';
import { table } from '../../table-helpers.js';
import { checkKeys, checkObject } from '../../validate.js';
import { decodeTcStats, type TcStats } from '../stats.js';
import { bpfAction, type BpfActionSpec } from './bpf.js';
import { gact, type GactActionSpec } from './gact.js';
import type { ActionKindCodec, CheckedAction, TcfTimes, TcGen } from './kind.js';
import { mirred, type MirredActionSpec } from './mirred.js';
import { verdictOf, type ActionVerdict } from './verdict.js';

export type { MirredActionSpec } from './mirred.js';
export type { GactActionSpec } from './gact.js';
export type { BpfActionSpec, BpfActionSpecCommon } from './bpf.js';
export { VERDICTS } from './verdict.js';
export type { Verdict, VerdictName, ActionVerdict } from './verdict.js';

/** An action of a filter's `actions`, by kind: mirred, gact or bpf. */
export type ActionSpec = MirredActionSpec | GactActionSpec | BpfActionSpec;

const KINDS = new Map<string, ActionKindCodec>([[mirred.kind, mirred], [gact.kind, gact], [bpfAction.kind, bpfAction]]);

/** What every decoded action of a known kind carries. */
export interface ActionBase {
  /** Its place in the filter's list, 1-based (the nest's number; tc's "order"). */
  order: number;
  /** The action's index (tc_gen.index; tc's "index"): actions of one kind are shared by index. */
  index: number;
  /** References held on it (tc_gen.refcnt; tc's "ref"). */
  ref: number;
  /** Filters bound to it (tc_gen.bindcnt; tc's "bind"). */
  bind: number;
  /** What it does with the packet when done (tc's "control_action"): 'stolen', 'pipe', 'drop', { goto: N }… */
  verdict: ActionVerdict;
  /** tc_gen.action, the verdict's number (TC_ACT_*). */
  rawVerdict: number;
  /** Whole seconds since it was installed (struct tcf_t's clock ticks over USER_HZ; tc -j -s "installed"). */
  installed?: number;
  /** Whole seconds since a packet last went through it (tc -j -s "last_used"). */
  lastUsed?: number;
  /** Whole seconds since a packet first went through it, 0 when none has (tc -j -s "first_used"). */
  firstUsed?: number;
  /** tcf_t.expires, whole seconds (tc -j -s "expires"). */
  expires?: number;
  /** Its counters (TCA_ACT_STATS; `tc -s`'s "stats"): packets and bytes that went through it. */
  stats?: TcStats;
  /** TCA_ACT_COOKIE: the user's opaque bytes. */
  cookie?: Buffer;
  /** TCA_ACT_FLAGS' value (TCA_ACT_FLAGS_*). */
  flags?: number;
  /** TCA_ACT_HW_STATS' value (TCA_ACT_HW_STATS_*). */
  hwStats?: number;
  /** TCA_ACT_USED_HW_STATS' value. */
  usedHwStats?: number;
  /** TCA_ACT_IN_HW_COUNT: how many devices offload it. */
  inHwCount?: number;
  /** TCA_ACT_* attributes nlkit does not know, raw. */
  unknown?: RawAttribute[];
  /** The kind's own (TCA_ACT_OPTIONS) attributes nlkit does not know, raw. */
  unknownOptions?: RawAttribute[];
}

/** A decoded mirred action (tc's `mirred (Egress Redirect to device D)`). */
export interface MirredAction extends ActionBase {
  /** The action (TCA_ACT_KIND): 'mirred'. */
  kind: 'mirred';
  /** 'redirect' or 'mirror' (tc's "mirred_action"); absent for an eaction nlkit does not know. */
  action?: 'redirect' | 'mirror';
  /** 'egress' or 'ingress' (tc's "direction"); absent for an eaction nlkit does not know. */
  direction?: 'egress' | 'ingress';
  /** struct tc_mirred's eaction (TCA_EGRESS_REDIR…). */
  eaction: number;
  /** The device's ifindex (tc's "to_dev", by name), in the filter's netns. */
  ifindex: number;
}

/** A decoded gact action (tc's `gact action drop`). */
export interface GactAction extends ActionBase {
  /** The action (TCA_ACT_KIND): 'gact'. */
  kind: 'gact';
  /** TCA_GACT_PROB (struct tc_gact_p: tc's `random`), raw. */
  probability?: Buffer;
}

/** A decoded bpf action. */
export interface BpfAction extends ActionBase {
  /** The action (TCA_ACT_KIND): 'bpf'. */
  kind: 'bpf';
  /** TCA_ACT_BPF_NAME. */
  name?: string;
  /** The program's id (TCA_ACT_BPF_ID). */
  id?: number;
  /** The program's tag, hex (TCA_ACT_BPF_TAG). */
  tag?: string;
  /** TCA_ACT_BPF_FD as sent. */
  fd?: number;
  /** A classic BPF program's length (TCA_ACT_BPF_OPS_LEN). */
  opsLen?: number;
  /** A classic BPF program (TCA_ACT_BPF_OPS), raw. */
  ops?: Buffer;
}

/** An action of a kind nlkit does not decode: its name and its TCA_ACT_OPTIONS raw (never dropped). */
export interface OtherAction {
  /** 'other': an action nlkit does not decode (its TCA_ACT_KIND is `name`). */
  kind: 'other';
  /** TCA_ACT_KIND ('police', 'skbedit', …). */
  name: string;
  /** Its place in the list, 1-based. */
  order: number;
  /** TCA_ACT_OPTIONS' payload (a copy). */
  raw: Buffer;
  /** TCA_ACT_INDEX when the kernel sent it. */
  index?: number;
  /** Its counters (TCA_ACT_STATS). */
  stats?: TcStats;
  /** TCA_ACT_COOKIE. */
  cookie?: Buffer;
  /** TCA_ACT_IN_HW_COUNT. */
  inHwCount?: number;
  /** TCA_ACT_* attributes nlkit does not know, raw. */
  unknown?: RawAttribute[];
}

/** A decoded action, by kind; `kind: 'other'` for kinds nlkit does not decode. */
export type Action = MirredAction | GactAction | BpfAction | OtherAction;

/** Kinds whose spec nlkit encodes. */
export function actionKinds(): string[] {
  return [...KINDS.keys()];
}

/** @internal Check an `actions` list (1..TCA_ACT_MAX_PRIO specs), nothing looked up yet. */
export function checkActions(v: unknown, arg: string): CheckedAction[] {
  if (!Array.isArray(v)) throw new InvalidArgumentError(arg, `expected an array of actions, got ${showValue(v)}`);
  if (v.length === 0) throw new InvalidArgumentError(arg, 'an empty action list: leave actions out instead');
  if (v.length > C.TCA_ACT_MAX_PRIO) throw new InvalidArgumentError(arg, `a filter takes at most ${C.TCA_ACT_MAX_PRIO} actions (TCA_ACT_MAX_PRIO), got ${v.length}`);
  const out: CheckedAction[] = [];
  for (let i = 0; i < v.length; i++) {
    const a = `${arg}[${i}]`;
    const s = checkObject(v[i] ?? null, a);
    const k = s['kind'];
    const codec = typeof k === 'string' ? KINDS.get(k) : undefined;
    if (!codec) throw new InvalidArgumentError(`${a}.kind`, `unknown action kind ${showValue(k)} (nlkit encodes ${actionKinds().join(', ')})`);
    checkKeys(s, codec.keys, `${a}.`);
    out.push(codec.check(s, a));
  }
  return out;
}

/**
 * @internal Write an action list as attribute `type` (TCA_U32_ACT…), as tc's
 * parse_action does: the list and each numbered action nest without NLA_F_NESTED, the
 * kind's TCA_ACT_OPTIONS with it. `ifindexes[i]` is action i's device (0 without one).
 */
export function putActions(w: MessageWriter, type: number, actions: readonly CheckedAction[], ifindexes: readonly number[]): void {
  const list = w.nestStart(type, false);
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    const n = w.nestStart(i + 1, false);
    w.putStrz(C.TCA_ACT_KIND, a.kind);
    const o = w.nestStart(C.TCA_ACT_OPTIONS, true);
    a.putOptions(w, ifindexes[i] ?? 0);
    w.nestEnd(o);
    w.nestEnd(n);
  }
  w.nestEnd(list);
}

/** An nla_bitfield32 attribute's value (its selector is not kept). */
const bitfieldValue: CustomCodec<number> = {
  decode(ctx, off, len) {
    return len >= 4 ? ctx.view.getUint32(off, HOST_LE) : undefined;
  },
};

/** TCA_ACT_STATS: the gnet_stats nest. */
const statsCodec: CustomCodec<TcStats> = {
  decode(ctx, off, len) {
    return decodeTcStats(ctx.view, off, len, ctx.path);
  },
};

/** TCA_ACT_OPTIONS, decoded by the TCA_ACT_KIND before it (the kernel writes the kind first); raw for a kind nlkit does not know. */
const optionsCodec: CustomCodec<Record<string, unknown> | Buffer> = {
  decode(ctx, off, len) {
    const kind = ctx.parent['kind'];
    const codec = typeof kind === 'string' ? KINDS.get(kind) : undefined;
    if (!codec) return copyBytes(ctx.buf, off, off + len);
    return codec.table.decode(ctx.buf, ctx.view, off, off + len, ctx.path);
  },
};

/** The attributes of one action (TCA_ACT_*). */
export const TCA_ACT = table('TCA_ACT', 'TCA_ACT_', [
  ['TCA_ACT_KIND', 'strz'],
  ['TCA_ACT_OPTIONS', optionsCodec],
  ['TCA_ACT_INDEX', 'u32'],
  ['TCA_ACT_STATS', statsCodec],
  ['TCA_ACT_PAD', { decode: () => undefined }],
  ['TCA_ACT_COOKIE', 'binary'],
  ['TCA_ACT_FLAGS', bitfieldValue],
  ['TCA_ACT_HW_STATS', bitfieldValue],
  ['TCA_ACT_USED_HW_STATS', bitfieldValue],
  ['TCA_ACT_IN_HW_COUNT', 'u32'],
]);

/** One decoded action nest → an {@link Action}. */
function actionOf(order: number, a: Record<string, unknown>): Action {
  const kind = a['kind'];
  const codec = typeof kind === 'string' ? KINDS.get(kind) : undefined;
  const opts = a['options'];
  if (!codec || opts === undefined || Buffer.isBuffer(opts)) {
    const other: OtherAction = { kind: 'other', name: typeof kind === 'string' ? kind : '', order, raw: Buffer.isBuffer(opts) ? opts : Buffer.alloc(0) };
    for (const k of ['index', 'stats', 'cookie', 'inHwCount', 'unknown'] as const) if (a[k] !== undefined) (other as unknown as Record<string, unknown>)[k] = a[k];
    return other;
  }
  const o = opts as Record<string, unknown>;
  const gen = o['parms'] as TcGen | undefined;
  const tm = o['tm'] as TcfTimes | undefined;
  const rawVerdict = gen?.action ?? 0;
  const out: Record<string, unknown> = {
    kind: codec.kind, order, index: gen?.index ?? (a['index'] as number | undefined) ?? 0, ref: gen?.refcnt ?? 0, bind: gen?.bindcnt ?? 0,
    verdict: verdictOf(rawVerdict), rawVerdict, ...codec.fields(o),
  };
  if (tm) {
    // tc's print_tm: the kernel's clock ticks over USER_HZ, truncated.
    out['installed'] = Math.trunc(tm.install / USER_HZ);
    out['lastUsed'] = Math.trunc(tm.lastuse / USER_HZ);
    out['firstUsed'] = Math.trunc(tm.firstuse / USER_HZ);
    out['expires'] = Math.trunc(tm.expires / USER_HZ);
  }
  for (const k of ['stats', 'cookie', 'flags', 'hwStats', 'usedHwStats', 'inHwCount', 'unknown'] as const) if (a[k] !== undefined) out[k] = a[k];
  if (o['unknown'] !== undefined) out['unknownOptions'] = o['unknown'];
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as unknown as Action;
}

/** @internal A filter's action list attribute (TCA_U32_ACT…): its numbered nests, in order. */
export const actionsCodec: CustomCodec<Action[]> = {
  decode(ctx, off, len) {
    const out: Action[] = [];
    walkAttrs(ctx.view, off, off + len, ctx.path, (type, aoff, alen) => {
      const a = TCA_ACT.decode(ctx.buf, ctx.view, aoff, aoff + alen, childPath(ctx.path, `action ${type}`));
      out.push(actionOf(type, a));
    });
    return out;
  },
};
