/**
 * Veth pairs for containers: the seed's `veth.rs` and the CNI plugins' SetupVeth,
 * with every lesson built in — one RTM_NEWLINK creates both ends with names, MTU, the
 * container MAC and IFF_UP, each end born directly in its own netns; random host
 * names retried on EEXIST; both ends' indexes and MACs as the kernel reports them; on
 * any failure after the create, the pair is deleted and nothing is left half-made.
 * One handle (in the host netns) per call: opening a handle into another netns costs
 * a socket and a setns round trip, about as much as the kernel's work for the create.
 * @module
 */
import { nodeCrypto } from '../builtins.js';
import { InvalidArgumentError, NetlinkError, ClosedError, SysError, HOST_LE, NLMSG_HDRLEN, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, walkAttrs, checkOptionKeys, showValue, type MessageWriter } from '../netlink/index.js';
import type { RequestWithOptions } from '../netlink/socket.js';
import { Rtnl } from '../rtnl/handle.js';
import * as C from '../rtnl/constants.js';
import { namedMissing, putIfinfomsg } from '../rtnl/link/api.js';
import { IFINFOMSG_LEN } from '../rtnl/link/table.js';
import { checkIfname, checkMtu, checkQueueCount } from '../rtnl/validate.js';
import { isAbsolute } from 'node:path';
import { fstatSync } from 'node:fs';
import { Netns, netnsDir } from '../ns/index.js';
import { MacAddr } from './mac.js';
import * as sys from '../netlink/sys.js';
import { handleFd, netnsStringAdvice } from '../netlink/netns-switch.js';

