/**
 * Generic netlink (NETLINK_GENERIC): the handle, the controller ("nlctrl": which families
 * the kernel has, their ids, operations and multicast groups) and requests to any
 * family by name. What a family's attributes mean is the caller's: replies come back as
 * {@link GenlMessage}s whose attributes decode with `decodeAttributes` or `walkAttrs`.
 * @module
 */
import {
  checkMonitorOptions, trackMonitor, ClosedError, InvalidArgumentError, NetlinkError, NETLINK_GENERIC, openHandleSocket, openSiblingSocket, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, HOST_LE, checkOptionKeys, need, showValue, walkAttrs,
  type FamilyDescriber, type MessageWriter, type NetlinkSocket, type NetnsTarget, type SocketPlace, type NetlinkWarning,
} from '../netlink/index.js';
import * as G from './constants.js';
import { messageOf, type GenlMessage } from './message.js';
import { GenlMonitor, type GenlMonitorOptions } from './monitor.js';

/** Options of {@link Genl.open}. */
export interface GenlOptions {
  /** The network namespace the handle's socket is made in (a Netns, an fd, or `{ pid }`). Defaults to the caller's (or the enclosing execNetns target's). */
  readonly netns?: NetnsTarget | undefined;
  /** SO_RCVBUF(FORCE) of the socket, bytes. Defaults to the kernel's. */
  readonly receiveBufferSize?: number | undefined;
  /**
   * What to do with a kernel warning on an accepted request (a NetlinkWarning): a
   * function called with each, or `null` to drop them. Defaults to `process.emitWarning`.
   */
  readonly onWarning?: ((warning: NetlinkWarning) => void) | null | undefined;
}

/** One operation of a family (CTRL_ATTR_OPS). */
export interface GenlOp {
  /** The command number. */
  readonly id: number;
  /** CTRL_ATTR_OP_FLAGS by name: 'admin-perm', 'do', 'dump', 'has-policy', 'uns-admin-perm' (bits nlkit does not know are in `rawFlags` only). */
  readonly flags: readonly string[];
  /** CTRL_ATTR_OP_FLAGS as the kernel sent it. */
  readonly rawFlags: number;
}

/** A multicast group of a family (CTRL_ATTR_MCAST_GROUPS): join it by `id` (NETLINK_ADD_MEMBERSHIP). */
export interface GenlGroup {
  /** The group's number (CTRL_ATTR_MCAST_GRP_ID), given out at registration like a family's id. */
  readonly id: number;
  /** Its name within the family (CTRL_ATTR_MCAST_GRP_NAME): 'monitor' of ethtool, 'notify' of nlctrl, … */
  readonly name: string;
}

/**
 * A generic netlink family, as the controller describes it (`genl ctrl get name NAME`).
 * Frozen: a handle hands the same object to every later lookup of the family.
 */
export interface GenlFamily {
  /** The message type its requests carry; given out by the kernel at registration (so it may differ between boots). */
  readonly id: number;
  /** 'ethtool', 'nlctrl', … */
  readonly name: string;
  /** CTRL_ATTR_VERSION. */
  readonly version: number;
  /** CTRL_ATTR_HDRSIZE: bytes of the family's own header after the genlmsghdr (0 for most). */
  readonly hdrSize: number;
  /** CTRL_ATTR_MAXATTR: its highest attribute type. */
  readonly maxAttr: number;
  /** Its operations (the kernel lists them only when it lets this caller see them). */
  readonly ops: readonly GenlOp[];
  /** Its multicast groups. */
  readonly groups: readonly GenlGroup[];
}

/** Options of {@link Genl.request} and {@link Genl.dump}. */
export interface GenlRequestOptions {
  /** Write the request's attributes (after the genlmsghdr and the family header). Defaults to none. */
  readonly attrs?: ((w: MessageWriter) => void) | undefined;
  /** genlmsghdr.version. Defaults to the family's version — also for a family given by an id the handle has looked up (`family()`, `families()`, a request by name); 1 for an id it has not. */
  readonly version?: number | undefined;
  /** The family's own header, when it has one (`hdrSize`). Defaults to `hdrSize` zero bytes. */
  readonly header?: Uint8Array | undefined;
  /** nlmsg_flags besides NLM_F_REQUEST and NLM_F_ACK (NLM_F_DUMP for dump): NLM_F_CREATE, NLM_F_EXCL, … Defaults to none. */
  readonly flags?: number | undefined;
}

