/**
 * Veth pairs for containers: the seed's `veth.rs` and the CNI plugins' SetupVeth,
 * with every lesson built in — one RTM_NEWLINK creates both ends with names, MTU, the
 * container MAC and IFF_UP, the host end born directly in the host netns; random host
 * names retried on EEXIST; both ends read back from their own netns; on any failure
 * after the create, the pair is deleted and nothing is left half-made.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, NetlinkError, ClosedError } from '../netlink/index.js';
import { Rtnl, type Link } from '../rtnl/index.js';
import { checkIfname, checkMtu } from '../rtnl/validate.js';
import { Netns } from '../ns/index.js';
import { MacAddr } from './mac.js';

/** `veth` + 8 hex digits from node:crypto (e.g. 'veth3fa2c1d0'). */
export function randomVethName(): string {
  return `veth${randomBytes(4).toString('hex')}`;
}

/** One end of a veth pair. */
export interface VethEnd {
  /** Interface name. */
  readonly name: string;
  /** ifindex in its own netns. */
  readonly index: number;
  /** Hardware address as read back from the kernel. */
  readonly mac: MacAddr;
  /** The netns it lives in. */
  readonly netns: Netns;
}

/** A CNI 1.1 interface object (`interfaces[]` of a result). */
export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
}

/** A veth pair made by {@link setupVeth}. */
export class Veth {
  /** The end inside the container netns. */
  readonly container: VethEnd;
  /** The end in the host netns. */
  readonly host: VethEnd;
  /** MTU of both ends. */
  readonly mtu: number;

  /** @internal */
  constructor(container: VethEnd, host: VethEnd, mtu: number) {
    this.container = container;
    this.host = host;
    this.mtu = mtu;
  }

  /**
   * The two CNI 1.1 interface objects, host first: the host end has name and mac and
   * no sandbox (the spec wants it empty for the host); the container end has name,
   * mac and sandbox = the container netns path.
   */
  toCniInterfaces(): [CniInterface, CniInterface] {
    return [
      { name: this.host.name, mac: this.host.mac.toString() },
      { name: this.container.name, mac: this.container.mac.toString(), sandbox: this.container.netns.path },
    ];
  }

  /** Plain JSON: both ends with names, indexes, MACs and netns paths. */
  toJSON(): object {
    const end = (e: VethEnd) => ({ name: e.name, index: e.index, mac: e.mac.toString(), netns: e.netns.path });
    return { container: end(this.container), host: end(this.host), mtu: this.mtu };
  }
}

/** Options for {@link setupVeth}. */
export interface SetupVethOptions {
  /** Source of random host names when hostName is ''. Defaults to {@link randomVethName}. */
  readonly randomName?: () => string;
  /** Attempts with fresh random names on EEXIST. Defaults to 10. */
  readonly maxAttempts?: number;
  /**
   * Runs once the pair exists and both ends were read back (for example to add
   * addresses). If it throws, the pair is deleted and the error propagates: the whole
   * setup is atomic. Defaults to none.
   */
  readonly afterCreate?: (veth: Veth) => void | Promise<void>;
  /**
   * Handles to reuse instead of opening two per call (each `Rtnl.open` into another
   * netns costs a socket and two setns calls): `container` must be bound
   * to `containerNs` and `host` to `hostNs`. They are not closed. Defaults to opening
   * (and closing) fresh ones.
   */
  readonly handles?: { readonly container?: Rtnl; readonly host?: Rtnl };
}

/**
 * Create a veth pair for a container: `containerName` inside `containerNs`,
 * `hostName` (or a random `vethXXXXXXXX` when '') inside `hostNs`, both with `mtu`,
 * the container end with `containerMac`, both up. Works from any netns: the request is
 * sent on a handle bound to `containerNs` and the peer is created directly in `hostNs`.
 *
 * Equivalent to: `ip -n CTR link add NAME mtu M address MAC type veth peer name HOST
 * mtu M netns HOSTNS` then `ip link set up` on both ends.
 *
 * @throws InvalidArgumentError for bad input (before anything is sent).
 * @throws NetlinkError 'EEXIST' naming both ends and the netns holding the clash,
 *   when an explicit name is taken (random host names are retried).
 */