/** `veth` + 8 hex digits from node:crypto (e.g. 'veth3fa2c1d0'). */
export function randomVethName(): string {
  return `veth${nodeCrypto().randomBytes(4).toString('hex')}`;
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

/** A CNI 1.1 interface object (`interfaces[]` of a result); a field given as `undefined` is left out when printed. */
export interface CniInterface {
  /** Interface name. */
  name: string;
  /** Hardware address, lowercase colon hex. */
  mac?: string | undefined;
  /** MTU, in bytes. */
  mtu?: number | undefined;
  /** The sandbox the interface is in: for a container, its netns path; absent for a host interface. */
  sandbox?: string | undefined;
}

/** A veth pair made by {@link setupVeth}. */
export class Veth {
  /** The end inside the container netns. */
  readonly container: VethEnd;
  /** The end in the host netns. */
  readonly host: VethEnd;
  /** MTU of both ends. */
  readonly mtu: number;

  /** Not for users: {@link setupVeth} makes one for the pair it created. */
  private constructor(container: VethEnd, host: VethEnd, mtu: number) {
    this.container = container;
    this.host = host;
    this.mtu = mtu;
  }

  /** @internal How {@link setupVeth} makes one. */
  static of(container: VethEnd, host: VethEnd, mtu: number): Veth {
    return new Veth(container, host, mtu);
  }

  /**
   * The two CNI 1.1 interface objects, host first: the host end has name, mac and mtu
   * and no sandbox (the spec wants it empty for the host); the container end has name,
   * mac, mtu and sandbox = the container netns path. (`mtu` is a 1.1 field:
   * `formatResult` leaves it out for older versions.)
   */
  toCniInterfaces(): [CniInterface, CniInterface] {
    return [
      { name: this.host.name, mac: this.host.mac.toString(), mtu: this.mtu },
      { name: this.container.name, mac: this.container.mac.toString(), mtu: this.mtu, sandbox: netnsPath(this.container.netns) },
    ];
  }

  /** Plain JSON: both ends with names, indexes, MACs and netns paths. */
  toJSON(): object {
    const end = (e: VethEnd) => ({ name: e.name, index: e.index, mac: e.mac.toString(), netns: netnsPath(e.netns) });
    return { container: end(this.container), host: end(this.host), mtu: this.mtu };
  }
}

/** Options for {@link setupVeth}. */
export interface SetupVethOptions {
  /** Source of random host names when hostName is ''. Defaults to {@link randomVethName}. */
  readonly randomName?: (() => string) | undefined;
  /** Attempts with fresh random names on EEXIST. Defaults to 10. */
  readonly maxAttempts?: number | undefined;
  /**
   * Runs once the pair exists and both ends were read back (for example to add
   * addresses). If it throws, the pair is deleted (by its container end when the host
   * end was renamed or moved) and the error propagates with what was undone added to
   * its message — or, where that message cannot change (a DOMException, a frozen error)
   * or no Error was thrown, as the `cause` of a new Error saying it: the whole setup is
   * atomic. Defaults to none.
   */
  readonly afterCreate?: ((veth: Veth) => void | Promise<void>) | undefined;
  /**
   * Handles to reuse instead of opening one per call (each `Rtnl.open` into another
   * netns costs a socket and two setns calls): `host` must be bound to `hostNs` and
   * `container` to `containerNs`. They are not closed. `host` carries every request;
   * given a `container` handle, the create goes over it instead, echoed (which reads
   * the container end back in the same round trip). Defaults to opening (and closing)
   * one host handle per call, and a container handle only to locate a name clash.
   */
  readonly handles?: { readonly container?: Rtnl | undefined; readonly host?: Rtnl | undefined } | undefined;
  /**
   * TX and RX queues of each end (IFLA_NUM_TX_QUEUES and IFLA_NUM_RX_QUEUES on both ends
   * of the create), an integer in 1..4096. Defaults to the kernel's choice: it allocates
   * one queue per possible CPU, then drops the queues in use to one on each end, a step
   * that waits for an expedited RCU grace period (synchronize_net under RTNL) per end.
   * On a small VM that wait is most of the create's time, and it grows when the other
   * CPUs are busy. `queues: 1` gives the same single queue in use with no wait; the only
   * difference is that `ethtool -L` cannot raise the count later. A larger value gives
   * multi-queue veth (for XDP or parallel traffic).
   *
   * Equivalent to `numtxqueues Q numrxqueues Q` on both ends of `ip link add`.
   */
  readonly queues?: number | undefined;
}

/**
 * The netns a handle's socket works in, as nsfs dev and inode (null where the kernel
 * refuses SIOCGSKNS for good: no CAP_NET_ADMIN, or a kernel without it). A socket's
 * netns is fixed at its creation, so this is read once per socket, not once per
 * setupVeth call (an ioctl, an fstat and a close on every call of a loop that keeps its
 * handles).
 */
const handleNetns = new WeakMap<object, { dev: number; ino: number } | null>();

/** SIOCGSKNS failures that say the same for every later call on the socket. */
const LASTING_SKNS_ERRORS: ReadonlySet<number> = new Set([1 /* EPERM */, 25 /* ENOTTY */, 22 /* EINVAL */, 95 /* EOPNOTSUPP */]);

/**
 * Refuse a kept handle that works in another netns than the one it is given for: the
 * pair would be made (or rolled back) in the wrong place. The socket's netns is read
 * with SIOCGSKNS; where the kernel refuses that (no CAP_NET_ADMIN, or a kernel before
 * 4.9), nothing is checked. Any other failure (out of file descriptors or memory) is
 * thrown: it is not remembered, and the check is not skipped.
 */
function checkHandleNetns(rt: Rtnl, ns: Netns, arg: string, nsArg: string): void {
  const sock = (rt as { sock?: { fd?: unknown } } | null)?.sock;
  const sockFd = sock?.fd;
  if (typeof sockFd !== 'number') throw new InvalidArgumentError(arg, `expected an Rtnl handle, got ${showValue(rt)}`);
  if (sockFd < 0) throw new ClosedError(`${arg} (Rtnl handle)`);
  let id = handleNetns.get(sock!);
  if (id === undefined) {
    const fd = sys.ioctlNoArg(sockFd, sys.SIOCGSKNS);
    if (fd < 0) {
      if (!LASTING_SKNS_ERRORS.has(-fd)) throw new SysError('ioctl(SIOCGSKNS)', -fd, undefined, `reading the netns of ${arg}`);
      id = null;
    } else {
      try {
        const st = fstatSync(fd);
        id = { dev: st.dev, ino: st.ino };
      } finally {
        sys.close(fd);
      }
    }
    handleNetns.set(sock!, id);
  }
  if (id === null) return;
  // A Netns knows its identity; anything else accepted as a netns (a plain { fd }) is asked.
  const nsFd = (ns as { fd: number }).fd;
  const nsId = ns instanceof Netns ? ns : fstatSync(nsFd);
  if (id.dev !== nsId.dev || id.ino !== nsId.ino) {
    throw new InvalidArgumentError(arg, `the handle works in another network namespace than ${nsArg} (${ns instanceof Netns ? ns.toString() : `fd ${nsFd}`})`);
  }
}

const SETUP_OPTION_KEYS: ReadonlySet<string> = new Set(['randomName', 'maxAttempts', 'afterCreate', 'handles', 'queues']);
const HANDLE_KEYS: ReadonlySet<string> = new Set(['host', 'container']);

/**
 * Create a veth pair for a container: `containerName` inside `containerNs`,
 * `hostName` (or a random `vethXXXXXXXX` when '') inside `hostNs`, both with `mtu`,
 * the container end with `containerMac`, both up. Works from any netns: every request
 * goes over one handle bound to `hostNs`, and each end is born directly in its netns
 * (IFLA_NET_NS_FD on both ends of the create message; nothing is moved afterwards).
 *
 * Requests, in order: one RTM_NEWLINK creates both ends (the container end up in the
 * same message; the kernel cannot bring the peer up there), one brings the host end up,
 * one RTM_GETLINK reads the host end back (its index, MAC, and its peer's index and
 * netns id), and — only when no `containerMac` is given — one RTM_GETLINK reads the
 * container end's kernel-chosen MAC (IFLA_TARGET_NETNSID, from the host handle). When
 * a `handles.container` is given, the create goes over it with NLM_F_ECHO instead, which
 * reads the container end back in the same round trip. Older kernels look
 * a new link's name up in the sending socket's netns (so the host's `eth0` would block a
 * container `eth0`): on an EEXIST where neither name is taken in its own netns, the
 * create is sent again that way, from a handle in `containerNs`.
 *
 * Equivalent to: `ip link add NAME netns CTR mtu M address MAC up type veth peer name
 * HOST mtu M` (from HOSTNS) then `ip link set HOST up`.
 *
 * @throws InvalidArgumentError for bad input (before anything is sent): among it a name
 *   with '%' (the kernel would take '%d' as a template and choose the name), and one name
 *   for both ends when both go to one netns.
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
  exactName(containerName, 'containerName');
  if (hostName !== '') exactName(hostName, 'hostName');
  checkMtu(mtu, 'mtu');
  // Every veth's minimum is ETH_MIN_MTU (its maximum, ETH_MAX_MTU, the kernel's refusal names).
  if (mtu < 68) throw new InvalidArgumentError('mtu', `a veth's MTU is at least 68, got ${mtu}`);
  if (containerMac !== undefined && containerMac !== null && !(containerMac instanceof MacAddr)) {
    throw new InvalidArgumentError('containerMac', `expected a MacAddr (MacAddr.parse(...)), null or undefined, got ${showValue(containerMac)}`);
  }
  checkNetns(hostNs, 'hostNs');
  checkNetns(containerNs, 'containerNs');
  if (hostName === containerName && sameNetns(hostNs, containerNs)) {
    throw new InvalidArgumentError('hostName', `'${hostName}' is containerName too, and both ends go to the same netns (${netnsPath(hostNs)}): give the ends different names, or hostName '' for a random one`);
  }
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
  checkOptionKeys(options, SETUP_OPTION_KEYS, 'options.');
  if (options.handles !== undefined) {
    if (typeof options.handles !== 'object' || options.handles === null) throw new InvalidArgumentError('options.handles', `expected { host?, container? }, got ${showValue(options.handles)}`);
    checkOptionKeys(options.handles, HANDLE_KEYS, 'options.handles.');
  }
  checkFunction(options.randomName, 'options.randomName');
  checkFunction(options.afterCreate, 'options.afterCreate');
  const randomName = options.randomName ?? randomVethName;
  const maxAttempts = options.maxAttempts ?? 10;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new InvalidArgumentError('options.maxAttempts', `expected a positive integer, got ${showValue(maxAttempts)}`);
  const queues = options.queues !== undefined ? checkQueueCount(options.queues, 'options.queues') : undefined;
  const mac = containerMac ?? undefined;
  const macBytes = mac?.bytes;

  const given = options.handles ?? {};
  if (given.host !== undefined) checkHandleNetns(given.host, hostNs, 'options.handles.host', 'hostNs');
  if (given.container !== undefined) checkHandleNetns(given.container, containerNs, 'options.handles.container', 'containerNs');
  const hst = given.host ?? Rtnl.open({ netns: hostNs });
  // A handle in the container netns only when given, or when a name clash must be
  // located or the kernel gave no netns id for the container end (opened lazily).
  let ctr = given.container;
  const container = (): Rtnl => (ctr ??= Rtnl.open({ netns: containerNs }));
  try {
    let host = hostName;
    let echoed: LinkBrief | undefined;
    // Send the create from a container-netns handle (echoed) instead of the host handle.
    let viaContainer = given.container !== undefined;
    for (let attempt = 1; ; attempt++) {
      if (hostName === '') host = exactName(randomName(), 'randomName()');
      try {
        echoed = await createPair(viaContainer ? container() : hst, viaContainer, containerName, host, mtu, macBytes, queues, hostNs, containerNs);
        break;
      } catch (e) {
        if (!(e instanceof NetlinkError) || e.code !== 'EEXIST') throw e;
        const ctrClash = await exists(container(), containerName);
        const hostClash = !ctrClash && (await exists(hst, host));
        if (!ctrClash && !hostClash && !viaContainer) {
          // Neither name is taken where its end goes: a kernel from before "rtnetlink:
          // Lookup device in target netns when creating link" (2024) looks the new name
          // up in the sending socket's netns, so the host's own eth0 blocks a container
          // eth0. Send the same create from the container netns instead (not an attempt).
          viaContainer = true;
          attempt--;
          continue;
        }
        if (hostName === '' && !ctrClash && attempt < maxAttempts) continue;
        const where = ctrClash
          ? `'${containerName}' already exists in the container netns (${netnsPath(containerNs)})`
          : hostClash
            ? `'${host}' already exists in the host netns (${netnsPath(hostNs)})`
            : `one of the names is taken (the kernel said EEXIST)`;
        const tries = hostName === '' && !ctrClash ? ` after ${attempt} random host names` : '';
        throw new NetlinkError(e.errno, e.request, e.extack, `cannot create veth pair ${containerName} (container) / ${host} (host): ${where}${tries}`);
      }
    }
    // The pair exists: from here on, any failure deletes it.
    let made: Veth | undefined;
    try {
      // The container end came up in the create message; the peer cannot (ENOTCONN
      // until the pair is linked), so the host end is set up now, from its own netns.
      // The kernel echoes creates, not changes: the host end is read back after.
      await setUp(hst, host);
      const h = await getLinkBrief(hst, 0, host, undefined);
      let c: { index: number; mac: MacAddr };
      if (echoed) c = { index: echoed.index, mac: macOf(echoed, containerName) };
      else if (mac && h.link !== undefined) c = { index: h.link, mac }; // the peer's index, from the kernel; the MAC as set
      else {
        // The kernel chose the MAC: read the container end, by the peer index and netns
        // id the host end reported (same netns: no id), else from a container handle.
        const b = h.link !== undefined && (h.nsid === undefined || h.nsid >= 0)
          ? await getLinkBrief(hst, h.link, undefined, h.nsid)
          : await getLinkBrief(container(), 0, containerName, undefined);
        if (b.name !== containerName) throw new Error(`the peer of ${host} is '${b.name}', not '${containerName}'`);
        c = { index: b.index, mac: macOf(b, containerName) };
      }
      const veth = made = Veth.of(
        { name: containerName, index: c.index, mac: c.mac, netns: containerNs },
        { name: host, index: h.index, mac: macOf(h, host), netns: hostNs },
        mtu,
      );
      if (options.afterCreate) await options.afterCreate(veth);
      return veth;
    } catch (cause) {
      let undone = 'the pair was deleted';
      try {
        // Deleting either end deletes the pair; the host end is in the handle's netns.
        await hst.link.del(host);
      } catch (delErr) {
        if (!(delErr instanceof NetlinkError && delErr.code === 'ENODEV')) {
          throw new AggregateError([cause, delErr], `setupVeth: ${describeThrown(cause)}; and deleting the half-made pair ${containerName}/${host} failed: ${describeThrown(delErr)}`);
        }
        // Not under its name in the host netns: renamed or moved (by afterCreate), or the
        // pair is gone already (deleted by someone else). Deleting the container end
        // deletes the pair too: by its index when it was read back, else by its name.
        try {
          const ctrRt = container();
          await ctrRt.link.del(made?.container.index ?? containerName);
          undone = `the pair was deleted, by its container end: no host end '${host}' in ${hst.where()}`;
        } catch (delErr2) {
          if (!(delErr2 instanceof NetlinkError && delErr2.code === 'ENODEV')) {
            throw new AggregateError([cause, delErr2], `setupVeth: ${describeThrown(cause)}; and deleting the half-made pair ${containerName}/${host} failed: no host end '${host}' in ${hst.where()}, and deleting the container end: ${describeThrown(delErr2)}`);
          }
          undone = `no host end '${host}' was found in ${hst.where()} to delete`;
        }
      }
      throw annotated(cause, `setupVeth ${containerName}/${host}: `, ` (${undone})`);
    }
  } finally {
    if (hst !== given.host) hst.close();
    if (ctr !== undefined && ctr !== given.container) ctr.close();
  }
}

/** A thrown value as text: an Error's message, anything else shown as a value. */
function describeThrown(e: unknown): string {
  return e instanceof Error ? e.message : showValue(e);
}

/**
 * The error a failed step after the create is reported with: the thrown Error itself
 * with `prefix` and `suffix` added to its message (its class, code and fields kept), or
 * — where the message cannot be changed (a DOMException such as AbortSignal.timeout's
 * reason has a getter only; a frozen Error) or what was thrown is no Error — a new
 * Error with that text and the thrown value as its `cause`.
 */
function annotated(e: unknown, prefix: string, suffix: string): Error {
  if (e instanceof Error) {
    const message = `${prefix}${e.message}${suffix}`;
    try {
      e.message = message;
      if (e.message === message) return e;
    } catch {
      // read-only: wrapped below
    }
  }
  // A DOMException's name is its kind ('TimeoutError', 'AbortError'): kept in the text.
  const kind = e instanceof Error && e.name && e.name !== 'Error' ? `${e.name}: ` : '';
  return new Error(`${prefix}${kind}${describeThrown(e)}${suffix}`, { cause: e });
}

/** What setupVeth reads of a link: no full decode, no strings but the name. */
interface LinkBrief {
  index: number;
  name: string;
  mac: MacAddr | undefined;
  /** IFLA_LINK: for a veth end, its peer's ifindex (in the peer's netns). */
  link: number | undefined;
  /** IFLA_LINK_NETNSID: the peer's netns as this netns numbers it; absent when the same. */
  nsid: number | undefined;
}

const BRIEF_PATH: readonly string[] = Object.freeze(['RTM_NEWLINK']);

/** Decode index, name, MAC, IFLA_LINK and IFLA_LINK_NETNSID of an RTM_NEWLINK (other messages: undefined). */
function decodeBrief(buf: Buffer, view: DataView, off: number, len: number): LinkBrief | undefined {
  if (view.getUint16(off + 4, HOST_LE) !== C.RTM_NEWLINK) return undefined;
  const b: LinkBrief = { index: view.getInt32(off + NLMSG_HDRLEN + 4, HOST_LE), name: '', mac: undefined, link: undefined, nsid: undefined };
  walkAttrs(view, off + NLMSG_HDRLEN + IFINFOMSG_LEN, off + len, BRIEF_PATH, (type, v, vl) => {
    if (type === C.IFLA_IFNAME) b.name = buf.toString('utf8', v, v + Math.max(0, vl - 1)); // names may be UTF-8
    else if (type === C.IFLA_ADDRESS && vl === 6) b.mac = new MacAddr(buf.subarray(v, v + 6));
    else if (type === C.IFLA_LINK && vl >= 4) b.link = view.getUint32(v, HOST_LE);
    else if (type === C.IFLA_LINK_NETNSID && vl >= 4) b.nsid = view.getInt32(v, HOST_LE);
  });
  return b;
}

/**
 * RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL for the pair, sent on `rt`: the container end
 * (up, MTU, MAC) and the host end (MTU) each with IFLA_NET_NS_FD of its netns, and
 * `queues` TX and RX queues on each when given. With
 * `echo` (only on a handle in the container netns: the kernel sends the echo of the new
 * device to the port in the device's netns) the container end comes back in the answer.
 */
async function createPair(
  rt: Rtnl, echo: boolean, containerName: string, host: string, mtu: number, mac: Uint8Array | undefined, queues: number | undefined,
  hostNs: Netns, containerNs: Netns,
): Promise<LinkBrief | undefined> {
  const ctrFd = containerNs.fd;
  const hostFd = hostNs.fd;
  const b = await rt.sock.request(C.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | (echo ? NLM_F_ECHO : 0), (w) => {
    putIfinfomsg(w, 0, C.IFF_UP, C.IFF_UP);
    w.putStrz(C.IFLA_IFNAME, containerName);
    w.putU32(C.IFLA_MTU, mtu);
    if (mac) w.putBytes(C.IFLA_ADDRESS, mac);
    if (queues !== undefined) {
      w.putU32(C.IFLA_NUM_TX_QUEUES, queues);
      w.putU32(C.IFLA_NUM_RX_QUEUES, queues);
    }
    if (!echo) w.putU32(C.IFLA_NET_NS_FD, ctrFd);
    const li = w.nestStart(C.IFLA_LINKINFO);
    w.putStrz(C.IFLA_INFO_KIND, 'veth');
    const data = w.nestStart(C.IFLA_INFO_DATA);
    const peer = w.nestStart(C.VETH_INFO_PEER);
    putIfinfomsg(w, 0, 0, 0);
    w.putStrz(C.IFLA_IFNAME, host);
    w.putU32(C.IFLA_MTU, mtu);
    if (queues !== undefined) {
      w.putU32(C.IFLA_NUM_TX_QUEUES, queues);
      w.putU32(C.IFLA_NUM_RX_QUEUES, queues);
    }
    w.putU32(C.IFLA_NET_NS_FD, hostFd);
    w.nestEnd(peer);
    w.nestEnd(data);
    w.nestEnd(li);
  }, echo ? decodeBrief : undefined, { subject: containerName });
  if (echo && b === undefined) throw new Error(`the kernel did not echo the new link ${containerName}`);
  return b;
}

/**
 * The host end up: RTM_NEWLINK with IFF_UP in flags and change, by name — the bytes
 * `rt.link.set(host, { up: true })` sends, without that general method's checks of a
 * change object (a name checked already, one flag). An ENODEV gets the hint
 * rt.link.set gives it ("link 'vh0' does not exist in netns …").
 */
async function setUp(rt: Rtnl, name: string): Promise<void> {
  try {
    await rt.sock.requestWith(C.RTM_NEWLINK, 0, writeSetUp, name, undefined, SET_UP_OPTS);
  } catch (e) {
    throw namedMissing(rt, e, name, 'link');
  }
}

function writeSetUp(w: MessageWriter, name: string): void {
  putIfinfomsg(w, 0, C.IFF_UP, C.IFF_UP);
  w.putStrz(C.IFLA_IFNAME, name);
}

const SET_UP_OPTS: RequestWithOptions<string> = { subjectOf: (name) => `${name} up` };

/** RTM_GETLINK by index or name, optionally in the netns `nsid` names (IFLA_TARGET_NETNSID). */
async function getLinkBrief(rt: Rtnl, index: number, name: string | undefined, nsid: number | undefined): Promise<LinkBrief> {
  const b = await rt.sock.request(C.RTM_GETLINK, 0, (w) => {
    putIfinfomsg(w, index, 0, 0);
    if (name !== undefined) w.putStrz(C.IFLA_IFNAME, name);
    if (nsid !== undefined) w.putS32(C.IFLA_TARGET_NETNSID, nsid);
  }, decodeBrief, { ack: false, subject: name ?? `ifindex ${index}${nsid !== undefined ? ` (netns id ${nsid})` : ''}` });
  if (b === undefined) throw new Error(`no RTM_NEWLINK reply for ${name ?? `ifindex ${index}`}`);
  return b;
}

function macOf(b: LinkBrief, name: string): MacAddr {
  if (!b.mac) throw new Error(`the kernel reported no 6-byte hardware address for ${name}`);
  return b.mac;
}

/**
 * Delete a veth pair by its container-side name, for CNI DEL. Idempotent: a missing
 * link, or a netns that is gone (closed handle or a path that no longer exists), is
 * success. Returns true when something was deleted. The link of that name is deleted
 * whatever its kind, as `ip link del` and the reference CNI plugins do it (no GETLINK
 * first to check it is a veth: that would cost a request and could race); deleting one
 * end of a veth deletes its peer too.
 *
 * A path must be absolute, as CNI_NETNS is: a relative one — a netns name such as
 * 'red' passed where its path '/run/netns/red' belongs — is refused with an
 * InvalidArgumentError, rather than looked up in the working directory, not found,
 * and taken for a namespace that is gone (which left the pair in place and said success).
 *
 * Equivalent to: `ip -n CTR link del NAME` ignoring "Cannot find device".
 * @throws InvalidArgumentError for a bad name, a relative path or anything but a Netns (or a plain `{ fd }` of a netns) or a string.
 */
export async function teardownVeth(containerName: string, containerNs: Netns | string): Promise<boolean> {
  checkIfname(containerName, 'containerName');
  if (typeof containerNs === 'string' && !isAbsolute(containerNs)) {
    const named = containerNs !== '' && !containerNs.includes('/') ? `; a named netns is at ${netnsDir()}/${containerNs} (Netns.getNamed('${containerNs}'))` : '';
    throw new InvalidArgumentError('containerNs', `expected a Netns or the absolute path of a netns file (as CNI_NETNS), got ${showValue(containerNs)}${named}`);
  }
  let ns: { fd: number } | undefined;
  let own: Netns | undefined;
  try {
    if (typeof containerNs === 'string') {
      try {
        own = Netns.fromPath(containerNs);
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return false;
        // A file that is no netns: the wrong value is this function's containerNs.
        if (e instanceof InvalidArgumentError && e.argument === 'path') throw new InvalidArgumentError('containerNs', e.message.slice('invalid path: '.length));
        throw e;
      }
      ns = own;
    } else {
      if (typeof containerNs === 'object' && containerNs !== null && (containerNs as { closed?: unknown }).closed === true) return false;
      // null, a number, {} or a bad fd: an InvalidArgumentError naming containerNs (null
      // threw a TypeError, and a number was taken for an fd, which the type does not say).
      handleFd(containerNs, 'containerNs');
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

/**
 * A name of a veth end: a valid interface name that is the end's own, not a '%d'
 * template (which the kernel fills in): setupVeth reports each end by its name and finds
 * the host end by it, to set it up or delete it again.
 */
function exactName(name: unknown, arg: string): string {
  const s = checkIfname(name, arg);
  if (s.includes('%')) throw new InvalidArgumentError(arg, `'${s}' has a '%' (the kernel takes '%d' as a template and picks the number): setupVeth needs the exact name of each end`);
  return s;
}

function checkFunction(f: unknown, arg: string): void {
  if (f !== undefined && typeof f !== 'function') throw new InvalidArgumentError(arg, `expected a function, got ${showValue(f)}`);
}

function checkNetns(ns: unknown, arg: string): void {
  if (typeof ns !== 'object' || ns === null || !('fd' in ns)) throw new InvalidArgumentError(arg, `expected a Netns, got ${showValue(ns)}${netnsStringAdvice(ns)}`);
  if ((ns as { closed?: boolean }).closed === true) throw new ClosedError(`${arg} (Netns ${(ns as { path?: string }).path ?? ''})`);
  // A plain { fd }: the check Rtnl.open and execNetns run ({ fd: 'x' } and { fd: 1.5 }
  // were written into the create as fds 0 and 1).
  if (!(ns instanceof Netns)) handleFd(ns, arg);
}

/**
 * The path a netns is reported by: a Netns's own; for a plain { fd }, `/proc/PID/fd/FD`,
 * as a Netns names an anonymous namespace (a plain { fd } has no path: messages said
 * '(undefined)' and the container end's CNI sandbox was left out).
 */
function netnsPath(ns: Netns): string {
  return ns instanceof Netns ? ns.path : `/proc/${process.pid}/fd/${(ns as { fd: number }).fd}`;
}

/** Whether two netns handles (a Netns or a plain { fd }) are the same namespace. */
function sameNetns(a: Netns, b: Netns): boolean {
  if (a === b) return true;
  if (a instanceof Netns) return a.equals(b);
  if (b instanceof Netns) return b.equals(a);
  try {
    const sa = fstatSync((a as { fd: number }).fd);
    const sb = fstatSync((b as { fd: number }).fd);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false; // an fd that is not open: the create's EBADF says which
  }
}