const EPERM = 1;
const EOPNOTSUPP = 95;
const OPTION_KEYS: ReadonlySet<string> = new Set(['netns', 'receiveBufferSize', 'onWarning']);
const MONITOR_KEYS: ReadonlySet<string> = new Set(['signal', 'maxQueued', 'receiveBufferSize']);
const FAMILY_KEYS: ReadonlySet<string> = new Set(['refresh']);
const REQUEST_KEYS: ReadonlySet<string> = new Set(['attrs', 'version', 'header', 'flags']);
const OP_FLAG_NAMES: readonly [number, string][] = [
  [G.GENL_ADMIN_PERM, 'admin-perm'], [G.GENL_CMD_CAP_DO, 'do'], [G.GENL_CMD_CAP_DUMP, 'dump'], [G.GENL_CMD_CAP_HASPOL, 'has-policy'], [G.GENL_UNS_ADMIN_PERM, 'uns-admin-perm'],
];
const CTRL_PATH = ['CTRL_CMD_NEWFAMILY'];
const OPS_PATH = [...CTRL_PATH, 'CTRL_ATTR_OPS'];
const OP_PATH = [...OPS_PATH, 'op'];
const GROUPS_PATH = [...CTRL_PATH, 'CTRL_ATTR_MCAST_GROUPS'];
const GROUP_PATH = [...GROUPS_PATH, 'group'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** @internal A controller reply (CTRL_CMD_NEWFAMILY) as a GenlFamily; undefined for a message of another family or without its genlmsghdr. */
export function decodeFamily(buf: Buffer, view: DataView, off: number, len: number): GenlFamily | undefined {
  if (view.getUint16(off + 4, HOST_LE) !== G.GENL_ID_CTRL || len < 16 + G.GENL_HDRLEN) return undefined;
  const ops: GenlOp[] = [];
  const groups: GenlGroup[] = [];
  const f: Mutable<GenlFamily> = { id: 0, name: '', version: 0, hdrSize: 0, maxAttr: 0, ops, groups };
  const end = off + len;
  walkAttrs(view, off + 16 + G.GENL_HDRLEN, end, CTRL_PATH, (type, o, l) => {
    switch (type) {
      case G.CTRL_ATTR_FAMILY_ID: need(l, 2, CTRL_PATH, 'CTRL_ATTR_FAMILY_ID', o); f.id = view.getUint16(o, HOST_LE); break;
      case G.CTRL_ATTR_FAMILY_NAME: f.name = strz(buf, o, l); break;
      case G.CTRL_ATTR_VERSION: need(l, 4, CTRL_PATH, 'CTRL_ATTR_VERSION', o); f.version = view.getUint32(o, HOST_LE); break;
      case G.CTRL_ATTR_HDRSIZE: need(l, 4, CTRL_PATH, 'CTRL_ATTR_HDRSIZE', o); f.hdrSize = view.getUint32(o, HOST_LE); break;
      case G.CTRL_ATTR_MAXATTR: need(l, 4, CTRL_PATH, 'CTRL_ATTR_MAXATTR', o); f.maxAttr = view.getUint32(o, HOST_LE); break;
      case G.CTRL_ATTR_OPS:
        walkAttrs(view, o, o + l, OPS_PATH, (_i, po, pl) => {
          let id = 0;
          let rawFlags = 0;
          walkAttrs(view, po, po + pl, OP_PATH, (t, vo, vl) => {
            if (t === G.CTRL_ATTR_OP_ID) {
              need(vl, 4, OP_PATH, 'CTRL_ATTR_OP_ID', vo);
              id = view.getUint32(vo, HOST_LE);
            } else if (t === G.CTRL_ATTR_OP_FLAGS) {
              need(vl, 4, OP_PATH, 'CTRL_ATTR_OP_FLAGS', vo);
              rawFlags = view.getUint32(vo, HOST_LE);
            }
          });
          ops.push({ id, flags: OP_FLAG_NAMES.filter(([bit]) => rawFlags & bit).map(([, name]) => name), rawFlags });
        });
        break;
      case G.CTRL_ATTR_MCAST_GROUPS:
        walkAttrs(view, o, o + l, GROUPS_PATH, (_i, go, gl) => {
          let id = 0;
          let name = '';
          walkAttrs(view, go, go + gl, GROUP_PATH, (t, vo, vl) => {
            if (t === G.CTRL_ATTR_MCAST_GRP_ID) {
              need(vl, 4, GROUP_PATH, 'CTRL_ATTR_MCAST_GRP_ID', vo);
              id = view.getUint32(vo, HOST_LE);
            } else if (t === G.CTRL_ATTR_MCAST_GRP_NAME) name = strz(buf, vo, vl);
          });
          groups.push({ id, name });
        });
        break;
      default: // CTRL_ATTR_POLICY and later: not decoded
    }
  });
  return f;
}

/** A NUL-terminated string attribute (up to its NUL). */
function strz(buf: Buffer, o: number, l: number): string {
  const nul = buf.indexOf(0, o);
  return buf.toString('utf8', o, nul >= 0 && nul < o + l ? nul : o + l);
}

/** A family name as the kernel takes it: 1..15 bytes, no NUL. */
function checkFamilyName(v: unknown, arg: string): string {
  if (typeof v !== 'string' || v === '' || v.includes('\0') || Buffer.byteLength(v) > G.GENL_NAMSIZ - 1) {
    throw new InvalidArgumentError(arg, `expected a generic netlink family name (1..${G.GENL_NAMSIZ - 1} bytes, e.g. 'ethtool'), got ${showValue(v)}`);
  }
  return v;
}

function checkByte(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) throw new InvalidArgumentError(arg, `expected an integer 0..255, got ${showValue(v)}`);
  return v;
}

