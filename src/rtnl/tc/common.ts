/**
 * What `rt.qdisc`, `rt.class` and `rt.filter` share beyond the wire format (handle.ts):
 * how a device is named in their messages, the errnos their refusals are read by, the
 * closing of an explained refusal (what it means, then the netns), a listed object told
 * from a spec by `del`, and the key sets of kind-typed specs.
 * @module
 */
import { NetlinkError } from '../../netlink/index.js';
import type { RtnlCore } from '../core.js';

/** The errnos the tc APIs explain (from <errno.h>). */
export const EBADF = 9;
export const ENOENT = 2;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const EOPNOTSUPP = 95;

/** 'a' or 'an' before a kind's name in a sentence ('an ingress', 'a htb', as tc's kinds are read letter by letter or as words). */
export function article(word: string): 'a' | 'an' {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** A device as the tc APIs' messages name it: `'eth0'`, or `ifindex 7`. */
export function devText(link: string | number): string {
  return typeof link === 'number' ? `ifindex ${link}` : `'${link}'`;
}

/** A device as tc's command line names it, for a request's subject: `dev eth0`, `dev ifindex 7`. */
export function devArg(link: string | number): string {
  return `dev ${typeof link === 'number' ? `ifindex ${link}` : link}`;
}

/** Where the handle works, for messages: its netns, or the caller's. */
export function whereOf(core: RtnlCore): string {
  return core.where?.() ?? "the caller's netns";
}

/**
 * The kernel's refusal `e` again, its message saying `why` (what it means for the
 * object), else the kernel's own hint, and the netns.
 */
export function explained(e: NetlinkError, why: string | undefined, core: RtnlCore): NetlinkError {
  const first = why ?? e.hint;
  return new NetlinkError(e.errno, e.request, e.extack, `${first !== undefined ? `${first}; ` : ''}in ${whereOf(core)}`);
}

/**
 * A qdisc, class or filter as `list` returned it, given to `del` (which then deletes
 * that object): it carries the ifindex, the raw handle and parent, and the kind, which
 * no spec does.
 */
export function isListed(s: Record<string, unknown>): boolean {
  return typeof s['rawHandle'] === 'number' && typeof s['rawParent'] === 'number' && typeof s['index'] === 'number' && typeof s['kind'] === 'string';
}

/**
 * The keys a spec of a kind takes: the `common` ones and the kind's own, one set per
 * kind (`cache` holds them, keyed by the kind's codec).
 */
export function kindKeys<K extends { readonly keys: ReadonlySet<string> }>(cache: Map<K, ReadonlySet<string>>, common: readonly string[], codec: K): ReadonlySet<string> {
  let k = cache.get(codec);
  if (!k) cache.set(codec, (k = new Set([...common, ...codec.keys])));
  return k;
}
