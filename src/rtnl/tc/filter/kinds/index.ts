/**
 * The one place a classifier kind is chosen: TCA_KIND string → codec. Unknown kinds
 * decode with their TCA_OPTIONS raw and cannot be added.
 * @module
 */
import { copyBytes, type CustomCodec } from '../../../../netlink/index.js';
import type { FilterKindCodec } from './kind.js';
import { u32 } from './u32.js';
import { bpf } from './bpf.js';
import { matchall } from './matchall.js';

const kinds = new Map<string, FilterKindCodec>([[u32.kind, u32], [bpf.kind, bpf], [matchall.kind, matchall]]);

/** @internal The codec of a classifier kind, or undefined for kinds nlkit does not know. */
export function filterKindCodec(kind: string): FilterKindCodec | undefined {
  return kinds.get(kind);
}

/** Names of every classifier kind nlkit encodes. */
export function filterKinds(): string[] {
  return [...kinds.keys()];
}

/** TCA_OPTIONS of a filter, decoded by the TCA_KIND before it; raw for a kind nlkit does not know. */
export const filterOptionsCodec: CustomCodec<Record<string, unknown> | Buffer> = {
  decode(ctx, off, len) {
    const kind = ctx.parent['kind'];
    const codec = typeof kind === 'string' ? kinds.get(kind) : undefined;
    if (!codec) return copyBytes(ctx.buf, off, off + len);
    return codec.table.decode(ctx.buf, ctx.view, off, off + len, ctx.path);
  },
};

export { U32_OPTIONS, parseU32Handle, formatU32Handle } from './u32.js';
export type { U32Options, U32Selector, U32Key, U32KeySpec, U32Match, U32PortMatch } from './u32.js';
export { BPF_OPTIONS } from './bpf.js';
export type { BpfOptions } from './bpf.js';
export { MATCHALL_OPTIONS } from './matchall.js';
export type { MatchallOptions } from './matchall.js';