/**
 * A generic netlink handle: one NETLINK_GENERIC socket, made in the given netns and
 * used for every request. Families are looked up by name through the controller
 * ("nlctrl") once per handle and remembered. Close it with `close()` or `using`.
 *
 * Equivalent to: `genl` (iproute2) for the controller; for a family's commands, what its
 * own tool sends (`ethtool`, `devlink`, `wg` …).
 * @example
 * using genl = Genl.open();
 * const ethtool = await genl.family('ethtool');          // genl ctrl get name ethtool
 * const [reply] = await genl.request('ethtool', 17, {     // ETHTOOL_MSG_CHANNELS_GET
 *   attrs: (w) => { const h = w.nestStart(1); w.putStrz(2, 'eth0'); w.nestEnd(h); }, // ETHTOOL_A_CHANNELS_HEADER { DEV_NAME }
 * });
 * for (const a of decodeAttributes(reply!.attrs)) console.log(a.type, a.value);
 */
export class Genl {
  /** The handle's socket. */
  readonly sock: NetlinkSocket;
  /** Families resolved so far, by name and by id. */
  private readonly byName = new Map<string, GenlFamily>();
  private readonly byId = new Map<number, GenlFamily>();
  /** Lookups by name under way: a concurrent caller waits for the same answer instead of asking again. */
  private readonly pending = new Map<string, Promise<GenlFamily>>();
  /** Monitors opened from this handle and still open (closed with it). */
  private readonly monitors = new Set<GenlMonitor>();

  private constructor(
    sock: NetlinkSocket,
    /** Where the handle was opened: for a monitor's socket when SIOCGSKNS is refused. */
    private readonly place: SocketPlace,
  ) {
    this.sock = sock;
    sock.owner = 'Genl handle';
  }

  /**
   * Open a handle. Synchronous: the socket is created with the thread switched into the
   * target netns and straight back, so the handle acts there for its life (a family's
   * commands about devices see that netns's devices). Unknown option keys are refused.
   *
   * Equivalent to: `ip netns exec NAME genl …`.
   * @throws InvalidArgumentError for bad options, ClosedError for a closed Netns,
   *   SysError when the namespace cannot be entered.
   */
  static open(options: GenlOptions = {}): Genl {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
    checkOptionKeys(options, OPTION_KEYS, '');
    let self: Genl | undefined;
    const describer: FamilyDescriber = {
      typeName: (type) => (type === G.GENL_ID_CTRL ? 'nlctrl' : self?.byId.get(type)?.name ?? `genl family ${type}`),
      explain: (request, errno) => explainGenl(self?.byId.get(request.length >= 16 + G.GENL_HDRLEN ? request[4]! | (request[5]! << 8) : -1), request, errno),
    };
    const { sock, place } = openHandleSocket(NETLINK_GENERIC, options.netns, {
      describer,
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
      ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
    });
    return (self = new Genl(sock, place));
  }

