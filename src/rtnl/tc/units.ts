/**
 * tc's units: rates, sizes and times as numbers or as the text `tc` reads ('1mbit',
 * '32kbit', '400ms'), and the scheduler-clock arithmetic of iproute2's tc_core.c that
 * turns a burst in bytes into the kernel's ticks and back.
 * @module
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, showValue } from '../../netlink/index.js';

/**
 * A rate: a number of bytes per second (what `tc -j` prints and Go's netlink takes), or
 * tc's rate text: a number and a unit, as `tc`'s get_rate64 reads it — `bit`, `kbit`,
 * `mbit`, `gbit`, `tbit` (SI, bits per second), `Kibit`, `mibit`, `gibit`, `tibit` (IEC),
 * `Bps`, `KBps`, `MBps`, `GBps`, `TBps` and `KiBps` … `TiBps` (bytes per second); case
 * does not matter, so `mbps` is megabytes per second, as in tc.
 */
export type TcRate = number | string;
/**
 * A size: a number of bytes, or tc's size text as its get_size reads it — a number
 * (bytes) followed by nothing or `b`, `k`/`kb` (KiB), `m`/`mb` (MiB), `g`/`gb` (GiB),
 * `kbit` (128 bytes), `mbit`, `gbit`; case does not matter.
 */
export type TcSize = number | string;
/**
 * A time: a number of microseconds, or tc's time text as its get_time reads it — a
 * number (µs) followed by nothing, `us`/`usec`/`usecs`, `ms`/`msec`/`msecs` or
 * `s`/`sec`/`secs`; case does not matter.
 */
export type TcTime = number | string;

/** A decimal number as strtod reads one (no sign, no hex, no inf/nan, no spaces), then a unit of letters. */
const NUMBER_AND_UNIT = /^((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([A-Za-z]*)$/;

/** tc's rate units (tc/tc_util.c, lib/utils_math.c: get_rate64), lowercased: bits per second of one unit. */
const RATE_UNITS: ReadonlyMap<string, number> = new Map([
  ['bit', 1], ['kibit', 1024], ['kbit', 1000], ['mibit', 1024 * 1024], ['mbit', 1000000],
  ['gibit', 1024 * 1024 * 1024], ['gbit', 1000000000], ['tibit', 1024 * 1024 * 1024 * 1024], ['tbit', 1000000000000],
  ['bps', 8], ['kibps', 8 * 1024], ['kbps', 8000], ['mibps', 8 * 1024 * 1024], ['mbps', 8000000],
  ['gibps', 8 * 1024 * 1024 * 1024], ['gbps', 8000000000], ['tibps', 8 * 1024 * 1024 * 1024 * 1024], ['tbps', 8000000000000],
]);

/** tc's size units (get_size), lowercased: bytes of one unit ('' and 'b': bytes). */
const SIZE_UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1], ['b', 1], ['k', 1024], ['kb', 1024], ['m', 1024 * 1024], ['mb', 1024 * 1024], ['g', 1024 * 1024 * 1024], ['gb', 1024 * 1024 * 1024],
  ['kbit', 1024 / 8], ['mbit', 1024 * 1024 / 8], ['gbit', 1024 * 1024 * 1024 / 8],
]);

/** tc's time units (get_time), lowercased: microseconds of one unit ('': µs). */
const TIME_UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1], ['us', 1], ['usec', 1], ['usecs', 1], ['ms', 1000], ['msec', 1000], ['msecs', 1000], ['s', 1000000], ['sec', 1000000], ['secs', 1000000],
]);

const U32_MAX = 0xffffffff;

function splitUnit(v: string, arg: string, what: string, example: string): [number, string] {
  const m = NUMBER_AND_UNIT.exec(v);
  if (!m) {
    const hint = /\s/.test(v) ? ' (no space between the number and the unit)' : v.startsWith('-') ? ' (it cannot be negative)'
      : what === 'rate' && v.endsWith('%') ? " (tc's percentage of the device's speed, 'rate 10%', is not taken: give the rate itself)" : '';
    throw new InvalidArgumentError(arg, `expected a ${what} like ${example}, got ${showValue(v)}${hint}`);
  }
  return [Number(m[1]), m[2]!.toLowerCase()];
}

function unitList(units: ReadonlyMap<string, number>): string {
  return [...units.keys()].filter((u) => u !== '').join(', ');
}

