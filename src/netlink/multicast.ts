/**
 * A netlink socket's multicast notifications as an async iterator, for any family: the
 * monitor's own socket (joined to the groups before it is handed over) is read on a libuv
 * poll handle (no threads), each message decoded by the caller's function, with
 * backpressure (a bounded queue; the kernel keeps the rest in the socket's buffer) and
 * one overrun event where the kernel dropped some. Generic netlink's and conntrack's
 * monitors are this.
 * @module
 */
import { InvalidArgumentError, showValue } from './errors.js';
import type { NetlinkSocket } from './socket.js';

/**
 * The kernel dropped notifications (the socket's receive buffer was full): what was
 * missed is gone; read the state again. What the kernel still held when the overrun was
 * read predates it and is discarded with the lost ones, so every event after this one is
 * a change the consumer has not missed (consecutive overruns come as one).
 */
export interface MulticastOverrun {
  /** Always 'overrun'. */
  readonly type: 'overrun';
}

/** Options of a {@link MulticastMonitor}. */
export interface MulticastMonitorOptions {
  /**
   * Ends the monitor: the waiting `next()` calls (or, with none waiting, the next one)
   * reject with the signal's reason, once; every later `next()` is done. Defaults to none.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Events held for the consumer before the monitor stops reading (the kernel then keeps
   * the rest in the socket's buffer, and drops what does not fit: an overrun). Reading
   * starts again once the consumer has taken half. It also bounds what one poll wake-up
   * reads (`maxQueued` + 1 datagrams, the reads that resume a paused monitor included), so
   * that a burst lets the event loop turn every so many events. Defaults to 1024.
   */
  readonly maxQueued?: number | undefined;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });
const OVERRUN: MulticastOverrun = Object.freeze({ type: 'overrun' });
const ENOBUFS = 105;
/** Datagrams discarded per read while emptying the kernel's queue after an overrun. */
const FLUSH_BATCH = 4096;
const discard = (): void => undefined;

/**
 * Notifications of a netlink socket's multicast groups, decoded, as an async iterator.
 * Iterate with `for await`; `break`, `close()`, `using` or the `signal` stop it and close
 * its socket. The socket (already joined to its groups) is the monitor's own.
 */
export class MulticastMonitor<E> implements AsyncIterableIterator<E | MulticastOverrun, undefined, undefined> {
  /** The queue bound (see {@link MulticastMonitorOptions.maxQueued}). */
  readonly maxQueued: number;
  private sock: NetlinkSocket | null;
  private watcher: { close(): void } | null = null;
  private queue: (E | MulticastOverrun)[] = [];
  private head = 0;
  private readonly waiters: { resolve(r: IteratorResult<E | MulticastOverrun, undefined>): void; reject(e: unknown): void }[] = [];
  private failure: { error: unknown } | null = null;
  /** After ENOBUFS: emptying the kernel's queue before the overrun is queued. */
  private flushing = false;
  /**
   * Datagrams the current poll wake-up may still read (`maxQueued` + 1, reset by each
   * wake-up), spent by the reads of `next()` resuming a paused monitor too: a consumer
   * that takes events without awaiting anything else still lets the event loop turn
   * every so many events, however much the kernel holds.
   */
  private budget: number;
  private readonly onWake = (): void => {
    this.budget = this.maxQueued + 1;
    this.read();
  };
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort: (() => void) | undefined;
  private readonly onMessage = (buf: Buffer, view: DataView, off: number, len: number): void => {
    const ev = this.decode(buf, view, off, len);
    // A decode that closed the monitor: what it made is dropped with the rest.
    if (ev !== undefined && this.sock !== null) this.queue.push(ev);
  };

  /**
   * A monitor of `sock`, a socket already joined to its groups, which it owns from now on
   * (closed with it). `decode` makes an event of each message, or undefined to skip one;
   * one that throws ends the monitor, its error coming after the events decoded before it.
   * @throws InvalidArgumentError for a bad `maxQueued` or `signal`; `signal.reason` for an
   *   aborted signal. On a throw the socket is not taken: it is still the caller's to close.
   */
  static open<E>(sock: NetlinkSocket, decode: (buf: Buffer, view: DataView, off: number, len: number) => E | undefined, options: MulticastMonitorOptions = {}, onClose?: () => void): MulticastMonitor<E> {
    return new MulticastMonitor(sock, decode, options, onClose);
  }