  /** True once closed. */
  get closed(): boolean {
    return this.sock.closed;
  }

  /**
   * Every family the kernel has (one CTRL_CMD_GETFAMILY dump), in its order; each is
   * remembered for later requests by name.
   *
   * Equivalent to: `genl ctrl list`.
   */
  async families(): Promise<GenlFamily[]> {
    const all = await this.sock.dump(G.GENL_ID_CTRL, 0, (w) => putGenlHeader(w, G.CTRL_CMD_GETFAMILY, 2), decodeFamily, { subject: 'ctrl list' });
    for (const f of all) this.remember(f);
    return all;
  }

  /**
   * One family by name (CTRL_CMD_GETFAMILY with CTRL_ATTR_FAMILY_NAME), asked once per
   * handle and then remembered: ids are handed out at registration and hold until the
   * family's module is unloaded. Concurrent lookups of a name share one request and get
   * the same object; a failed lookup is not remembered. `refresh: true` asks again.
   *
   * Equivalent to: `genl ctrl get name NAME`.
   * @throws InvalidArgumentError for a bad name or option; ClosedError for a closed handle
   *   (also for a family it remembers); NetlinkError 'ENOENT' when the kernel has no such
   *   family (not built, or its module not loaded), saying so.
   */
  async family(name: string, options: { readonly refresh?: boolean | undefined } = {}): Promise<GenlFamily> {
    checkFamilyName(name, 'name');
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
    checkOptionKeys(options, FAMILY_KEYS, '');
    if (options.refresh !== undefined && typeof options.refresh !== 'boolean') throw new InvalidArgumentError('refresh', `expected true or false, got ${showValue(options.refresh)}`);
    // A closed handle says so, also for a family it remembers (as every other call does).
    if (this.sock.closed) throw new ClosedError('Genl handle');
    if (!options.refresh) {
      const known = this.byName.get(name);
      if (known) return known;
      const asked = this.pending.get(name);
      if (asked) return asked;
    }
    const p = this.lookup(name);
    this.pending.set(name, p);
    try {
      return await p;
    } finally {
      if (this.pending.get(name) === p) this.pending.delete(name);
    }
  }

