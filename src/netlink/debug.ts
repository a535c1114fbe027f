/**
 * Debug logging: `NODE_DEBUG=nlkit` prints requests, replies and errors to stderr.
 * Checked once per call site through `debugEnabled` so hot paths pay nothing when off.
 * @module
 */
import { debuglog } from 'node:util';

let enabled = false;
/** The nlkit debug logger (`util.debuglog('nlkit')`). */
export const debug = debuglog('nlkit', (fn) => {
  enabled = true;
  void fn;
});

/** True when NODE_DEBUG includes nlkit. */
export function debugEnabled(): boolean {
  // debuglog initialises lazily on first call; probe it once.
  if (!probed) {
    probed = true;
    enabled = debug.enabled;
  }
  return enabled;
}
let probed = false;

/** Hex dump of at most `max` bytes for debug output. */
export function hex(b: Uint8Array, max = 256): string {
  const n = Math.min(b.length, max);
  let s = '';
  for (let i = 0; i < n; i++) s += (i % 16 === 0 ? (i ? '\n    ' : '    ') : ' ') + b[i]!.toString(16).padStart(2, '0');
  return n < b.length ? `${s} …(+${b.length - n})` : s;
}