  protected constructor(sock: NetlinkSocket, private readonly decode: (buf: Buffer, view: DataView, off: number, len: number) => E | undefined, options: MulticastMonitorOptions, private readonly onClose?: () => void) {
    const mq = options.maxQueued;
    if (mq !== undefined && (typeof mq !== 'number' || !Number.isInteger(mq) || mq < 1 || mq > 1 << 20)) throw new InvalidArgumentError('maxQueued', `expected an integer 1..${1 << 20}, got ${showValue(mq)}`);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new InvalidArgumentError('signal', `expected an AbortSignal, got ${showValue(options.signal)}`);
    // An 'abort' listener added now would never run: the monitor would wait for ever.
    options.signal?.throwIfAborted();
    this.sock = sock;
    this.maxQueued = options.maxQueued ?? 1024;
    this.budget = this.maxQueued + 1;
    this.signal = options.signal;
    this.watcher = sock.watch(this.onWake);
    if (this.signal) {
      this.onAbort = () => {
        this.queue = [];
        this.head = 0;
        this.stop({ error: this.signal!.reason });
      };
      this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** True once closed. */
  get closed(): boolean {
    return this.sock === null;
  }

  /** Events waiting for the consumer. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** The next event; waits for the kernel when none is queued. */
  next(): Promise<IteratorResult<E | MulticastOverrun, undefined>> {
    if (this.head < this.queue.length) {
      const ev = this.queue[this.head++]!;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      // Paused at the bound: read again once half is taken.
      if (this.watcher === null && this.sock !== null && this.queued <= this.maxQueued >>> 1) {
        this.watcher = this.sock.watch(this.onWake);
        this.read();
      }
      return Promise.resolve({ done: false, value: ev });
    }
    if (this.failure) {
      // Delivered once, as Rtnl's monitor does: then done.
      const { error } = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.sock === null) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Stop (what `break` in `for await` calls): closes the monitor. */
  return(): Promise<IteratorResult<E | MulticastOverrun, undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  /** The monitor is its own iterator. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stop the poll handle and close the socket (idempotent); queued events are dropped, a waiting `next()` ends. */
  close(): void {
    this.queue = [];
    this.head = 0;
    this.failure = null; // also after an error or abort ended it: done from here on
    this.stop(null);
  }

  /** Closes the monitor. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes the monitor. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /**
   * Read what the kernel queued (up to the bound and the wake-up's budget), then hand
   * events to waiting consumers.
   * After ENOBUFS the kernel's queue is emptied first (discarded) and only then is the
   * overrun queued: once a socket has overflowed, the kernel drops every later
   * notification for it, without another error, until its queue has been emptied — left
   * there, those older messages would be yielded after the overrun and a change made
   * after the consumer's resync would be lost without a word.
   */
  private read(): void {
    const sock = this.sock;
    if (sock === null) return;
    try {
      while ((!this.flushing || this.flush(sock)) && this.queued < this.maxQueued && this.budget > 0) {
        const before = sock.stats.datagrams;
        const n = sock.readAvailable(this.onMessage, 1);
        this.budget -= sock.stats.datagrams - before;
        if (n === -ENOBUFS) this.flushing = true;
        else if (n === 0) break;
      }
    } catch (e) {
      this.stop({ error: e });
      return;
    }
    if (this.queued >= this.maxQueued && this.watcher !== null) {
      // Backpressure: the kernel keeps what comes next in the socket's buffer.
      this.watcher.close();
      this.watcher = null;
    }
    while (this.waiters.length > 0 && this.head < this.queue.length) {
      const w = this.waiters.shift()!;
      void this.next().then(w.resolve, w.reject);
    }
  }

  /**
   * Discard what the kernel still holds (it predates the overrun), up to FLUSH_BATCH
   * datagrams a call; once it is empty, queue one overrun (one for consecutive ones).
   * False while there is more to discard: the (level-triggered) poll handle wakes again.
   */
  private flush(sock: NetlinkSocket): boolean {
    const before = sock.stats.datagrams;
    // Another ENOBUFS (the kernel overflowed again while this emptied it): go on emptying.
    while (sock.readAvailable(discard, FLUSH_BATCH) === -ENOBUFS) if (sock.stats.datagrams - before >= FLUSH_BATCH) return false;
    if (sock.stats.datagrams - before >= FLUSH_BATCH) return false;
    this.flushing = false;
    if (this.queued === 0 || this.queue[this.queue.length - 1] !== OVERRUN) this.queue.push(OVERRUN);
    return true;
  }

  /** Close the socket; settle the waiting consumers (with `failure`'s error, else done). */
  private stop(failure: { error: unknown } | null): void {
    const sock = this.sock;
    if (sock === null) return;
    this.sock = null;
    this.failure = failure;
    this.onClose?.();
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
    this.watcher?.close();
    this.watcher = null;
    sock.close();
    const waiters = this.waiters.splice(0);
    // A read that failed part-way queued events before its error: those go first, in order.
    let i = 0;
    for (; i < waiters.length && this.head < this.queue.length; i++) void this.next().then(waiters[i]!.resolve, waiters[i]!.reject);
    // The error goes to the consumers waiting still, or else to the next next() once the
    // queue is empty; once given, done.
    if (failure && i < waiters.length) this.failure = null;
    for (const w of waiters.slice(i)) {
      if (failure) w.reject(failure.error);
      else w.resolve(DONE);
    }
  }
}

/**
 * Check a monitor's options before anything is sent or opened: `receiveBufferSize`
 * (1024..2^31-1), `maxQueued` (1..2^20), `signal` (an AbortSignal, not already aborted:
 * its reason is thrown). The option keys themselves are the caller's to check.
 */
export function checkMonitorOptions(options: MulticastMonitorOptions & { readonly receiveBufferSize?: number | undefined }): void {
  const rb = options.receiveBufferSize;
  if (rb !== undefined && (typeof rb !== 'number' || !Number.isInteger(rb) || rb < 1024 || rb > 0x7fffffff)) throw new InvalidArgumentError('receiveBufferSize', `expected a socket buffer size (an integer 1024..2147483647), got ${showValue(rb)}`);
  const mq = options.maxQueued;
  if (mq !== undefined && (typeof mq !== 'number' || !Number.isInteger(mq) || mq < 1 || mq > 1 << 20)) throw new InvalidArgumentError('maxQueued', `expected an integer 1..${1 << 20}, got ${showValue(mq)}`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new InvalidArgumentError('signal', `expected an AbortSignal, got ${showValue(options.signal)}`);
  options.signal?.throwIfAborted();
}

/**
 * A handle's monitor on `sock`, made by `make` and kept in `monitors` until it closes
 * (the handle closes what is left there when it closes). If `make` throws, `sock` is
 * closed: nothing is left open.
 */
export function trackMonitor<M>(monitors: Set<M>, sock: NetlinkSocket, make: (onClose: () => void) => M): M {
  let mon: M;
  try {
    mon = make(() => monitors.delete(mon));
  } catch (e) {
    sock.close();
    throw e;
  }
  monitors.add(mon);
  return mon;
}
