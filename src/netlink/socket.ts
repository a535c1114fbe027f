/**
 * NetlinkSocket: one AF_NETLINK socket, request/ACK, dumps and multicast reads, for
 * any netlink family.
 *
 * Replies are read synchronously: rtnetlink processes a request inside `sendto`, so
 * when it returns the reply is already queued (measured here: 0 EAGAIN in thousands
 * of requests). The socket therefore sends, then drains with MSG_DONTWAIT; if EAGAIN
 * ever comes before the reply is complete (a family that answers from a work queue),
 * it falls back to waiting on a libuv poll handle — correct either way, fast in the
 * common case.
 *
 * Every frame is checked: the sender must be the kernel (port 0 in the source
 * sockaddr — anything else is counted in `stats.foreign` and ignored), the sequence
 * number must be the request's (stale ones are counted and ignored), NLM_F_MULTI and
 * NLMSG_DONE end dumps, NLM_F_DUMP_INTR makes `dump()` retry, NLMSG_ERROR carries the
 * errno and extended ACK, and an extended ACK in NLMSG_DONE is read too.
 *
 * Receive sizing: reads pass MSG_TRUNC, so the kernel reports a datagram's real length
 * even when it did not fit. The buffer starts at 64 KiB (the kernel caps dump parts at
 * 32 KiB); a larger datagram grows the buffer and the (idempotent) GET or dump is
 * re-issued, so nothing is lost — one syscall per datagram instead of a MSG_PEEK
 * probe before each read.
 * @module
 */
import * as sys from './sys.js';
import {
  AF_NETLINK, NETLINK_NETFILTER, NETLINK_ROUTE, NETLINK_SOCK_DIAG, NETLINK_XFRM, MSG_DONTWAIT, MSG_TRUNC, NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK, NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_NO_ENOBUFS, NLA_HDRLEN, NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST, NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_POLICY, NL_ATTR_TYPE_NAMES, NL_POLICY_TYPE_ATTR_BITFIELD32_MASK,
  NL_POLICY_TYPE_ATTR_MASK, NL_POLICY_TYPE_ATTR_MAX_LENGTH, NL_POLICY_TYPE_ATTR_MAX_VALUE_S, NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
  NL_POLICY_TYPE_ATTR_MIN_LENGTH, NL_POLICY_TYPE_ATTR_MIN_VALUE_S, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, NL_POLICY_TYPE_ATTR_TYPE, NLMSG_DONE,
  NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP,
  NLM_F_DUMP_INTR, NLM_F_MULTI, NLM_F_REQUEST, SOCK_CLOEXEC, SOCK_RAW, SOL_NETLINK, SOL_SOCKET, SO_ERROR, SO_RCVBUF,
  SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE, align4,
} from './constants.js';
import { ClosedError, DecodeError, DumpInterruptedError, InvalidArgumentError, NetlinkError, NetlinkWarning, SysError, type ExtAck, type ExtAckPolicy, checkOptionKeys, showValue } from './errors.js';
import { EMPTY_BYTES } from './attrs.js';
import { checkMessage } from './reader.js';
import { HOST_LE, MessageWriter } from './writer.js';
import { SLAB_SIZE, acquireSlab, releaseSlab } from './pool.js';
import { debug, debugEnabled, hex } from './debug.js';

const EAGAIN = 11;
const ENOBUFS = 105;
const EMSGSIZE = 90;

/**
 * What a netlink family tells the socket so errors read well: names of message types
 * and of the attribute an extended-ACK offset points at.
 */
export interface FamilyDescriber {
  /** 'RTM_NEWLINK' for 16, … */
  typeName(type: number): string;
  /** Name the attribute at `offset` (from the start of the nlmsghdr) of `request`. */
  attributeAt?(request: Uint8Array, offset: number): string | undefined;
  /** Name a missing attribute type reported by the kernel for a request of `requestType`. */
  missingAttribute?(requestType: number, attrType: number, request?: Uint8Array, nestOffset?: number): string | undefined;
  /**
   * What a refusal the kernel gave no text for means for this request, where the errno
   * alone misleads or says too little ('ESRCH: No such process' for a route that is not
   * there). Called only for an NLMSG_ERROR without an extended-ACK message; the text is
   * added to the error's message as its hint.
   */
  explain?(request: Uint8Array, errno: number): string | undefined;
}

/** Options for {@link NetlinkSocket.open}. Every field has a default. */
export interface NetlinkSocketOptions {
  /** Multicast groups to join (group numbers, not a bitmask). Defaults to none. */
  readonly groups?: readonly number[] | undefined;
  /**
   * Receive buffer size in bytes; set with SO_RCVBUFFORCE (CAP_NET_ADMIN) and, where
   * that is refused, SO_RCVBUF (capped by net.core.rmem_max). Defaults to the
   * kernel's default.
   */
  readonly receiveBufferSize?: number | undefined;
  /** Send buffer size, like receiveBufferSize. Defaults to the kernel's default. */
  readonly sendBufferSize?: number | undefined;
  /** NETLINK_EXT_ACK: the kernel explains refusals in text. Defaults to true. */
  readonly extAck?: boolean | undefined;
  /** NETLINK_GET_STRICT_CHK: strict checking of GET/dump requests (kernel-side filters). Defaults to false. */
  readonly strictCheck?: boolean | undefined;
  /** NETLINK_CAP_ACK: ACKs do not echo the request body. Defaults to true. */
  readonly capAck?: boolean | undefined;
  /**
   * NETLINK_NO_ENOBUFS: never report overruns (for sockets that cannot resync). The kernel
   * then drops an answer to a full queue without a word: on an rtnetlink socket in groups,
   * a request that finds no answer rejects with ENOBUFS ('no answer came'). Defaults to false.
   */
  readonly noEnobufs?: boolean | undefined;
  /** Names for message types and attributes in errors. Defaults to numeric names. */
  readonly describer?: FamilyDescriber | undefined;
  /**
   * What to do with a kernel warning: an extended-ACK message on a request the kernel
   * accepted (see {@link NetlinkWarning}). A function is called with each one, in a
   * microtask queued when the answer is read, so before the request's caller resumes;
   * what it throws is an uncaught exception, as from an event listener. `null` drops
   * warnings. Defaults to `process.emitWarning(warning)`, which prints it on stderr as
   * `ip` prints `Warning: …`. The socket's {@link NetlinkSocket.onWarning} can be changed later.
   */
  readonly onWarning?: ((warning: NetlinkWarning) => void) | null | undefined;
}

/** The default {@link NetlinkSocketOptions.onWarning}: Node's process warning (stderr, or the 'warning' event's listeners). */
export function emitNetlinkWarning(warning: NetlinkWarning): void {
  process.emitWarning(warning);
}

/** Counters for tests, benchmarks and debugging. */
export interface SocketStats {
  /** Requests sent. */
  requests: number;
  /** Datagrams read. */
  datagrams: number;
  /** Messages from a port other than the kernel's, ignored. */
  foreign: number;
  /** Messages with a sequence number not awaited, ignored. */
  stale: number;
  /** Times a reply was not yet queued after send and the socket waited on poll. */
  waits: number;
  /** Dumps retried after NLM_F_DUMP_INTR. */
  dumpRetries: number;
  /** Datagrams that did not fit the receive buffer (buffer grown, request re-issued). */
  truncated: number;
}

/**
 * Called for each reply message while the receive buffer is valid. `off` is the
 * offset of the nlmsghdr in `buf`/`view`, `len` its nlmsg_len. The buffer is reused
 * by the next read: decode into plain values, do not keep views.
 */
export type MessageHandler<T> = (buf: Buffer, view: DataView, off: number, len: number) => T | undefined;

/** Builds the body of a request after the socket wrote the nlmsghdr. */
export type RequestBuilder = (w: MessageWriter) => void;

/**
 * Builds the body of a request of {@link NetlinkSocket.requestWith} from the request's
 * argument: a builder written once, at module level, serves every request without a
 * new closure per call.
 */
export type RequestBuilderWith<A> = (w: MessageWriter, arg: A) => void;

/** Per-request options. */
export interface RequestOptions {
  /** What the request is about, for error messages ('v0'). */
  readonly subject?: string | undefined;
  /** Add NLM_F_ACK. Defaults to true for requests, false for GET replies (`reply`). */
  readonly ack?: boolean | undefined;
}

/** Options of {@link NetlinkSocket.requestWith}: those of `request`, and a subject made from the argument. */
export interface RequestWithOptions<A> extends RequestOptions {
  /**
   * What the request is about, made from the request's argument only when an error (or
   * debug output) needs the text; `subject` wins when both are given.
   */
  readonly subjectOf?: ((arg: A) => string) | undefined;
}

/** One message of {@link NetlinkSocket.requestBatch}. */
export interface BatchRequest {
  /** Message type (RTM_NEWADDR, …). */
  readonly type: number;
  /** nlmsg_flags besides NLM_F_REQUEST|NLM_F_ACK, which every batch message gets. */
  readonly flags: number;
  /** Writes the body after the socket wrote the nlmsghdr (as for {@link NetlinkSocket.request}). */
  readonly build: RequestBuilder;
  /** What the message is about, for its error ('10.1.0.2/24 dev v0'). */
  readonly subject?: string | undefined;
}

/** Options of {@link NetlinkSocket.requestBatch}. */
export interface BatchOptions {
  /**
   * Send no further chunk once the kernel refused a message (messages of the chunk that
   * held the refusal were all processed; later ones stay 'unsent'). Defaults to false.
   */
  readonly stopOnError?: boolean | undefined;
}

/**
 * Outcome of one batch message: 'ok' (ACKed), 'refused' (its NetlinkError is in
 * `errors`), 'unsent', or 'unknown' (sent, but its answer was lost; see `failure`).
 */
export type BatchStatus = 'ok' | 'refused' | 'unsent' | 'unknown';

/** What {@link NetlinkSocket.requestBatch} resolves with: one entry per message, in order. */
export interface BatchResult {
  /** Outcome per message. */
  readonly status: BatchStatus[];
  /** The kernel's refusal per message (undefined unless its status is 'refused'). */
  readonly errors: (NetlinkError | undefined)[];
  /** Index of the first refused message, or -1. */
  readonly firstRefused: number;
  /** Why some answers are missing ('unknown' entries) or a chunk could not be sent; undefined when every answer came. */
  readonly failure: Error | undefined;
}