  /** Ask the controller for a family by name, and remember it. */
  private async lookup(name: string): Promise<GenlFamily> {
    let f: GenlFamily | undefined;
    try {
      f = await this.sock.request(G.GENL_ID_CTRL, 0, (w) => {
        putGenlHeader(w, G.CTRL_CMD_GETFAMILY, 2);
        w.putStrz(G.CTRL_ATTR_FAMILY_NAME, name);
      }, decodeFamily, { subject: `ctrl get name ${name}` });
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENOENT') {
        throw new NetlinkError(e.errno, e.request, e.extack, `the kernel has no generic netlink family '${name}' (not built in, or its module not loaded)`);
      }
      throw e;
    }
    if (!f) throw new NetlinkError(71 /* EPROTO */, { type: G.GENL_ID_CTRL, typeName: 'nlctrl', seq: 0, subject: `ctrl get name ${name}` }, {}, 'the controller acknowledged without describing the family');
    this.remember(f);
    return f;
  }

  /**
   * Send a command to a family (by name, looked up as {@link family} does, or by id) and
   * wait for its ACK: the messages the kernel answers with before the ACK (a GET's
   * reply) are returned, in order; a command that only acts returns [].
   *
   * Equivalent to: one request of the family's own tool (`ethtool -l DEV` is
   * ETHTOOL_MSG_CHANNELS_GET to family 'ethtool').
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError with the
   *   kernel's refusal and extended-ACK text, naming the family and command.
   */
  async request(family: string | number, cmd: number, options: GenlRequestOptions = {}): Promise<GenlMessage[]> {
    // A dump has its own reading (every part until NLMSG_DONE): this one stops at the first.
    // The kernel dumps only when both bits are set (NLM_F_REPLACE and NLM_F_EXCL are one each).
    const fl: unknown = typeof options === 'object' && options !== null ? options.flags : undefined;
    if (typeof fl === 'number' && (fl & NLM_F_DUMP) === NLM_F_DUMP) throw new InvalidArgumentError('flags', 'NLM_F_DUMP (NLM_F_ROOT|NLM_F_MATCH) is what dump() sends: call dump() for a dump');
    const p = await this.prepare(family, cmd, options);
    const out: GenlMessage[] = [];
    await this.sock.request(p.id, p.flags, p.build, (buf, view, off, len) => {
      out.push(messageOf(buf, view, off, len, p.hdrSize));
      return out;
    }, { subject: p.subject });
    return out;
  }

  /**
   * Dump a family's objects: `cmd` with NLM_F_DUMP, every part until NLMSG_DONE (an
   * interrupted dump is retried, as rtnetlink dumps are).
   *
   * Equivalent to: a listing of the family's own tool (`ethtool --show-…` over every
   * device, `devlink dev show`).
   * @throws as {@link request}; NetlinkError 'EOPNOTSUPP' when the family has no dump of `cmd`.
   */
  async dump(family: string | number, cmd: number, options: GenlRequestOptions = {}): Promise<GenlMessage[]> {
    const p = await this.prepare(family, cmd, options);
    return this.sock.dump(p.id, p.flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP), p.build, (buf, view, off, len) => messageOf(buf, view, off, len, p.hdrSize), { subject: p.subject });
  }

  /**
   * Watch a family's multicast groups (by name, as {@link family} lists them): the
   * monitor's own socket, made in the handle's netns, joins them before the promise
   * resolves, so nothing the kernel sends after that is missed. Yields
   * `{ type: 'message', message }` per notification and `{ type: 'overrun' }` where the
   * kernel dropped some. Closed by `break`, `close()`, `using`, the `signal` or the
   * handle's `close()`.
   *
   * Equivalent to: `genl monitor` (for 'nlctrl'), `ethtool --monitor` (for 'ethtool').
   * @example
   * using mon = await genl.monitor('ethtool', ['monitor']);
   * for await (const ev of mon) if (ev.type === 'message') console.log(ev.message.cmd);
   * @throws InvalidArgumentError for a group the family does not have (naming the ones
   *   it has) or bad options; NetlinkError 'ENOENT' for a family the kernel lacks;
   *   ClosedError for a closed handle; `signal.reason` for an aborted signal.
   */
  async monitor(family: string, groups: readonly string[], options: GenlMonitorOptions = {}): Promise<GenlMonitor> {
    checkFamilyName(family, 'family');
    if (!Array.isArray(groups) || groups.length === 0 || !groups.every((g) => typeof g === 'string')) {
      throw new InvalidArgumentError('groups', `expected a non-empty array of multicast group names, got ${showValue(groups)}`);
    }
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
    checkOptionKeys(options, MONITOR_KEYS, '');
    // Checked here, not when the socket is made: that is after the family's lookup, a request.
    checkMonitorOptions(options);
    const f = await this.family(family);
    const ids = new Map<string, number>();
    for (const name of groups) {
      const g = f.groups.find((x) => x.name === name);
      if (!g) throw new InvalidArgumentError('groups', f.groups.length === 0 ? `family '${f.name}' has no multicast groups` : `family '${f.name}' has no multicast group '${name}' (it has ${f.groups.map((x) => `'${x.name}'`).join(', ')})`);
      ids.set(name, g.id);
    }
    options.signal?.throwIfAborted();
    if (this.sock.closed) throw new ClosedError('Genl handle');
    const sock = this.openSibling([...ids.values()], options.receiveBufferSize);
    return trackMonitor(this.monitors, sock, (onClose) => GenlMonitor.of(sock, ids, f.hdrSize, options, onClose));
  }

  /** Close the socket (idempotent), and the monitors opened from this handle. */
  close(): void {
    for (const m of [...this.monitors]) m.close();
    if (!this.sock.closed) this.sock.close();
  }

  /** A socket in the groups, in the netns of the handle's own socket (read with SIOCGSKNS; else entered the way the handle was). */
  private openSibling(groups: number[], receiveBufferSize: number | undefined): NetlinkSocket {
    const opts = { groups, ...(receiveBufferSize !== undefined ? { receiveBufferSize } : {}) };
    return openSiblingSocket(this.sock, this.place, NETLINK_GENERIC, opts, 'the netns the Genl handle was opened with');
  }

  /** `using genl = Genl.open()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  private remember(f: GenlFamily): void {
    // Frozen: the same object is handed to every later caller, and a change one made
    // would otherwise be what the next lookup (and every request by name) sees.
    for (const o of f.ops) Object.freeze(Object.freeze(o).flags);
    for (const g of f.groups) Object.freeze(g);
    Object.freeze(f.ops);
    Object.freeze(f.groups);
    Object.freeze(f);
    this.byName.set(f.name, f);
    this.byId.set(f.id, f);
  }

  /** Checked request parts: the family resolved, the genlmsghdr and attributes' builder. */
  private async prepare(family: string | number, cmd: number, options: GenlRequestOptions): Promise<{ id: number; flags: number; hdrSize: number; build: (w: MessageWriter) => void; subject: string }> {
    if (typeof family !== 'string' && (typeof family !== 'number' || !Number.isInteger(family) || family < G.GENL_ID_CTRL || family > G.GENL_MAX_ID)) {
      throw new InvalidArgumentError('family', `expected a family name or id (${G.GENL_ID_CTRL}..${G.GENL_MAX_ID}), got ${showValue(family)}`);
    }
    if (typeof family === 'string') checkFamilyName(family, 'family');
    checkByte(cmd, 'cmd');
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
    checkOptionKeys(options, REQUEST_KEYS, '');
    if (options.attrs !== undefined && typeof options.attrs !== 'function') throw new InvalidArgumentError('attrs', `expected a function writing the attributes, got ${showValue(options.attrs)}`);
    if (options.version !== undefined) checkByte(options.version, 'version');
    if (options.header !== undefined && !(options.header instanceof Uint8Array)) throw new InvalidArgumentError('header', `expected the family header's bytes (a Uint8Array), got ${showValue(options.header)}`);
    const flags = options.flags ?? 0;
    if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > 0xffff) throw new InvalidArgumentError('flags', `expected nlmsg_flags (an integer 0..65535), got ${showValue(flags)}`);

    const f = typeof family === 'string' ? await this.family(family) : this.byId.get(family);
    const id = f?.id ?? (family as number);
    const hdrSize = options.header?.length ?? f?.hdrSize ?? 0;
    if (f && options.header !== undefined && options.header.length !== f.hdrSize) throw new InvalidArgumentError('header', `family '${f.name}' has a ${f.hdrSize}-byte header, got ${options.header.length} bytes`);
    const version = options.version ?? f?.version ?? 1;
    const attrs = options.attrs;
    const header = options.header;
    const build = (w: MessageWriter): void => {
      putGenlHeader(w, cmd, version);
      if (hdrSize > 0) {
        const o = w.reserve(hdrSize);
        if (header) w.buf.set(header, o);
      }
      attrs?.(w);
    };
    return { id, flags, hdrSize, build, subject: `cmd ${cmd}` };
  }
}