/**
 * Read a rate as `tc` does (get_rate64): a number is bytes per second; text is a number
 * and a unit ('1mbit', '10Mbit', '125kbps', '512kbit', '1gbit', '1.5Mibit'), converted to
 * bytes per second and truncated, as tc truncates it. Text without a unit is refused,
 * although tc reads it as bits per second: nlkit's numbers are bytes per second, so
 * '1000' would mean 125 bytes/s where 1000 means 1000 — write '1000bit' or 125.
 *
 * Equivalent to: the rate arguments of `tc qdisc/class add … rate R ceil R peakrate R`.
 * @example parseTcRate('1mbit') // 125000
 * @example parseTcRate(125000) // 125000
 * @returns bytes per second, an integer from 0 to Number.MAX_SAFE_INTEGER.
 * @throws InvalidArgumentError naming `arg`: a negative, fractional or non-finite
 *   number, or text tc would not read (a space before the unit, an unknown unit).
 */
export function parseTcRate(v: unknown, arg = 'rate'): number {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(arg, `a rate is a whole number of bytes per second (0..${Number.MAX_SAFE_INTEGER}) or tc's text like '1mbit', got ${showValue(v)}`);
    return v;
  }
  if (typeof v !== 'string') throw new InvalidArgumentError(arg, `expected bytes per second or tc's rate text like '1mbit', got ${showValue(v)}`);
  const [n, unit] = splitUnit(v, arg, 'rate', "'1mbit', '100kbit' or '125kbps'");
  if (unit === '') throw new InvalidArgumentError(arg, `${showValue(v)} has no unit: tc reads a bare number as bits per second, nlkit's numbers are bytes per second; write '${v}bit', or the number of bytes per second`);
  const scale = RATE_UNITS.get(unit);
  if (scale === undefined) throw new InvalidArgumentError(arg, `unknown rate unit '${unit}' in ${showValue(v)} (tc's units: ${unitList(RATE_UNITS)}; case does not matter)`);
  // As get_rate64: the double times the unit, divided by 8, converted to an integer.
  const bytes = Math.trunc((n * scale) / 8);
  if (!Number.isSafeInteger(bytes)) throw new InvalidArgumentError(arg, `${showValue(v)} is too large a rate`);
  return bytes;
}

/**
 * @internal What a refusal of a zero rate adds when the rate was text: '1bit' … '7bit'
 * are above 0 as written, and 0 bytes per second once truncated.
 */
export function zeroRateNote(v: unknown): string {
  return typeof v === 'string' ? ` (${showValue(v)} is less than one byte per second, which tc truncates to 0 as nlkit does)` : '';
}

/**
 * Read a size as `tc` does (get_size): a number is bytes; text is a number and an
 * optional unit ('1600', '1600b', '15k', '1mb', '32kbit' = 4096 bytes), truncated to
 * whole bytes as tc truncates it. Sizes above 4294967295 bytes are refused, as tc
 * refuses them.
 *
 * Equivalent to: the size arguments of `tc … burst B limit B mtu B mpu B`.
 * @example parseTcSize('32kbit') // 4096
 * @returns bytes, an integer from 0 to 4294967295.
 * @throws InvalidArgumentError naming `arg`: a negative, fractional, too large or
 *   non-finite number, or text tc would not read.
 */
export function parseTcSize(v: unknown, arg = 'size'): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new InvalidArgumentError(arg, `a size is a whole number of bytes (0..${U32_MAX}) or tc's text like '32kbit' or '1600b', got ${showValue(v)}`);
    return v;
  }
  if (typeof v !== 'string') throw new InvalidArgumentError(arg, `expected a number of bytes or tc's size text like '32kbit' or '15k', got ${showValue(v)}`);
  const [n, unit] = splitUnit(v, arg, 'size', "'1600', '15k', '1mb' or '32kbit'");
  const scale = SIZE_UNITS.get(unit);
  if (scale === undefined) throw new InvalidArgumentError(arg, `unknown size unit '${unit}' in ${showValue(v)} (tc's units: ${unitList(SIZE_UNITS)}; case does not matter)`);
  const bytes = Math.trunc(n * scale);
  if (!(bytes <= U32_MAX)) throw new InvalidArgumentError(arg, `${showValue(v)} is more than ${U32_MAX} bytes, the most tc and the kernel take`);
  return bytes;
}

/**
 * Read a time as `tc` does (get_time): a number is microseconds; text is a number and an
 * optional unit ('500us', '25ms', '1s', '1.5ms'), truncated to whole microseconds as tc
 * truncates it. Times above 4294967295 µs (about 71 minutes) are refused: the kernel's
 * fields are 32 bits.
 *
 * Equivalent to: the time arguments of `tc … latency T target T interval T`.
 * @example parseTcTime('400ms') // 400000
 * @returns microseconds, an integer from 0 to 4294967295.
 * @throws InvalidArgumentError naming `arg`: a negative, fractional, too large or
 *   non-finite number, or text tc would not read ('5parsecs').
 */