/**
 * Receive-buffer bytes reserved per ACK when sizing batch chunks, besides twice the
 * message's length (an error ACK echoes the request unless NETLINK_CAP_ACK, and skb data
 * is allocated in power-of-two sizes): a small ACK's skb measured 832 bytes of truesize
 * (256 fit the default 212992), error ACKs with extended-ACK text too.
 */
const BATCH_ACK_BUDGET = 1024;

/** Per-chunk state of a batch exchange (TxState.batch). */
interface BatchTx {
  readonly messages: readonly BatchRequest[];
  readonly result: BatchResult;
  /** Start offset of message i in the request buffer; offsets[n] is the end. */
  readonly offsets: number[];
  /** Index of the chunk's first message, and its sequence number (the chunk's are consecutive). */
  first: number;
  count: number;
  answered: number;
  refused: number;
}

const TRUNCATED = Symbol('truncated');
/** DecodeError paths, made once: the receive loop allocates nothing per message. */
const REPLY_PATH: readonly string[] = Object.freeze(['reply']);
const MULTICAST_PATH: readonly string[] = Object.freeze(['multicast']);

const NO_OPTIONS: RequestOptions = Object.freeze({});

/** A request's subject as the socket keeps it: text, or a function of the request's argument (requestWith's subjectOf). */
type Subject = string | ((arg: never) => string) | undefined;

/** The text of a subject, the function called only now (for an error or debug output). */
function subjectText(subject: Subject, arg: unknown): string | undefined {
  return typeof subject === 'function' ? (subject as (a: unknown) => string)(arg) : subject;
}

/** nlmsg_flags of a request: NLM_F_REQUEST, NLM_F_ACK unless `ack: false`, and the caller's. */
function requestFlags(flags: number, opts: { readonly ack?: boolean | undefined }): number {
  return NLM_F_REQUEST | (opts.ack ?? true ? NLM_F_ACK : 0) | flags;
}

/**
 * debugEnabled() read once, for the request path's two checks (a module constant instead
 * of a call per request): NODE_DEBUG is read when the process starts and never again.
 */
const DEBUG = debugEnabled();

const defaultDescriber: FamilyDescriber = { typeName: (t) => `type ${t}` };

/**
 * struct sockaddr_nl of the datagram being read, and its length: one for every socket.
 * Each recvfrom is synchronous and the sender's port is checked right after it, before
 * any message handler runs, so no other read can come in between. RECV_U32 is the same
 * bytes as u32s in host order ([1] is nl_pid), read without Buffer#readUInt32LE's wrapper.
 */
const RECV_U32 = new Uint32Array(3);
const RECV_ADDR = Buffer.from(RECV_U32.buffer);
const RECV_ALEN = new Uint32Array(1);
/**
 * Protocols whose kernel side reads a request and queues every answer to it (a refusal,
 * an ACK, a reply, a dump's first part; a dump's later parts are made inside recvmsg)
 * before sendto returns: netlink_rcv_skb runs in the sender's context. Not every
 * protocol does: audit answers from a kernel thread, and a generic netlink family may
 * keep the port id and answer later.
 */
function answersInSend(protocol: number): boolean {
  return protocol === NETLINK_ROUTE || protocol === NETLINK_XFRM || protocol === NETLINK_SOCK_DIAG || protocol === NETLINK_NETFILTER;
}

/** The sockaddr_nl that open() binds and reads back the port id from (synchronously). */
const BIND_ADDR = Buffer.alloc(12);

/**
 * A netlink socket bound to one protocol (NETLINK_ROUTE, NETLINK_GENERIC, …).
 * Opened synchronously; the socket stays in the network namespace it was created in
 * for its whole life. Closing is idempotent; `Symbol.dispose` closes.
 *
 * Not safe for requests from several threads (Node has one); concurrent async calls
 * on one socket are serialised.
 */
export class NetlinkSocket {
  /** The socket's file descriptor (-1 once closed). */
  fd: number;
  /** The netlink protocol number. */
  readonly protocol: number;
  /** The port id the kernel assigned (nl_pid from getsockname). */
  readonly portId: number;
  /** Counters; see {@link SocketStats}. */
  readonly stats: SocketStats = { requests: 0, datagrams: 0, foreign: 0, stale: 0, waits: 0, dumpRetries: 0, truncated: 0 };
  /** Family describer used to name types and attributes in errors. */
  describer: FamilyDescriber;
  /** What a ClosedError calls this socket: 'NetlinkSocket', or what owns it ('Rtnl handle' for an Rtnl's socket). */
  owner = 'NetlinkSocket';
  /**
   * Called with each kernel warning (an extended-ACK message on a request the kernel
   * accepted), in a microtask; `null` drops them. Set from the `onWarning` option;
   * defaults to {@link emitNetlinkWarning}. Anything but a function or null is refused
   * (InvalidArgumentError naming `onWarning`).
   */
  get onWarning(): ((warning: NetlinkWarning) => void) | null {
    return this.warningHandler;
  }

  set onWarning(v: ((warning: NetlinkWarning) => void) | null) {
    // Checked here, not when a warning comes (an uncaught "not a function" far from the cause).
    this.warningHandler = checkWarningHandler(v);
  }

  private warningHandler: ((warning: NetlinkWarning) => void) | null = emitNetlinkWarning;

  /** The request writer (one pooled slab, reused by every request). */
  readonly writer: MessageWriter;
  private rbuf: Buffer;
  private rview: DataView;
  /** {@link rbuf} as host-order words (a slab starts a fresh ArrayBuffer). */
  private rwords: Uint32Array;
  private seq: number;
  /** Set while a transaction waits on poll; later requests queue behind it. */
  private busy: Promise<void> | null = null;
  /**
   * True while drain() reads answers and calls message handlers. A request made from
   * inside a handler (on this same socket) waits until the read is over instead of
   * overwriting the exchange being read; a close() from there ends the read once that
   * handler returns (ClosedError), and the receive slab goes back when the read is over.
   */
  private draining = false;
  /** Requests waiting for the read in progress to end (made from inside a handler). */
  private drainWaiters: (() => void)[] | null = null;
  /** close() ran while drain() was reading: the receive slab is released when it stops. */
  private releaseAfterDrain = false;
  /** The one libuv poll handle on this fd (libuv allows one per fd), shared below. */
  private poller: sys.PollHandle | null = null;
  /** Wake-up of the transaction waiting on poll, if any (takes the poll status). */
  private waiter: ((status: number) => void) | null = null;
  /** Rejects the transaction waiting on poll (used by close()). */
  private pendingFail: ((e: unknown) => void) | null = null;
  /** watch() callbacks, woken when no transaction is waiting (made on the first watch()). */
  private watchers: Set<(status: number) => void> | undefined;
  /**
   * Multicast groups joined through this object (batch chunks leave room for their
   * notifications); made on the first join: most sockets only make requests.
   */
  private groups: Set<number> | undefined;
  /** Opened with NETLINK_NO_ENOBUFS: the kernel never marks it congested, so a request need not look for an overrun. */
  private noEnobufs = false;
  /**
   * A request read the socket's overrun (ENOBUFS) and emptied the kernel's queue: the
   * multicast side lost notifications, and {@link readAvailable} reports it next.
   */
  private multicastOverrun = false;
  /** State of the current exchange, reused by every exchange (they never overlap). */
  private readonly tx: TxState<unknown> = {
    type: 0, seq: 0, mode: 'ack', subject: undefined, arg: undefined, onMessage: undefined, value: undefined, out: undefined, each: undefined, intr: false, done: false,
    error: undefined, truncated: false, request: EMPTY_BYTES, requestLength: 0, datagramsAtSend: 0, batch: undefined, overrun: undefined,
  };

  private constructor(fd: number, protocol: number, portId: number, describer: FamilyDescriber) {
    this.fd = fd;
    this.protocol = protocol;
    this.portId = portId;
    this.describer = describer;
    this.writer = new MessageWriter();
    this.rbuf = acquireSlab(SLAB_SIZE);
    this.rview = new DataView(this.rbuf.buffer, this.rbuf.byteOffset, this.rbuf.length);
    this.rwords = new Uint32Array(this.rbuf.buffer, this.rbuf.byteOffset, this.rbuf.length >> 2);
    this.seq = (Math.floor(Math.random() * 0x3fffffff) + 1) >>> 0;
  }