/**
 * What a bare refusal of a known family's request means, from the family's ops
 * (genl_family_rcv_msg): EOPNOTSUPP for a command it does not have, or a do of a
 * dump-only command (or the reverse); EPERM for an op flagged admin-perm (CAP_NET_ADMIN
 * in the initial user namespace) or uns-admin-perm (in the netns's). Error path only.
 */
function explainGenl(f: GenlFamily | undefined, request: Uint8Array, errno: number): string | undefined {
  if (f === undefined || f.ops.length === 0) return undefined;
  const cmd = request[16]!;
  const op = f.ops.find((o) => o.id === cmd);
  const dump = ((request[6]! | (request[7]! << 8)) & NLM_F_DUMP) === NLM_F_DUMP;
  if (errno === EOPNOTSUPP) {
    if (op === undefined) return `family '${f.name}' has no command ${cmd}`;
    if (!dump && !op.flags.includes('do') && op.flags.includes('dump')) return `family '${f.name}' has command ${cmd} as a dump only: dump it`;
    if (dump && !op.flags.includes('dump') && op.flags.includes('do')) return `family '${f.name}' has no dump of command ${cmd}: request it without dump`;
    return undefined;
  }
  if (errno === EPERM && op !== undefined) {
    if (op.flags.includes('uns-admin-perm')) return `command ${cmd} of '${f.name}' needs CAP_NET_ADMIN in the user namespace that owns the handle's netns`;
    if (op.flags.includes('admin-perm')) return `command ${cmd} of '${f.name}' needs CAP_NET_ADMIN in the initial user namespace`;
  }
  return undefined;
}

/** Write struct genlmsghdr. */
function putGenlHeader(w: MessageWriter, cmd: number, version: number): void {
  const o = w.reserve(G.GENL_HDRLEN);
  w.buf[o] = cmd;
  w.buf[o + 1] = version;
}