export async function setupVeth(
  containerName: string,
  hostName: string,
  mtu: number,
  containerMac: MacAddr | null | undefined,
  hostNs: Netns,
  containerNs: Netns,
  options: SetupVethOptions = {},
): Promise<Veth> {
  checkIfname(containerName, 'containerName');
  if (hostName !== '') checkIfname(hostName, 'hostName');
  checkMtu(mtu, 'mtu');
  if (containerMac !== undefined && containerMac !== null && !(containerMac instanceof MacAddr)) {
    throw new InvalidArgumentError('containerMac', 'expected a MacAddr (MacAddr.parse(...)), null or undefined');
  }
  checkNetns(hostNs, 'hostNs');
  checkNetns(containerNs, 'containerNs');
  const randomName = options.randomName ?? randomVethName;
  const maxAttempts = options.maxAttempts ?? 10;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new InvalidArgumentError('options.maxAttempts', 'expected a positive integer');

  const given = options.handles ?? {};
  const ctr = given.container ?? Rtnl.open({ netns: containerNs });
  let hst: Rtnl | undefined;
  try {
    hst = given.host ?? Rtnl.open({ netns: hostNs });
    let host = hostName;
    let c: Link | undefined;
    for (let attempt = 1; ; attempt++) {
      if (hostName === '') host = checkIfname(randomName(), 'randomName()');
      try {
        // NLM_F_ECHO returns the container end as created (index, MAC) in the same round trip.
        c = await ctr.link.add({
          name: containerName,
          kind: 'veth',
          mtu,
          up: true,
          ...(containerMac ? { address: containerMac } : {}),
          peer: { name: host, mtu, netns: hostNs },
        }, { echo: true });
        break;
      } catch (e) {
        if (!(e instanceof NetlinkError) || e.code !== 'EEXIST') throw e;
        const ctrClash = await exists(ctr, containerName);
        const hostClash = !ctrClash && (await exists(hst, host));
        if (hostName === '' && !ctrClash && attempt < maxAttempts) continue;
        const where = ctrClash
          ? `'${containerName}' already exists in the container netns (${containerNs.path})`
          : hostClash
            ? `'${host}' already exists in the host netns (${hostNs.path})`
            : `one of the names is taken (the kernel said EEXIST)`;
        const tries = hostName === '' && !ctrClash ? ` after ${attempt} random host names` : '';
        throw new NetlinkError(e.errno, e.request, e.extack, `cannot create veth pair ${containerName} (container) / ${host} (host): ${where}${tries}`);
      }
    }
    // The pair exists: from here on, any failure deletes it.
    try {
      // The container end came up in the create message; the peer cannot (ENOTCONN
      // until the pair is linked), so the host end is set up now, in its own netns,
      // and echoed back (index and MAC read from its own netns).
      const h = await hst.link.set(host, { up: true }, { echo: true });
      const veth = new Veth(
        { name: c.name, index: c.index, mac: MacAddr.parse(c.address ?? ''), netns: containerNs },
        { name: h.name, index: h.index, mac: MacAddr.parse(h.address ?? ''), netns: hostNs },
        mtu,
      );
      if (options.afterCreate) await options.afterCreate(veth);
      return veth;
    } catch (e) {
      const cause = e as Error;
      try {
        await ctr.link.del(containerName);
      } catch (delErr) {
        if (!(delErr instanceof NetlinkError && delErr.code === 'ENODEV')) {
          throw new AggregateError([cause, delErr], `setupVeth: ${cause.message}; and deleting the half-made pair ${containerName}/${host} failed: ${(delErr as Error).message}`);
        }
      }
      if (cause instanceof Error) cause.message = `setupVeth ${containerName}/${host}: ${cause.message} (the pair was deleted)`;
      throw cause;
    }
  } finally {
    if (ctr !== given.container) ctr.close();
    if (hst !== given.host) hst?.close();
  }
}

/**
 * Delete a veth pair by its container-side name, for CNI DEL. Idempotent: a missing
 * link, or a netns that is gone (closed handle or a path that no longer exists), is
 * success. Returns true when something was deleted.
 *
 * Equivalent to: `ip -n CTR link del NAME` ignoring "Cannot find device".
 */
export async function teardownVeth(containerName: string, containerNs: Netns | string): Promise<boolean> {
  checkIfname(containerName, 'containerName');
  let ns: { fd: number } | undefined;
  let own: Netns | undefined;
  try {
    if (typeof containerNs === 'string') {
      try {
        own = Netns.fromPath(containerNs);
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return false;
        throw e;
      }
      ns = own;
    } else {
      if (containerNs.closed) return false;
      ns = containerNs;
    }
    const rt = Rtnl.open({ netns: ns });
    try {
      await rt.link.del(containerName);
      return true;
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENODEV') return false;
      throw e;
    } finally {
      rt.close();
    }
  } finally {
    own?.close();
  }
}

async function exists(rt: Rtnl, name: string): Promise<boolean> {
  try {
    await rt.link.index(name);
    return true;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENODEV') return false;
    throw e;
  }
}

function checkNetns(ns: unknown, arg: string): void {
  if (typeof ns !== 'object' || ns === null || !('fd' in ns)) throw new InvalidArgumentError(arg, 'expected a Netns');
  if ((ns as { closed?: boolean }).closed === true) throw new ClosedError(`${arg} (Netns ${(ns as { path?: string }).path ?? ''})`);
}