  /**
   * Open and bind a netlink socket (SOCK_CLOEXEC). Throws SysError; on any failure
   * the fd is closed before the error propagates.
   *
   * @example const s = NetlinkSocket.open(NETLINK_ROUTE, { groups: [RTNLGRP_LINK] });
   */
  static open(protocol: number, options: NetlinkSocketOptions = {}): NetlinkSocket {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 31) throw new InvalidArgumentError('protocol', `a netlink protocol is an integer in 0..31, got ${showValue(protocol)}`);
    // Every option checked before the socket exists.
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
    checkOptionKeys(options, SOCKET_OPTION_KEYS, 'options.');
    if (options.receiveBufferSize !== undefined) checkBufSize(options.receiveBufferSize, 'receiveBufferSize');
    if (options.sendBufferSize !== undefined) checkBufSize(options.sendBufferSize, 'sendBufferSize');
    if (options.groups !== undefined && !Array.isArray(options.groups)) throw new InvalidArgumentError('groups', `expected an array of group numbers, got ${showValue(options.groups)}`);
    for (const g of options.groups ?? []) checkGroup(g, 'groups');
    if (options.onWarning !== undefined) checkWarningHandler(options.onWarning);
    const fd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    try {
      if (options.extAck !== false) sys.setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1, 'setsockopt(NETLINK_EXT_ACK)');
      if (options.capAck !== false) sys.setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1, 'setsockopt(NETLINK_CAP_ACK)');
      if (options.strictCheck) sys.setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1, 'setsockopt(NETLINK_GET_STRICT_CHK)');
      if (options.noEnobufs) sys.setsockoptInt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1, 'setsockopt(NETLINK_NO_ENOBUFS)');
      if (options.receiveBufferSize !== undefined) setBuf(fd, SO_RCVBUFFORCE, SO_RCVBUF, options.receiveBufferSize, 'receiveBufferSize');
      if (options.sendBufferSize !== undefined) setBuf(fd, SO_SNDBUFFORCE, SO_SNDBUF, options.sendBufferSize, 'sendBufferSize');
      const sa = BIND_ADDR.fill(0);
      sa.writeUInt16LE(AF_NETLINK, 0);
      sys.bind(fd, sa);
      sys.getsockname(fd, sa);
      const portId = sa.readUInt32LE(4);
      for (const g of options.groups ?? []) {
        sys.setsockoptInt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g, `setsockopt(NETLINK_ADD_MEMBERSHIP ${g})`);
      }
      const sock = new NetlinkSocket(fd, protocol, portId, options.describer ?? defaultDescriber);
      for (const g of options.groups ?? []) (sock.groups ??= new Set()).add(g);
      if (options.noEnobufs) sock.noEnobufs = true;
      if (options.onWarning !== undefined) sock.onWarning = options.onWarning;
      return sock;
    } catch (e) {
      sys.close(fd);
      throw e;
    }
  }

  /** True once closed. */
  get closed(): boolean {
    return this.fd < 0;
  }

  /** Join a multicast group. */
  addMembership(group: number): void {
    this.check();
    checkGroup(group, 'group');
    sys.setsockoptInt(this.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group, `setsockopt(NETLINK_ADD_MEMBERSHIP ${group})`);
    (this.groups ??= new Set()).add(group);
  }

  /** Leave a multicast group. */
  dropMembership(group: number): void {
    this.check();
    checkGroup(group, 'group');
    sys.setsockoptInt(this.fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group, `setsockopt(NETLINK_DROP_MEMBERSHIP ${group})`);
    this.groups?.delete(group);
  }

  /** Set the receive buffer size (SO_RCVBUFFORCE, falling back to SO_RCVBUF). */
  setReceiveBufferSize(bytes: number): void {
    this.check();
    setBuf(this.fd, SO_RCVBUFFORCE, SO_RCVBUF, bytes, 'bytes');
  }

  /** Next sequence number. */
  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1;
    return this.seq;
  }

  private check(): void {
    if (this.fd < 0) throw new ClosedError(this.owner);
  }

  /**
   * Send a request and wait for its answer.
   *
   * - With `ack` (the default): resolves when the kernel ACKs; messages before the ACK
   *   (an NLM_F_ECHO reply) go to `onMessage`, and the last value it returned is the
   *   result.
   * - With `ack: false` (GET of one object): resolves with `onMessage` of the reply. A
   *   request the kernel carries out without answering (a NEW, SET or DEL without
   *   NLM_F_ACK) resolves with undefined on rtnetlink, xfrm, sock_diag and nfnetlink,
   *   whose kernel side answers inside sendto; on other protocols (audit answers from a
   *   kernel thread) it waits for an answer, so ask those for an ACK.
   *
   * The kernel's refusal rejects with {@link NetlinkError} (code, extended ACK,
   * attribute name, request type and subject).
   */
  request<T>(type: number, flags: number, build: RequestBuilder, onMessage?: MessageHandler<T>, opts: RequestOptions = NO_OPTIONS): Promise<T | undefined> {
    return this.requestWith(type, flags, build as RequestBuilderWith<undefined>, undefined, onMessage, opts);
  }

  /**
   * {@link request} with an argument: `build(w, arg)` writes the body, and
   * `opts.subjectOf(arg)` names the request only if an error needs it. A builder and
   * options written once, at module level, then serve every request without a closure,
   * an options object or a subject string per call (the bulk paths of rt.addr.add and
   * rt.link.add use it). The request holds on to `arg` only until it settles.
   */
  requestWith<T, A>(type: number, flags: number, build: RequestBuilderWith<A>, arg: A, onMessage?: MessageHandler<T>, opts: RequestWithOptions<A> = NO_OPTIONS): Promise<T | undefined> {
    const subject: Subject = opts.subject ?? opts.subjectOf;
    // Fast path without an async frame (an async function allocates ~0.5 KB per call):
    // the socket is idle and the whole answer was queued by the time sendto returned.
    if (this.busy === null) {
      let r: TxResult<T> | typeof TRUNCATED | Promise<TxResult<T> | typeof TRUNCATED>;
      // requestFlags() written out, `ack` read once: every call costs in the unoptimised
      // code a fresh process runs its first requests in (docs/performance.md).
      const ack = opts.ack ?? true;
      try {
        r = this.transact(type, NLM_F_REQUEST | (ack ? NLM_F_ACK : 0) | flags, build as RequestBuilderWith<unknown>, onMessage, ack ? 'ack' : 'reply', subject, arg);
      } catch (e) {
        return Promise.reject(e);
      }
      if (r !== TRUNCATED && !(r instanceof Promise)) return Promise.resolve(r.value);
      return this.requestSlow(type, flags, build as RequestBuilderWith<unknown>, onMessage, opts, subject, arg, r);
    }
    return this.requestSlow(type, flags, build as RequestBuilderWith<unknown>, onMessage, opts, subject, arg, undefined);
  }

  /** {@link request} when it has to wait: on another exchange, on poll, or to retry. */
  private async requestSlow<T>(
    type: number, flags: number, build: RequestBuilderWith<unknown>, onMessage: MessageHandler<T> | undefined, opts: RequestOptions, subject: Subject, arg: unknown,
    first: TxResult<T> | typeof TRUNCATED | Promise<TxResult<T> | typeof TRUNCATED> | undefined,
  ): Promise<T | undefined> {
    const ack = opts.ack ?? true;
    for (let attempt = 0; ; attempt++) {
      let r = attempt === 0 ? first : undefined;
      if (r === undefined) {
        // Re-checked synchronously right before transact(): several callers may wake from
        // the same busy promise, and only the first may start its exchange.
        while (this.busy !== null || this.draining) await this.nextIdle();
        r = this.transact(type, requestFlags(flags, opts), build, onMessage, ack ? 'ack' : 'reply', subject, arg);
      }
      const res = r instanceof Promise ? await r : r;
      if (res === TRUNCATED && attempt < 2 && !ack) continue;
      if (res === TRUNCATED) throw new NetlinkError(90 /* EMSGSIZE */, this.reqInfo(type, 0, subjectText(subject, arg)), {}, 'reply did not fit the receive buffer');
      return res.value;
    }
  }


  /**
   * Send a dump request (NLM_F_DUMP added) and collect `onMessage` of every part until
   * NLMSG_DONE. A dump flagged NLM_F_DUMP_INTR is retried up to `retries` times
   * (default 5); after that it rejects with {@link DumpInterruptedError} holding the
   * partial result.
   */
  async dump<T>(type: number, flags: number, build: RequestBuilder, onMessage: MessageHandler<T>, opts: RequestOptions & { readonly retries?: number | undefined } = NO_OPTIONS): Promise<T[]> {
    const retries = opts.retries ?? 5;
    // NaN made `interrupted > retries` never true: a dump interrupted on every try was retried for ever.
    if (!Number.isInteger(retries) || retries < 0) throw new InvalidArgumentError('retries', `expected an integer ≥ 0, got ${showValue(retries)}`);
    let last: T[] = [];
    let interrupted = 0;
    let truncated = 0;
    for (;;) {
      while (this.busy !== null || this.draining) await this.nextIdle();
      // Parts are pushed straight into `out` by the receive loop (no per-dump closure:
      // a new one each time made V8 deoptimise the loop's call site).
      // Made to hold objects from the start: an empty literal is a Smi-only array, and
      // the first decoded object pushed into it deoptimised the optimised receive loop
      // once per process ("not a Smi").
      const out: T[] = [undefined as T];
      out.pop();
      this.tx.out = out;
      this.tx.each = undefined;
      const r = this.transact(type, NLM_F_REQUEST | NLM_F_DUMP | flags, build as RequestBuilderWith<unknown>, onMessage, 'dump', opts.subject, undefined);
      const res = r instanceof Promise ? await r : r;
      if (res === TRUNCATED) {
        // A part did not fit: the buffer has grown to fit it; re-issue. This is not an
        // NLM_F_DUMP_INTR retry and does not use up `retries`.
        if (++truncated > 2) throw new NetlinkError(90 /* EMSGSIZE */, this.reqInfo(type, 0, subjectText(opts.subject, undefined)), {}, 'dump part did not fit the receive buffer');
        continue;
      }
      if (!res.intr) return out;
      last = out;
      this.stats.dumpRetries++;
      if (debugEnabled()) debug('dump %s interrupted (NLM_F_DUMP_INTR), attempt %d', this.describer.typeName(type), interrupted + 1);
      if (++interrupted > retries) throw new DumpInterruptedError(this.describer.typeName(type), retries + 1, last);
    }
  }


  /**
   * {@link dump} without collecting: every decoded part goes to `fn` as it is read, so
   * a table of any size is walked in the memory of one receive buffer. `fn` runs
   * synchronously inside the receive loop; returning `false` stops the deliveries (the
   * rest of the dump is read and dropped undecoded, so the socket stays usable).
   * Resolves with the number of parts `fn` was given.
   *
   * - `fn` throwing: the dump is read to its end, then the call rejects with that error.
   * - `fn` closing the socket: `fn` gets nothing more, and the call rejects with ClosedError.
   * - `fn` returning a promise (an async function): rejected with InvalidArgumentError,
   *   as it would not be awaited (and requests made from `fn` wait until the dump ends).
   * - A part bigger than the receive buffer: the buffer grows and the dump is re-issued,
   *   skipping the messages already delivered (dumps come in the kernel's order).
   * - NLM_F_DUMP_INTR: not retried (what `fn` has seen cannot be taken back); after the
   *   dump ends the call rejects with a {@link DumpInterruptedError} whose `delivered`
   *   says how many parts `fn` saw. Only a flag on the parts read up to a stop counts:
   *   those after it were never given to `fn`.
   */
  async dumpEach<T>(type: number, flags: number, build: RequestBuilder, onMessage: MessageHandler<T>, fn: (x: T) => unknown, opts: RequestOptions = NO_OPTIONS): Promise<number> {
    if (typeof fn !== 'function') throw new InvalidArgumentError('fn', `expected a function, got ${showValue(fn)}`);
    const each: EachState<T> = { fn, index: 0, skip: 0, count: 0, stopped: false, intr: false, failed: false, error: undefined };
    let truncated = 0;
    for (;;) {
      while (this.busy !== null || this.draining) await this.nextIdle();
      this.tx.out = undefined;
      this.tx.each = each as EachState<unknown>;
      each.index = 0;
      let res: TxResult<T> | typeof TRUNCATED;
      try {
        const r = this.transact(type, NLM_F_REQUEST | NLM_F_DUMP | flags, build as RequestBuilderWith<unknown>, onMessage, 'dump', opts.subject, undefined);
        res = r instanceof Promise ? await r : r;
      } catch (e) {
        this.tx.each = undefined;
        // What fn threw is the caller's own error: it wins over what ended the dump.
        if (each.failed) throw each.error;
        throw e;
      }
      if (each.failed) throw each.error;
      if (res === TRUNCATED && !each.stopped) {
        if (++truncated > 2) throw new NetlinkError(90 /* EMSGSIZE */, this.reqInfo(type, 0, subjectText(opts.subject, undefined)), {}, 'dump part did not fit the receive buffer');
        // The re-issued dump skips the messages of the parts already delivered.
        if (each.index > each.skip) each.skip = each.index;
        continue;
      }
      // The flag on a part fn was given (in this attempt or one lost to truncation); not
      // on what came after a stop, which fn never saw (see markIntr).
      if (each.intr) throw new DumpInterruptedError(this.describer.typeName(type), 1, [], each.count);
      return each.count;
    }
  }

  private reqInfo(type: number, seq: number, subject?: string): { type: number; typeName: string; seq: number; subject?: string } {
    const info: { type: number; typeName: string; seq: number; subject?: string } = { type, typeName: this.describer.typeName(type), seq };
    if (subject !== undefined) info.subject = subject;
    return info;
  }

  /**
   * One request/response exchange. Returns synchronously when the whole answer was
   * already queued (the normal case), else a Promise.
   */
  private transact<T>(
    type: number, flags: number, build: RequestBuilderWith<unknown>, onMessage: MessageHandler<T> | undefined,
    mode: 'ack' | 'reply' | 'dump', subject: Subject, arg: unknown,
  ): TxResult<T> | typeof TRUNCATED | Promise<TxResult<T> | typeof TRUNCATED> {
    // Made from inside a message handler of the exchange being read: after it.
    if (this.draining) return this.transactLater(type, flags, build, onMessage, mode, subject, arg);
    this.tx.batch = undefined;
    if (this.fd < 0) throw new ClosedError(this.owner); // check(), written out (hot path)
    if (this.groups !== undefined) this.takeOverrun();
    const w = this.writer;
    const seq = this.nextSeq();
    w.restart(type, flags, seq); // throws for a request made from inside a builder, before the writer is touched
    try {
      build(w, arg);
    } catch (e) {
      w.abort();
      throw e;
    }
    const len = w.finishLength();
    const req = w.buf; // the request is req[0, len): sent from the slab, no view made
    if (DEBUG) {
      const text = subjectText(subject, arg);
      debug('send %s seq=%d flags=0x%s len=%d%s\n%s', this.describer.typeName(type), seq, flags.toString(16), len, text ? ` (${text})` : '', hex(req.subarray(0, len)));
    }
    this.stats.requests++;
    const n = sys.send(this.fd, req, len, 0);
    if (n < 0) throw this.sendError(-n, type, len, subjectText(subject, arg), 1);
    // One exchange at a time per socket (see `busy`), so one state object is reused.
    const st = this.tx as TxState<T>;
    st.type = type;
    st.seq = seq;
    st.mode = mode;
    st.subject = subject;
    st.arg = arg;
    st.onMessage = onMessage;
    st.value = undefined;
    st.intr = false;
    st.done = false;
    st.error = undefined;
    st.truncated = false;
    st.overrun = undefined;
    st.request = req;
    st.requestLength = len;
    st.datagramsAtSend = this.stats.datagrams;
    try {
      this.drain(st);
    } catch (e) {
      this.releaseTx(st);
      throw e;
    }
    if (st.done) return this.finishTx(st);
    return this.awaitRest(st, req, len);
  }

  /** {@link transact} when not all of the answer was queued by the time sendto returned (out of line: rare). */
  private awaitRest<T>(st: TxState<T>, req: Buffer, len: number): TxResult<T> | typeof TRUNCATED | Promise<TxResult<T> | typeof TRUNCATED> {
    // Without NLM_F_ACK a kernel that carried a request out may answer nothing (a SET or
    // NEW does not); families whose kernel side answers inside sendto will send nothing
    // later, so waiting would be for ever: the request is done, without a value.
    if (st.mode === 'reply' && answersInSend(this.protocol)) {
      st.done = true;
      return this.finishTx(st);
    }
    // Keep a copy of the request (the writer may be reused) and wait for readability on
    // a libuv poll handle.
    st.request = Buffer.from(req.subarray(0, len));
    this.stats.waits++;
    return this.waitTx(st);
  }

  /** {@link transact} once no exchange is being read or waited for. */
  private async transactLater<T>(
    type: number, flags: number, build: RequestBuilderWith<unknown>, onMessage: MessageHandler<T> | undefined,
    mode: 'ack' | 'reply' | 'dump', subject: Subject, arg: unknown,
  ): Promise<TxResult<T> | typeof TRUNCATED> {
    while (this.busy !== null || this.draining) await this.nextIdle();
    const r = this.transact(type, flags, build, onMessage, mode, subject, arg);
    return r instanceof Promise ? await r : r;
  }

  /**
   * What to wait for before an exchange may start: the read in progress (a request made
   * from inside a message handler) or the exchange waiting on poll. Callers loop on
   * `while (this.busy !== null || this.draining) await this.nextIdle();` right before
   * transact(), so that the check and the start are one synchronous step: several
   * callers wake from the same promise, and only the first may start its exchange.
   */
  private nextIdle(): Promise<void> {
    if (this.draining) return new Promise<void>((r) => (this.drainWaiters ??= []).push(r));
    return this.busy!;
  }

  /** Let go of what the caller handed to the exchange (handler, dump array, argument): it has settled. */
  private releaseTx<T>(st: TxState<T>): void {
    st.onMessage = undefined;
    st.out = undefined;
    st.each = undefined;
    st.arg = undefined;
  }

  private finishTx<T>(st: TxState<T>): TxResult<T> | typeof TRUNCATED {
    this.releaseTx(st);
    // The kernel's own error wins over a lost echo; an ACKed change whose echo did not
    // fit succeeded (the value is then undefined and callers read the object back).
    if (st.error) throw st.error;
    if (st.truncated && st.mode !== 'ack') return TRUNCATED;
    return st; // synchronous callers read it before any other exchange can start
  }

  /**
   * Wait for the rest of the answer on the poll handle. Marks the socket busy until the
   * transaction settles; close() rejects it with ClosedError.
   */
  private waitTx<T>(st: TxState<T>): Promise<TxResult<T> | typeof TRUNCATED> {
    let release!: () => void;
    this.busy = new Promise<void>((r) => (release = r));
    return new Promise((resolve, reject) => {
      const settle = (fn: () => void): void => {
        this.releaseTx(st);
        this.waiter = null;
        this.pendingFail = null;
        this.busy = null;
        release();
        this.updatePoll();
        fn();
      };
      this.pendingFail = (e) => settle(() => reject(e));
      this.waiter = (status) => {
        try {
          if (this.fd < 0) throw new ClosedError(this.owner);
          // A negative status is what libuv reports for a pending socket error (an
          // ENOBUFS overrun): read it, so drain() turns it into a NetlinkError that says so.
          this.drain(st);
          if (!st.done) return;
          const res = this.finishTx(st);
          // A copy: the shared state object is reused by the next exchange, which may
          // start before the awaiting caller reads this result.
          const out = res === TRUNCATED ? res : { value: res.value, intr: res.intr };
          settle(() => resolve(out));
        } catch (e) {
          settle(() => reject(e));
        }
      };
      try {
        this.updatePoll();
      } catch (e) {
        settle(() => reject(e));
      }
    });
  }

  /** Start or stop the poll handle: it runs while a transaction waits or a watch() is open. */
  private updatePoll(): void {
    const want = this.fd >= 0 && (this.waiter !== null || (this.watchers !== undefined && this.watchers.size > 0));
    if (want && this.poller === null) {
      // koffi calls back with (status, events) although its .d.ts says (events).
      this.poller = sys.poll(this.fd, { readable: true }, (status: unknown) => this.onReadable(typeof status === 'number' ? status : 0));
    } else if (!want && this.poller !== null) {
      this.poller.close();
      this.poller = null;
    }
  }

  /** A waiting transaction gets the wake-up (it drains every datagram); else the watchers. */
  private onReadable(status: number): void {
    if (status < 0 && this.poller !== null) {
      // On POLLERR libuv stops the handle before calling back (status UV_EBADF); for a
      // netlink socket that is a pending ENOBUFS (overrun), which the next read returns.
      // Drop the stopped handle so updatePoll() starts a fresh one for whoever still waits.
      this.poller.close();
      this.poller = null;
    }
    if (this.waiter) {
      this.waiter(status);
      // The read found nothing to settle the request (the answer is still to come): the
      // stopped handle was dropped above, so start a new one, or the answer is never read.
      if (status < 0) this.updatePoll();
      return;
    }
    if (this.watchers) for (const cb of [...this.watchers]) cb(status);
    if (status < 0) this.updatePoll();
  }

  /**
   * Read until the transaction is complete or EAGAIN. A dump that fails part-way (a
   * handler or decoder threw) has the rest of its parts read and dropped: the kernel
   * would otherwise keep the dump open on this socket and refuse the next one (EBUSY).
   */
  private drain<T>(st: TxState<T>): void {
    this.draining = true;
    try {
      this.drainLoop(st);
    } catch (e) {
      if (st.mode === 'dump' && !st.done && this.fd >= 0) this.discardSeq(st.seq);
      throw e;
    } finally {
      this.draining = false;
      if (this.releaseAfterDrain) {
        this.releaseAfterDrain = false;
        releaseSlab(this.rbuf);
      }
      const ws = this.drainWaiters;
      if (ws !== null) {
        this.drainWaiters = null;
        for (const w of ws) w();
      }
    }
  }

  /**
   * NETLINK_NO_ENOBUFS with groups: a full queue makes the kernel drop our answer without
   * an error or the congested state, and rtnetlink answers inside sendto, so nothing
   * queued when the answer is awaited means nothing will come (the request waited for
   * ever): throw ENOBUFS saying so. Called at EAGAIN only.
   */
  private checkDroppedAnswer<T>(st: TxState<T>): void {
    if (!answersInSend(this.protocol) || this.groups === undefined || this.groups.size === 0) return;
    // Nothing read since the send: the queue was not full, so nothing was dropped (a
    // request without ACK the kernel answers with nothing; awaitRest settles it).
    if (st.mode === 'reply' && this.stats.datagrams === st.datagramsAtSend) return;
    throw new NetlinkError(ENOBUFS, this.reqInfo(st.type, st.seq, subjectText(st.subject, st.arg)), {}, st.mode === 'ack' || st.mode === 'batch'
      ? 'no answer came: with noEnobufs the kernel dropped its answer on a receive queue full of notifications, without a word; the request may have been carried out; read the state back (or make requests on a socket without groups)'
      : 'no answer came: with noEnobufs the kernel dropped its answer on a receive queue full of notifications, without a word, or the request is one it carries out and answers nothing without NLM_F_ACK (a NEW, SET or DEL: ask for an ACK); make requests on a socket without groups');
  }

  private drainLoop<T>(st: TxState<T>): void {
    while (!st.done) {
      // close() from inside a handler: stop reading (the slab goes back when drain() ends).
      if (this.fd < 0) throw new ClosedError(this.owner);
      const n = sys.recvfrom(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT | MSG_TRUNC, RECV_ADDR, RECV_ALEN);
      if (n < 0) {
        if (-n === EAGAIN) {
          // After an overrun, answers that were dropped will never come: fail instead of
          // waiting on poll for them.
          if (st.overrun) throw st.overrun;
          // Reached only when the answer is missing (out of line: this loop's size is what
          // V8 weighs when it tiers the request path up).
          if (this.noEnobufs) this.checkDroppedAnswer(st);
          return;
        }
        if (-n === ENOBUFS) {
          // The kernel reports an overrun before any queued datagram, and marks the socket
          // congested until its queue is empty, dropping every unicast to it until then
          // without another ENOBUFS (a later request's answer would be lost and the request
          // wait for ever): the queue is read to its end here. What is ours in it (an ACK,
          // an echo, a batch chunk's ACKs) still decides the outcome, matched by sequence
          // number; the rest (notifications) is dropped, and the multicast side is told.
          // Only an answer the kernel dropped fails the request (at EAGAIN, below).
          st.overrun ??= new NetlinkError(ENOBUFS, this.reqInfo(st.type, st.seq, subjectText(st.subject, st.arg)), {}, st.mode === 'ack'
            ? 'the receive queue overflowed and the kernel dropped its answer: the request may have been carried out; read the state back'
            : 'the receive queue overflowed and the kernel dropped its answer');
          this.noteMulticastOverrun();
          continue;
        }
        throw new SysError('recvfrom', -n);
      }
      this.stats.datagrams++;
      // The sender's address is filled in even when the datagram was truncated: check it
      // first, so that no other socket can make a request fail or be re-issued.
      if (RECV_U32[1]! !== 0) {
        this.stats.foreign++;
        if (debugEnabled()) debug('ignored %d bytes from port %d (not the kernel)', n, RECV_U32[1]!);
        continue;
      }
      if (n > this.rbuf.length) {
        // Datagram lost to truncation. Its first header is in the buffer: a message for
        // another sequence number is just stale; ours means grow and re-issue.
        this.stats.truncated++;
        const ours = st.batch ? ((this.rview.getUint32(8, HOST_LE) - st.seq) >>> 0) < st.batch.count : this.rview.getUint32(8, HOST_LE) === st.seq;
        if (ours && (st.mode === 'ack' || st.mode === 'batch') && this.rview.getUint16(4, HOST_LE) === NLMSG_ERROR) {
          // The ACK itself did not fit: an error ACK echoing a request bigger than the
          // buffer (NETLINK_CAP_ACK off). Nothing more of ours follows for it (an ACK
          // request waited on poll for ever; a batch chunk gave up on every answer). Its
          // header and errno were read; what followed them (the echo, the extended ACK) is
          // lost: read it as the message cut there, before the buffer is replaced.
          const v = this.rview;
          v.setUint32(0, NLMSG_HDRLEN + 4, HOST_LE);
          v.setUint16(6, v.getUint16(6, HOST_LE) & ~NLM_F_ACK_TLVS, HOST_LE);
          try {
            if (st.batch) this.handleBatchDatagram(st, st.batch, NLMSG_HDRLEN + 4);
            else this.handleDatagram(st, NLMSG_HDRLEN + 4);
          } finally {
            this.growReceiveBuffer(n);
          }
          if (st.done) return;
          continue;
        }
        this.growReceiveBuffer(n);
        if (!ours) {
          this.stats.stale++;
          continue;
        }
        st.truncated = true;
        if (st.mode === 'dump') {
          // Drain the rest of this dump (its parts carry our seq) so the retry starts clean.
          this.discardSeq(st.seq);
          st.done = true;
          return;
        }
        if (st.mode === 'reply') {
          // A single GET reply: nothing more of ours follows; re-issue it.
          st.done = true;
          return;
        }
        if (st.mode === 'batch') {
          // One answer of the chunk is lost: the chunk's unanswered messages end 'unknown'.
          st.error = new NetlinkError(90 /* EMSGSIZE */, this.reqInfo(st.type, st.seq, subjectText(st.subject, st.arg)), {}, 'an answer did not fit the receive buffer');
          st.done = true;
          return;
        }
        // An ACK request whose echoed reply was too big: the kernel made the change; its
        // ACK (or error) still follows and decides the outcome.
        continue;
      }
      if (st.batch) this.handleBatchDatagram(st, st.batch, n);
      else if (n === NLMSG_HDRLEN + 20 && isSuccessAck(this.rwords, st.seq)) {
        // The usual answer to a change, alone in its datagram: our success ACK (its
        // request's header echoed, NETLINK_CAP_ACK). What handleDatagram concludes from
        // it, with a few word reads instead of its general walk.
        if (DEBUG) debug('recv NLMSG_ERROR seq=%d flags=0x%s len=%d', st.seq, this.rview.getUint16(6, HOST_LE).toString(16), n);
        st.done = true;
      } else this.handleDatagram(st, n);
    }
    // Our answer came after an overrun: empty the rest of the queue (notifications), so the
    // kernel stops treating the socket as congested.
    if (st.overrun) this.discardQueued();
  }

  /**
   * The SysError of a refused send, naming what was sent ('RTM_NEWLINK (v0) of 40048
   * bytes'); for EMSGSIZE, why: netlink_sendmsg() refuses a message longer than the send
   * buffer less 32 bytes, which only a larger sendBufferSize changes. Before, the error was
   * 'EMSGSIZE: Message too long, send', with nothing about the request or the remedy.
   */
  private sendError(errno: number, type: number, len: number, subject: string | undefined, count: number): SysError {
    const what = count === 1
      ? `${this.describer.typeName(type)}${subject !== undefined ? ` (${subject})` : ''} of ${len} bytes`
      : `a batch chunk of ${count} messages (${len} bytes)`;
    if (errno !== EMSGSIZE) return new SysError('send', errno, undefined, what);
    let sndbuf = -1;
    try {
      sndbuf = sys.getsockoptInt(this.fd, SOL_SOCKET, SO_SNDBUF);
    } catch {
      /* the fd is still open here; best effort all the same */
    }
    const limit = sndbuf > 0 ? ` (${sndbuf - 32} bytes: SO_SNDBUF ${sndbuf} less 32)` : '';
    return new SysError('send', errno, undefined, `${what} is larger than the socket's send buffer${limit}; open the socket with a larger sendBufferSize`);
  }

  /** Read and drop every queued datagram (after an overrun), bounded so a flood cannot hold the thread. */
  private discardQueued(): void {
    for (let k = 0; k < 4096; k++) {
      const n = sys.recvfrom(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT | MSG_TRUNC, RECV_ADDR, RECV_ALEN);
      if (n < 0 && -n !== ENOBUFS) return;
      if (n >= 0) this.stats.stale++;
    }
  }

  /**
   * Before a request on a socket in multicast groups: an overrun the multicast side has
   * not read yet left the socket congested, and the kernel would drop the request's own
   * answer (the change made, the caller told ENOBUFS). Read the pending error (one
   * getsockopt; sockets without groups skip this); after an overrun, empty the queue and
   * leave the overrun to the multicast side. With NETLINK_NO_ENOBUFS there is none to take
   * (netlink_overrun() neither sets the error nor marks the socket congested).
   */
  private takeOverrun(): void {
    if (this.noEnobufs || this.groups!.size === 0 || sys.getsockoptInt(this.fd, SOL_SOCKET, SO_ERROR) !== ENOBUFS) return;
    this.noteMulticastOverrun();
    this.discardQueued();
  }

  /** An overrun a request read: {@link readAvailable} reports it next, and watchers are woken to read it. */
  private noteMulticastOverrun(): void {
    if (this.groups === undefined || this.groups.size === 0 || this.multicastOverrun) return;
    this.multicastOverrun = true;
    if (this.watchers !== undefined && this.watchers.size > 0) {
      // The queue is emptied by the request: no readability would wake them.
      setImmediate(() => {
        if (this.fd < 0 || !this.multicastOverrun || this.watchers === undefined) return;
        for (const cb of [...this.watchers]) cb(0);
      });
    }
  }

  private discardSeq(seq: number): void {
    for (;;) {
      const n = sys.recvfrom(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT | MSG_TRUNC, RECV_ADDR, RECV_ALEN);
      if (n < 0) return;
      if (n > this.rbuf.length) continue;
      let off = 0;
      let end = false;
      while (off + NLMSG_HDRLEN <= n) {
        const len = this.rview.getUint32(off, HOST_LE);
        if (len < NLMSG_HDRLEN) return;
        const t = this.rview.getUint16(off + 4, HOST_LE);
        if (this.rview.getUint32(off + 8, HOST_LE) === seq && (t === NLMSG_DONE || t === NLMSG_ERROR)) end = true;
        off += align4(len);
      }
      if (end) return;
    }
  }

  private growReceiveBuffer(n: number): void {
    releaseSlab(this.rbuf);
    let size = this.rbuf.length * 2;
    while (size < n) size *= 2;
    this.rbuf = acquireSlab(size);
    this.rview = new DataView(this.rbuf.buffer, this.rbuf.byteOffset, this.rbuf.length);
    this.rwords = new Uint32Array(this.rbuf.buffer, this.rbuf.byteOffset, this.rbuf.length >> 2);
  }

  private handleDatagram<T>(st: TxState<T>, n: number): void {
    const buf = this.rbuf;
    const v = this.rview;
    let off = 0;
    while (off < n) {
      const len = checkMessage(v, off, n, REPLY_PATH);
      const type = v.getUint16(off + 4, HOST_LE);
      const flags = v.getUint16(off + 6, HOST_LE);
      const seq = v.getUint32(off + 8, HOST_LE);
      if (seq !== st.seq) {
        this.stats.stale++;
        if (debugEnabled()) debug('ignored stale message type=%d seq=%d (awaiting %d)', type, seq, st.seq);
        off += align4(len);
        continue;
      }
      if (debugEnabled()) debug('recv %s seq=%d flags=0x%s len=%d', type === NLMSG_ERROR ? 'NLMSG_ERROR' : type === NLMSG_DONE ? 'NLMSG_DONE' : this.describer.typeName(type), seq, flags.toString(16), len);
      if (type === NLMSG_ERROR) {
        if (len < NLMSG_HDRLEN + 4) throw new DecodeError('short NLMSG_ERROR', ['NLMSG_ERROR'], off, NLMSG_HDRLEN + 4, len);
        const err = -v.getInt32(off + NLMSG_HDRLEN, HOST_LE);
        if (err !== 0) {
          st.error = this.makeError(st, err, buf, v, off, len, flags);
        } else if (flags & NLM_F_ACK_TLVS && this.onWarning !== null) this.warn(st, this.ackExt(st, buf, v, off, len, flags));
        st.done = true;
        return;
      }
      if (type === NLMSG_DONE) {
        if (st.mode === 'dump' && len >= NLMSG_HDRLEN + 4) {
          const err = -v.getInt32(off + NLMSG_HDRLEN, HOST_LE);
          if (err > 0) {
            const ext = flags & NLM_F_ACK_TLVS ? this.parseExtAck(st, buf, v, off + NLMSG_HDRLEN + 4, off + len) : {};
            st.error = new NetlinkError(err, this.reqInfo(st.type, st.seq, subjectText(st.subject, st.arg)), ext);
          } else if (err === 0 && flags & NLM_F_ACK_TLVS && this.onWarning !== null) this.warn(st, this.parseExtAck(st, buf, v, off + NLMSG_HDRLEN + 4, off + len));
        }
        if (flags & NLM_F_DUMP_INTR) markIntr(st);
        st.done = true;
        return;
      }
      if (type === NLMSG_NOOP) {
        off += align4(len);
        continue;
      }
      if (type === NLMSG_OVERRUN) {
        st.error = new NetlinkError(ENOBUFS, this.reqInfo(st.type, st.seq, subjectText(st.subject, st.arg)), {}, 'NLMSG_OVERRUN');
        st.done = true;
        return;
      }
      if (flags & NLM_F_DUMP_INTR) markIntr(st);
      if (st.each !== undefined) deliverEach(st.each, st.onMessage!, buf, v, off, len);
      else if (st.onMessage) {
        const x = st.onMessage(buf, v, off, len);
        if (x !== undefined) {
          if (st.mode === 'dump') st.out!.push(x);
          else st.value = x;
        }
      }
      // close() from the handler: nothing more is handed out (not even the rest of this
      // datagram, which the slab still holds), and the exchange ends with ClosedError.
      if (this.fd < 0) throw new ClosedError(this.owner);
      if (st.mode === 'reply' && !(flags & NLM_F_MULTI)) {
        st.done = true;
        return;
      }
      off += align4(len);
    }
  }

  /** The extended-ACK attributes of the NLMSG_ERROR at `off` (an empty object without NLM_F_ACK_TLVS). */
  private ackExt<T>(st: TxState<T>, buf: Buffer, v: DataView, off: number, len: number, flags: number): ExtAck {
    if (!(flags & NLM_F_ACK_TLVS)) return {};
    // nlmsgerr: int error; struct nlmsghdr msg; [payload unless capped]; TLVs.
    const inner = off + NLMSG_HDRLEN + 4;
    let tlv = inner + NLMSG_HDRLEN;
    if (!(flags & NLM_F_CAPPED) && inner + 4 <= off + len) tlv = inner + align4(v.getUint32(inner, HOST_LE));
    return tlv <= off + len ? this.parseExtAck(st, buf, v, tlv, off + len) : {};
  }

  /**
   * Hand a kernel warning (extended-ACK data on an accepted request) to onWarning, in a
   * microtask: a handler that makes a request, closes the socket or throws does so
   * outside the read in progress. Nothing is built when warnings are dropped.
   */
  private warn<T>(st: TxState<T>, ext: ExtAck): void {
    const handler = this.warningHandler;
    if (handler === null || (ext.message === undefined && ext.offset === undefined)) return;
    const w = new NetlinkWarning(this.reqInfo(st.type, st.seq, subjectText(st.subject, st.arg)), ext);
    if (debugEnabled()) debug('kernel warning: %s', w.message);
    queueMicrotask(() => handler(w));
  }

  private makeError<T>(st: TxState<T>, errno: number, buf: Buffer, v: DataView, off: number, len: number, flags: number): NetlinkError {
    const ext = this.ackExt(st, buf, v, off, len, flags);
    let hint: string | undefined;
    if (ext.message === undefined && this.describer.explain) {
      try {
        hint = this.describer.explain(st.request.subarray(0, st.requestLength), errno);
      } catch {
        /* best effort, like naming the attribute */
      }
    }
    return new NetlinkError(errno, this.reqInfo(st.type, st.seq, subjectText(st.subject, st.arg)), ext, hint);
  }

  private parseExtAck<T>(st: TxState<T>, buf: Buffer, v: DataView, start: number, end: number): ExtAck {
    const ext: { -readonly [K in keyof ExtAck]: ExtAck[K] } = {};
    let off = start;
    while (end - off >= NLA_HDRLEN) {
      const alen = v.getUint16(off, HOST_LE);
      if (alen < NLA_HDRLEN || off + alen > end) break;
      const t = v.getUint16(off + 2, HOST_LE) & 0x3fff;
      const vo = off + NLA_HDRLEN;
      const vl = alen - NLA_HDRLEN;
      if (t === NLMSGERR_ATTR_MSG) {
        let e = vo + vl;
        while (e > vo && buf[e - 1] === 0) e--;
        ext.message = buf.toString('utf8', vo, e);
      } else if (t === NLMSGERR_ATTR_OFFS && vl >= 4) ext.offset = v.getUint32(vo, HOST_LE);
      else if (t === NLMSGERR_ATTR_MISS_TYPE && vl >= 4) ext.missingType = v.getUint32(vo, HOST_LE);
      else if (t === NLMSGERR_ATTR_MISS_NEST && vl >= 4) ext.missingNest = v.getUint32(vo, HOST_LE);
      else if (t === NLMSGERR_ATTR_COOKIE) ext.cookie = Buffer.from(buf.subarray(vo, vo + vl)); // a copy: buf is reused
      else if (t === NLMSGERR_ATTR_POLICY) {
        const p = parsePolicy(v, vo, vo + vl);
        if (p) ext.policy = p; // no `policy: undefined` key for an empty or unreadable one
      }
      off += align4(alen);
    }
    const d = this.describer;
    if (ext.offset !== undefined && d.attributeAt) {
      try {
        const a = d.attributeAt(st.request.subarray(0, st.requestLength), ext.offset);
        if (a) ext.attribute = a;
      } catch {
        /* naming is best effort */
      }
    }
    if (ext.missingType !== undefined && d.missingAttribute) {
      try {
        const a = d.missingAttribute(st.type, ext.missingType, st.request.subarray(0, st.requestLength), ext.missingNest);
        if (a) ext.missingAttribute = a;
      } catch {
        /* best effort */
      }
    }
    return ext;
  }

  /**
   * Send many requests, each with NLM_F_ACK, in as few sendmsg calls as the socket's
   * buffers allow, and collect every ACK: the outcome of each message in order (never
   * a rejection for a message the kernel refused).
   *
   * All messages are built before anything is sent (a builder that throws rejects the
   * whole batch, with nothing sent). They go out in chunks: the kernel refuses a
   * sendmsg larger than the send buffer (sk_sndbuf − 32 bytes), processes a chunk's
   * messages one after another inside that sendmsg (a refusal does not stop the
   * rest), and queues one ACK datagram per message, which must all fit the receive
   * buffer until read — so a chunk reserves 1 KiB plus twice the message's length of
   * receive buffer per message (the default 212992 bytes: 192 RTM_NEWADDRs of 40 bytes).
   * A larger receiveBufferSize makes bigger chunks.
   * Sequence numbers within a chunk are consecutive.
   *
   * Rejects only for what happens before the first send (closed socket, a builder's
   * error). An overrun or lost answer after a chunk was sent marks that chunk's
   * unanswered messages 'unknown', sets `failure` and sends nothing more.
   */
  async requestBatch(messages: readonly BatchRequest[], opts: BatchOptions = {}): Promise<BatchResult> {
    this.check();
    if (!Array.isArray(messages)) throw new InvalidArgumentError('messages', `expected an array of requests, got ${showValue(messages)}`);
    const n = messages.length;
    const result: BatchResult = { status: new Array<BatchStatus>(n).fill('unsent'), errors: new Array<NetlinkError | undefined>(n).fill(undefined), firstRefused: -1, failure: undefined };
    if (n === 0) return result;
    // Every message is built first, into a writer of its own (the socket's stays free for
    // requests between chunks); sequence numbers are filled in per chunk.
    const w = new MessageWriter();
    try {
      const offsets = new Array<number>(n + 1);
      for (let i = 0; i < n; i++) {
        const m = messages[i]!;
        offsets[i] = w.pos;
        w.begin(m.type, NLM_F_REQUEST | NLM_F_ACK | m.flags, 0, 0);
        try {
          m.build(w);
        } catch (e) {
          w.abort();
          throw e;
        }
        w.finishLength();
      }
      offsets[n] = w.pos;
      const maxBytes = sys.getsockoptInt(this.fd, SOL_SOCKET, SO_SNDBUF) - 32;
      const rcvbuf = sys.getsockoptInt(this.fd, SOL_SOCKET, SO_RCVBUF);
      const bt: BatchTx = { messages, result, offsets, first: 0, count: 0, answered: 0, refused: 0 };
      let i = 0;
      while (i < n) {
        // The chunk: as many whole messages as both limits allow (at least one): its bytes
        // within the send buffer, its ACKs within the receive buffer.
        // A socket that joined multicast groups also receives the notifications the
        // requests cause (an RTM_NEWADDR per address added, …), queued beside the ACKs:
        // each message then reserves twice as much.
        const share = this.groups !== undefined && this.groups.size > 0 ? 2 : 1;
        let j = i + 1;
        let ackBytes = share * (BATCH_ACK_BUDGET + 2 * (offsets[i + 1]! - offsets[i]!));
        while (j < n && offsets[j + 1]! - offsets[i]! <= maxBytes) {
          ackBytes += share * (BATCH_ACK_BUDGET + 2 * (offsets[j + 1]! - offsets[j]!));
          if (ackBytes > rcvbuf) break;
          j++;
        }
        while (this.busy !== null || this.draining) await this.nextIdle();
        if (this.fd < 0) {
          // Closed while this batch waited its turn: nothing sent yet is a rejection (as
          // for a socket closed before the call); after a chunk went out, its outcome.
          if (i === 0) throw new ClosedError(this.owner);
          this.failChunk(bt, new ClosedError(this.owner));
          break;
        }
        const r = this.transactChunk(w, bt, i, j);
        if (r instanceof Promise) {
          try {
            await r;
          } catch (e) {
            this.failChunk(bt, e);
          }
        }
        if (result.failure !== undefined) break;
        if (bt.refused > 0 && opts.stopOnError) break;
        i = j;
      }
      return result;
    } finally {
      w.release();
    }
  }

  /**
   * Send messages [i, j) of a batch and read their ACKs (synchronously when all are
   * queued, the rtnetlink case; else on poll). A failure after the send is recorded in
   * the batch result, not thrown.
   */
  private transactChunk(w: MessageWriter, bt: BatchTx, i: number, j: number): void | Promise<unknown> {
    const count = j - i;
    if (this.groups !== undefined) this.takeOverrun();
    if (this.seq + count >= 0xffffffff) this.seq = 0; // the chunk's numbers stay consecutive, never 0
    const first = this.nextSeq();
    this.seq = first + count - 1;
    for (let k = 0; k < count; k++) w.view.setUint32(bt.offsets[i + k]! + 8, first + k, HOST_LE);
    const start = bt.offsets[i]!;
    const len = bt.offsets[j]! - start;
    bt.first = i;
    bt.count = count;
    bt.answered = 0;
    if (debugEnabled()) debug('send batch of %d (%d bytes), seq %d..%d', count, len, first, first + count - 1);
    this.stats.requests += count;
    const sent = sys.send(this.fd, start === 0 ? w.buf : w.buf.subarray(start), len, 0);
    if (sent < 0) {
      // Nothing of this chunk reached the kernel: it stays 'unsent'.
      (bt.result as { failure: Error | undefined }).failure = this.sendError(-sent, bt.messages[i]!.type, len, bt.messages[i]!.subject, count);
      return;
    }
    const st = this.tx;
    st.type = bt.messages[i]!.type;
    st.seq = first;
    st.mode = 'batch';
    st.subject = undefined;
    st.arg = undefined;
    st.onMessage = undefined;
    st.value = undefined;
    st.intr = false;
    st.done = false;
    st.error = undefined;
    st.truncated = false;
    st.overrun = undefined;
    st.request = w.buf; // the batch's own writer: stays valid until requestBatch returns
    st.requestLength = bt.offsets[bt.offsets.length - 1]!;
    st.batch = bt;
    for (let k = i; k < j; k++) bt.result.status[k] = 'unknown'; // until its answer comes
    try {
      this.drain(st);
    } catch (e) {
      this.failChunk(bt, e);
      return;
    }
    if (st.done) return this.finishChunk(st, bt);
    this.stats.waits++;
    return this.waitTx(st).then(() => this.finishChunk(st, bt));
  }

  private finishChunk(st: TxState<unknown>, bt: BatchTx): void {
    st.batch = undefined;
    const e = st.error;
    st.error = undefined;
    if (e) this.failChunk(bt, e);
  }

  /** The chunk's answers stopped coming (overrun, lost datagram, closed): what is unanswered stays 'unknown'. */
  private failChunk(bt: BatchTx, e: unknown): void {
    this.tx.batch = undefined;
    (bt.result as { failure: Error | undefined }).failure = e instanceof Error ? e : new Error(String(e));
  }

  /** The exchange state of message `i` of a batch (the chunk's `k`th): its type, sequence, subject and bytes, for its error or warning. */
  private batchMessageState<T>(st: TxState<T>, bt: BatchTx, i: number, k: number): TxState<T> {
    const m = bt.messages[i]!;
    return { ...st, type: m.type, seq: (st.seq + k) >>> 0, subject: m.subject, request: st.request.subarray(bt.offsets[i]!, bt.offsets[i + 1]!), requestLength: bt.offsets[i + 1]! - bt.offsets[i]! };
  }

  /** The ACKs of a batch chunk: one NLMSG_ERROR per message, matched by sequence number. */
  private handleBatchDatagram<T>(st: TxState<T>, bt: BatchTx, n: number): void {
    const buf = this.rbuf;
    const v = this.rview;
    const res = bt.result;
    let off = 0;
    while (off < n) {
      const len = checkMessage(v, off, n, REPLY_PATH);
      const type = v.getUint16(off + 4, HOST_LE);
      const flags = v.getUint16(off + 6, HOST_LE);
      const k = (v.getUint32(off + 8, HOST_LE) - st.seq) >>> 0;
      off += align4(len);
      if (k >= bt.count) {
        this.stats.stale++;
        continue;
      }
      if (type === NLMSG_OVERRUN) {
        st.error = new NetlinkError(ENOBUFS, this.reqInfo(st.type, st.seq), {}, 'NLMSG_OVERRUN');
        st.done = true;
        return;
      }
      if (type !== NLMSG_ERROR) continue; // an echo or reply before the ACK
      const i = bt.first + k;
      if (res.status[i] !== 'unknown') continue; // answered already
      const mstart = off - align4(len);
      if (len < NLMSG_HDRLEN + 4) throw new DecodeError('short NLMSG_ERROR', ['NLMSG_ERROR'], mstart, NLMSG_HDRLEN + 4, len);
      const err = -v.getInt32(mstart + NLMSG_HDRLEN, HOST_LE);
      if (err === 0) {
        res.status[i] = 'ok';
        if (flags & NLM_F_ACK_TLVS && this.warningHandler !== null) {
          const ms = this.batchMessageState(st, bt, i, k);
          this.warn(ms, this.ackExt(ms, buf, v, mstart, len, flags));
        }
      } else {
        // The error names this message: its type, sequence, subject and bytes (for the extended-ACK offset).
        const ms = this.batchMessageState(st, bt, i, k);
        res.status[i] = 'refused';
        res.errors[i] = this.makeError(ms, err, buf, v, mstart, len, flags);
        bt.refused++;
        if (res.firstRefused < 0 || i < res.firstRefused) (res as { firstRefused: number }).firstRefused = i;
      }
      if (++bt.answered === bt.count) {
        st.done = true;
        return;
      }
    }
  }

  /**
   * Read every queued datagram without blocking and hand each kernel message to
   * `onMessage` (for multicast listeners). Returns the number of messages, or -errno
   * for ENOBUFS (the listener fell behind; messages were lost — also when a request on
   * this socket read the overrun: it empties the queue so that its answer is not dropped). Messages from other
   * ports are ignored and counted. With `maxDatagrams`, stops after that many datagrams
   * even if more are queued (for a caller applying backpressure: the rest stays in the
   * kernel's buffer and the socket stays readable). Called from inside a message handler
   * of a request on this socket, it throws a plain Error (it would read that request's answer).
   */
  readAvailable(onMessage: (buf: Buffer, view: DataView, off: number, len: number) => void, maxDatagrams = Infinity): number {
    this.check();
    // From a message handler of this socket's exchange: the read would go into the buffer
    // being walked and take the exchange's own answers as notifications (a dump then failed
    // with a DecodeError, its parts handed to onMessage).
    if (this.draining) throw new Error('nlkit: readAvailable() from inside a message handler of a request on the same socket: call it after the request has settled');
    if (this.multicastOverrun) {
      this.multicastOverrun = false;
      return -ENOBUFS;
    }
    let count = 0;
    for (let d = 0; d < maxDatagrams; d++) {
      const n = sys.recvfrom(this.fd, this.rbuf, this.rbuf.length, MSG_DONTWAIT | MSG_TRUNC, RECV_ADDR, RECV_ALEN);
      if (n < 0) {
        if (-n === EAGAIN) return count;
        if (-n === ENOBUFS) return -ENOBUFS;
        throw new SysError('recvfrom', -n);
      }
      this.stats.datagrams++;
      if (RECV_U32[1]! !== 0) {
        this.stats.foreign++;
        continue;
      }
      if (n > this.rbuf.length) {
        this.stats.truncated++;
        this.growReceiveBuffer(n);
        return -ENOBUFS; // an event was lost: report like an overrun so the caller resyncs
      }
      let off = 0;
      while (off < n) {
        const len = checkMessage(this.rview, off, n, MULTICAST_PATH);
        onMessage(this.rbuf, this.rview, off, len);
        count++;
        // The handler closed the socket (a monitor's consumer, from inside its decode): its
        // receive buffer went back to the pool and the fd is gone; read nothing more.
        if (this.fd < 0) return count;
        off += align4(len);
      }
    }
    return count;
  }

  /**
   * Wait until the socket is readable, on a libuv poll handle (no threads). Returns
   * a handle to stop waiting; `cb` runs on every wake-up (spurious ones included).
   * Watchers share the socket's one poll handle; while a request on this socket waits
   * for its answer, that request reads the socket and the watchers are not woken (use a
   * separate socket for multicast listening and requests). `status` is libuv's: negative
   * after a socket error (for netlink, a pending ENOBUFS: read it); watching goes on.
   */
  watch(cb: (status: number) => void): { close(): void } {
    this.check();
    const fn = (status: number): void => cb(status);
    (this.watchers ??= new Set()).add(fn);
    this.updatePoll();
    let closed = false;
    return {
      close: () => {
        if (closed) return;
        closed = true;
        this.watchers?.delete(fn);
        this.updatePoll();
      },
    };
  }

  /** Close the socket (idempotent). Releases the pooled slabs. */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    const fail = this.pendingFail;
    this.watchers?.clear();
    this.updatePoll();
    this.writer.release();
    // Called from inside a message handler: drain() is still reading the slab.
    if (this.draining) this.releaseAfterDrain = true;
    else releaseSlab(this.rbuf);
    sys.close(fd);
    // A transaction waiting on poll would otherwise stay pending for ever.
    if (fail) fail(new ClosedError(this.owner));
  }

  /** Closes the socket. */
  [Symbol.dispose](): void {
    this.close();
  }
}

