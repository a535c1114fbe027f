/**
 * fq_codel (net/sched/sch_fq_codel.c): fair queueing with CoDel's delay control. Only
 * encoded — as `tc qdisc add … fq_codel` sends it (tc/q_fq_codel.c of iproute2 6.1:
 * each option only when given, in tc's order) — for kernels that build it; a listing
 * shows it as `{ kind: 'other', raw }`.
 * @module
 */
import { InvalidArgumentError, type MessageWriter } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { parseTcSize, parseTcTime, type TcSize, type TcTime } from '../units.js';
import { optInt, type QdiscSpecBase, type TcKindCodec } from './kind.js';
import { checkBool } from '../../validate.js';

/**
 * An fq_codel qdisc for `rt.qdisc.add`. Every option defaults to the kernel's.
 *
 * Equivalent to: `tc qdisc add dev DEV root fq_codel [limit PACKETS] [flows N]
 * [quantum BYTES] [target TIME] [interval TIME] [ecn|noecn] [ce_threshold TIME]
 * [memory_limit BYTES] [drop_batch N]`.
 * @example
 * { link: 'eth0', kind: 'fq_codel', target: '5ms', interval: '100ms', ecn: true }
 */
export interface FqCodelSpec extends QdiscSpecBase {
  /** Fair queueing CoDel (`fq_codel`). */
  readonly kind: 'fq_codel';
  /** Packets queued at most, 1 or more (`limit PACKETS`). Defaults to 10240. */
  readonly limit?: number | undefined;
  /** Flows hashed into, 1 or more (`flows N`). Defaults to 1024. */
  readonly flows?: number | undefined;
  /** Bytes a flow dequeues per round, 1 or more (`quantum BYTES`). Defaults to the device MTU + header. */
  readonly quantum?: number | undefined;
  /** Acceptable queueing delay: µs or tc's text ('5ms') (`target TIME`). Defaults to 5ms. */
  readonly target?: TcTime | undefined;
  /** The window the delay is measured over: µs or text ('100ms') (`interval TIME`). Defaults to 100ms. */
  readonly interval?: TcTime | undefined;
  /** Mark ECN-capable packets instead of dropping them (`ecn` / `noecn`). Defaults to the kernel's (on). */
  readonly ecn?: boolean | undefined;
  /** Mark packets queued longer than this: µs or text (`ce_threshold TIME`). Defaults to none. */
  readonly ceThreshold?: TcTime | undefined;
  /** Bytes of memory the queue may hold: a number or tc's size text ('32mb') (`memory_limit BYTES`). Defaults to 32 MiB. */
  readonly memoryLimit?: TcSize | undefined;
  /** Packets dropped at once when over the limit, 1 or more (`drop_batch N`). Defaults to 64. */
  readonly dropBatch?: number | undefined;
}

interface FqCodelChecked {
  limit: number | undefined;
  flows: number | undefined;
  quantum: number | undefined;
  target: number | undefined;
  interval: number | undefined;
  ecn: boolean | undefined;
  ceThreshold: number | undefined;
  memoryLimit: number | undefined;
  dropBatch: number | undefined;
}

const KEYS: ReadonlySet<string> = new Set(['limit', 'flows', 'quantum', 'target', 'interval', 'ecn', 'ceThreshold', 'memoryLimit', 'dropBatch']);
const U32_MAX = 0xffffffff;

/** A count tc sends only when not 0 (it reads 0 as not given): 1..2^32-1. */
function count(v: unknown, arg: string): number | undefined {
  return v === undefined ? undefined : optInt(v, arg, 1, U32_MAX, 0);
}

/** A time tc sends only when not 0. */
function time(v: unknown, arg: string): number | undefined {
  if (v === undefined) return undefined;
  const us = parseTcTime(v, arg);
  if (us === 0) throw new InvalidArgumentError(arg, 'must be above 0 (tc reads 0 as not given)');
  return us;
}

function check(s: Readonly<Record<string, unknown>>): FqCodelChecked {
  const ceThreshold = s['ceThreshold'] !== undefined ? parseTcTime(s['ceThreshold'], 'ceThreshold') : undefined;
  // ~0U means "not given" to tc and "no threshold" to the kernel.
  if (ceThreshold === U32_MAX) throw new InvalidArgumentError('ceThreshold', `${U32_MAX} µs means no threshold to the kernel: leave it out`);
  const memoryLimit = s['memoryLimit'] !== undefined ? parseTcSize(s['memoryLimit'], 'memoryLimit') : undefined;
  if (memoryLimit === U32_MAX) throw new InvalidArgumentError('memoryLimit', `${U32_MAX} bytes means not given to tc: give at most ${U32_MAX - 1}`);
  return {
    limit: count(s['limit'], 'limit'),
    flows: count(s['flows'], 'flows'),
    quantum: count(s['quantum'], 'quantum'),
    target: time(s['target'], 'target'),
    interval: time(s['interval'], 'interval'),
    ecn: s['ecn'] !== undefined ? checkBool(s['ecn'], 'ecn') : undefined,
    ceThreshold,
    memoryLimit,
    dropBatch: count(s['dropBatch'], 'dropBatch'),
  };
}

/** TCA_OPTIONS in tc's order: limit, flows, quantum, interval, target, ecn, ce_threshold, memory_limit, drop_batch. */
function encode(w: MessageWriter, c: FqCodelChecked): void {
  const a = w.nestStart(C.TCA_OPTIONS, false);
  if (c.limit !== undefined) w.putU32(C.TCA_FQ_CODEL_LIMIT, c.limit);
  if (c.flows !== undefined) w.putU32(C.TCA_FQ_CODEL_FLOWS, c.flows);
  if (c.quantum !== undefined) w.putU32(C.TCA_FQ_CODEL_QUANTUM, c.quantum);
  if (c.interval !== undefined) w.putU32(C.TCA_FQ_CODEL_INTERVAL, c.interval);
  if (c.target !== undefined) w.putU32(C.TCA_FQ_CODEL_TARGET, c.target);
  if (c.ecn !== undefined) w.putU32(C.TCA_FQ_CODEL_ECN, c.ecn ? 1 : 0);
  if (c.ceThreshold !== undefined) w.putU32(C.TCA_FQ_CODEL_CE_THRESHOLD, c.ceThreshold);
  if (c.memoryLimit !== undefined) w.putU32(C.TCA_FQ_CODEL_MEMORY_LIMIT, c.memoryLimit);
  if (c.dropBatch !== undefined) w.putU32(C.TCA_FQ_CODEL_DROP_BATCH_SIZE, c.dropBatch);
  w.nestEnd(a);
}

/** The fq_codel codec (`kind: 'fq_codel'`). */
export const FQ_CODEL: TcKindCodec<FqCodelChecked> = { kind: 'fq_codel', keys: KEYS, check, encode };