export function parseTcTime(v: unknown, arg = 'time'): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new InvalidArgumentError(arg, `a time is a whole number of microseconds (0..${U32_MAX}) or tc's text like '400ms', got ${showValue(v)}`);
    return v;
  }
  if (typeof v !== 'string') throw new InvalidArgumentError(arg, `expected microseconds or tc's time text like '400ms' or '500us', got ${showValue(v)}`);
  const [n, unit] = splitUnit(v, arg, 'time', "'400ms', '500us' or '1s'");
  const scale = TIME_UNITS.get(unit);
  if (scale === undefined) throw new InvalidArgumentError(arg, `unknown time unit '${unit}' in ${showValue(v)} (tc's units: ${unitList(TIME_UNITS)}; case does not matter)`);
  const us = Math.trunc(n * scale);
  if (!(us <= U32_MAX)) throw new InvalidArgumentError(arg, `${showValue(v)} is more than ${U32_MAX} µs, the most the kernel's 32-bit fields hold`);
  return us;
}

/** tc's TIME_UNITS_PER_SEC: its times are microseconds. */
const TIME_UNITS_PER_SEC = 1000000;

/** The scheduler clock as /proc/net/psched describes it, read as tc_core_init and get_hz read it. */
interface Psched {
  /** Ticks per microsecond (iproute2's tick_in_usec; 15.625 on every kernel since 2.6.x: a tick is 64 ns). */
  tickInUsec: number;
  /** What iproute2's get_hz returns (the clock resolution: 1e9 with high-resolution timers). */
  hz: number;
}

let psched: Psched | undefined;

/**
 * @internal /proc/net/psched, read once, as tc reads it: t2us, us2t, clock_res and the
 * timer's rate. When it cannot be read (no /proc), the values every kernel since 2.6.31
 * gives: 1000 64 1000000 1000000000.
 */
export function pschedClock(): Psched {
  if (psched) return psched;
  let t2us = 1000;
  let us2t = 64;
  let clockRes = 1000000;
  let timer = 1000000000;
  try {
    const f = readFileSync('/proc/net/psched', 'latin1').trim().split(/\s+/).map((x) => parseInt(x, 16));
    if (f.length >= 4 && f.every((x) => Number.isInteger(x) && x > 0)) [t2us, us2t, clockRes, timer] = f as [number, number, number, number];
  } catch {
    // No /proc (or no CONFIG_PROC_FS): the kernel's constants above.
  }
  // tc_core_init: "compatibility hack" for nanosecond clocks.
  if (clockRes === 1000000000) t2us = us2t;
  const clockFactor = clockRes / TIME_UNITS_PER_SEC;
  // get_hz: the fourth field when the third is 1000000, else HZ (100 in iproute2's headers).
  psched = { tickInUsec: (t2us / us2t) * clockFactor, hz: clockRes === 1000000 ? timer : 100 };
  return psched;
}

/** A C conversion of a non-negative double to `unsigned int` (truncation; gcc on x86-64 keeps the low 32 bits of a larger value). */
function u32(x: number): number {
  return Math.trunc(x) % 0x100000000;
}

/** @internal tc_core_time2tick: microseconds → scheduler ticks (unsigned). */
export function timeToTicks(us: number): number {
  return u32(u32(us) * pschedClock().tickInUsec);
}

/** @internal tc_core_tick2time: scheduler ticks → microseconds (unsigned). */
export function ticksToTime(ticks: number): number {
  return u32(ticks / pschedClock().tickInUsec);
}

/**
 * @internal tc_calc_xmittime: the ticks it takes to send `size` bytes at `rate` bytes per second,
 * as tc computes the buffer of a tbf or htb: the microseconds truncated first, then the
 * ticks. Undefined when the result does not fit the kernel's 32-bit field.
 */
export function xmitTicks(rate: number, size: number): number | undefined {
  // In tc's order of operations: a different order rounds differently, and the truncation shows it.
  const us = TIME_UNITS_PER_SEC * (size / rate);
  const ticks = Math.trunc(Math.trunc(us) * pschedClock().tickInUsec);
  return us <= U32_MAX && ticks <= U32_MAX ? ticks : undefined;
}

/** @internal tc_calc_xmitsize: the bytes `ticks` of sending at `rate` bytes per second carry, as tc prints a burst. */
export function xmitSize(rate: number, ticks: number): number {
  return u32((rate * ticksToTime(ticks)) / TIME_UNITS_PER_SEC);
}