interface TxResult<T> {
  value: T | undefined;
  intr: boolean;
}

/** What {@link NetlinkSocket.dumpEach} keeps while it delivers. */
interface EachState<T> {
  readonly fn: (x: T) => unknown;
  /** Messages of this attempt seen so far (delivered or skipped). */
  index: number;
  /** Messages to skip: those delivered by an attempt lost to truncation. */
  skip: number;
  /** Parts given to fn. */
  count: number;
  /** fn returned false, threw or returned a promise: the rest is read, not decoded. */
  stopped: boolean;
  /** NLM_F_DUMP_INTR on a part read before the stop, in any attempt. */
  intr: boolean;
  failed: boolean;
  error: unknown;
}

/**
 * NLM_F_DUMP_INTR on a message of the exchange: the dump is inconsistent. A walk
 * (dumpEach) counts it only until its callback stops: a flag on the parts read after
 * that concerns nothing the callback was given.
 */
function markIntr<T>(st: TxState<T>): void {
  if (st.each === undefined) st.intr = true;
  else if (!st.each.stopped) st.each.intr = true;
}

/** One dump message to dumpEach's callback (decoded unless it stopped or the message was delivered before). */
function deliverEach<T>(e: EachState<T>, decode: MessageHandler<T>, buf: Buffer, v: DataView, off: number, len: number): void {
  if (e.stopped || e.index++ < e.skip) return;
  const x = decode(buf, v, off, len);
  if (x === undefined) return;
  e.count++;
  let r: unknown;
  try {
    r = e.fn(x);
  } catch (err) {
    e.stopped = true;
    e.failed = true;
    e.error = err;
    return;
  }
  if (r === false) e.stopped = true;
  else if (r !== null && (typeof r === 'object' || typeof r === 'function') && typeof (r as { then?: unknown }).then === 'function') {
    // Not awaited, and its rejection would go unhandled: observed here, and reported.
    (r as Promise<unknown>).then(undefined, () => undefined);
    e.stopped = true;
    e.failed = true;
    e.error = new InvalidArgumentError('fn', 'returned a promise: the callback runs inside the receive loop, which does not await it (requests made there wait until the dump has ended); collect what you need and await after the call, or use list()');
  }
}

