/**
 * The slab pool: fixed-size `ArrayBuffer` slabs reused across messages so that
 * steady-state encoding allocates nothing. A slab is taken by a writer or a receive
 * loop and given back on close; slabs above {@link MAX_POOLED} bytes are never kept.
 * @module
 */

/** Size of a standard slab: fits any rtnetlink request and a full 32 KiB dump part. */
export const SLAB_SIZE = 64 * 1024;
/** Slabs bigger than this are dropped instead of pooled. */
export const MAX_POOLED = 1024 * 1024;
/** How many free slabs the pool keeps at most. */
export const MAX_FREE = 16;

const free: Buffer[] = [];

/** Statistics for tests and benchmarks: slabs created and reused. */
export const poolStats = { created: 0, reused: 0, released: 0 };

/**
 * Take a zero-filled-on-demand slab of at least `size` bytes. Its contents are stale
 * (it comes from `allocUnsafeSlow` or a previous user): writers zero what they pad.
 */
export function acquireSlab(size = SLAB_SIZE): Buffer {
  if (size <= SLAB_SIZE) {
    const b = free.pop();
    if (b !== undefined) {
      poolStats.reused++;
      return b;
    }
    size = SLAB_SIZE;
  }
  poolStats.created++;
  return Buffer.allocUnsafeSlow(size);
}

/** Give a slab back. Standard-size slabs are kept (up to MAX_FREE); others dropped. */
export function releaseSlab(b: Buffer): void {
  poolStats.released++;
  if (b.length === SLAB_SIZE && free.length < MAX_FREE && !free.includes(b)) free.push(b);
}