interface TxState<T> {
  type: number;
  seq: number;
  mode: 'ack' | 'reply' | 'dump' | 'batch';
  /** The request's subject, or a function of `arg` that gives it (called for errors only). */
  subject: Subject;
  /** The request's argument (passed to its builder and to a subject function). */
  arg: unknown;
  onMessage: MessageHandler<T> | undefined;
  value: T | undefined;
  /** Dumps: where the decoded parts go. */
  out: T[] | undefined;
  /** dumpEach: the callback the decoded parts go to instead of `out`. */
  each: EachState<T> | undefined;
  intr: boolean;
  done: boolean;
  error: Error | undefined;
  truncated: boolean;
  /** The request's bytes are request[0, requestLength) (the writer's slab, or a copy). */
  request: Uint8Array;
  requestLength: number;
  /** stats.datagrams when the request was sent: whether anything was queued since (a dropped answer needs a full queue). */
  datagramsAtSend: number;
  /** requestBatch: the chunk being answered (mode 'batch'). */
  batch: BatchTx | undefined;
  /** The overrun (ENOBUFS) read during the exchange, if any: thrown if the answer does not come before the queue is empty. */
  overrun: NetlinkError | undefined;
}

/**
 * NLMSGERR_ATTR_POLICY's nested NL_POLICY_TYPE_ATTR_* attributes, as the kernel's
 * netlink_policy_dump_write_attr() writes them. Best effort, like the rest of the
 * extended ACK: an attribute too short for its value is skipped, not an error that
 * would hide the kernel's refusal.
 */
function parsePolicy(v: DataView, start: number, end: number): ExtAckPolicy | undefined {
  const p: { -readonly [K in keyof ExtAckPolicy]: ExtAckPolicy[K] } = {};
  let any = false;
  for (let off = start; end - off >= NLA_HDRLEN;) {
    const alen = v.getUint16(off, HOST_LE);
    if (alen < NLA_HDRLEN || off + alen > end) break;
    const t = v.getUint16(off + 2, HOST_LE) & 0x3fff;
    const vo = off + NLA_HDRLEN;
    const vl = alen - NLA_HDRLEN;
    if (vl >= 8 && (t === NL_POLICY_TYPE_ATTR_MIN_VALUE_U || t === NL_POLICY_TYPE_ATTR_MAX_VALUE_U || t === NL_POLICY_TYPE_ATTR_MASK)) {
      const x = v.getBigUint64(vo, HOST_LE);
      if (t === NL_POLICY_TYPE_ATTR_MASK) p.mask = x;
      else if (t === NL_POLICY_TYPE_ATTR_MIN_VALUE_U) p.min = x;
      else p.max = x;
      any = true;
    } else if (vl >= 8 && (t === NL_POLICY_TYPE_ATTR_MIN_VALUE_S || t === NL_POLICY_TYPE_ATTR_MAX_VALUE_S)) {
      const x = v.getBigInt64(vo, HOST_LE);
      if (t === NL_POLICY_TYPE_ATTR_MIN_VALUE_S) p.min = x;
      else p.max = x;
      any = true;
    } else if (vl >= 4) {
      const x = v.getUint32(vo, HOST_LE);
      if (t === NL_POLICY_TYPE_ATTR_TYPE) p.type = NL_ATTR_TYPE_NAMES[x] ?? `type ${x}`;
      else if (t === NL_POLICY_TYPE_ATTR_MIN_LENGTH) p.minLength = x;
      else if (t === NL_POLICY_TYPE_ATTR_MAX_LENGTH) p.maxLength = x;
      else if (t === NL_POLICY_TYPE_ATTR_BITFIELD32_MASK) p.mask = BigInt(x);
      any ||= t === NL_POLICY_TYPE_ATTR_TYPE || t === NL_POLICY_TYPE_ATTR_MIN_LENGTH || t === NL_POLICY_TYPE_ATTR_MAX_LENGTH || t === NL_POLICY_TYPE_ATTR_BITFIELD32_MASK;
    }
    off += align4(alen);
  }
  return any ? p : undefined;
}

/** An onWarning value: a function or null. @throws InvalidArgumentError naming `onWarning`. */
function checkWarningHandler(v: unknown): ((warning: NetlinkWarning) => void) | null {
  if (v !== null && typeof v !== 'function') throw new InvalidArgumentError('onWarning', `expected a function or null, got ${showValue(v)}`);
  return v as ((warning: NetlinkWarning) => void) | null;
}

const SOCKET_OPTION_KEYS: ReadonlySet<string> = new Set(['groups', 'receiveBufferSize', 'sendBufferSize', 'extAck', 'strictCheck', 'capAck', 'noEnobufs', 'describer', 'onWarning']);

/**
 * A multicast group number: the kernel reads it as an unsigned int, and setsockopt is
 * given an int32, so 1.5 joined group 1 and 2^32 + 1 joined group 1 without a word.
 */
function checkGroup(g: unknown, arg: string): void {
  if (!Number.isInteger(g) || (g as number) <= 0 || (g as number) > 0xffffffff) throw new InvalidArgumentError(arg, `a multicast group is an integer in 1..4294967295, got ${showValue(g)}`);
}

function checkBufSize(bytes: unknown, arg: string): void {
  if (!Number.isInteger(bytes) || (bytes as number) < 1024 || (bytes as number) > 0x7fffffff) throw new InvalidArgumentError(arg, `a socket buffer size is an integer in 1024..2147483647, got ${showValue(bytes)}`);
}

function setBuf(fd: number, force: number, plain: number, bytes: number, arg: string): void {
  checkBufSize(bytes, arg);
  if (sys.trySetsockoptInt(fd, SOL_SOCKET, force, bytes) < 0) sys.setsockoptInt(fd, SOL_SOCKET, plain, bytes, plain === SO_RCVBUF ? 'setsockopt(SO_RCVBUF)' : 'setsockopt(SO_SNDBUF)');
}

/**
 * True when `w` (a datagram of 36 bytes, as host-order words) is one NLMSG_ERROR message
 * with error 0 for sequence number `seq`: nlmsg_len 36 (the whole datagram), type
 * NLMSG_ERROR, our seq, error 0.
 */
function isSuccessAck(w: Uint32Array, seq: number): boolean {
  return w[0] === NLMSG_HDRLEN + 20 && (HOST_LE ? w[1]! & 0xffff : w[1]! >>> 16) === NLMSG_ERROR && w[2] === seq && w[4] === 0;
}

/** Re-exported for families that build requests by hand. */
export { NLM_F_ACK, NLM_F_REQUEST };
