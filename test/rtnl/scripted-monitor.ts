/**
 * A Monitor over a scripted socket, for byte-level monitor tests: `feed(msgs)` queues
 * kernel messages and wakes the monitor, which reads them as it reads a socket (each
 * copied into a reused 4 KiB buffer, as the socket's receive buffer is); `take(m, n)`
 * takes `n` events that were read already.
 */
import { Monitor, type MonitorChange, type MonitorKind } from '../../src/rtnl/monitor.js';

export interface ScriptedMonitor {
  readonly m: Monitor;
  feed(msgs: Buffer[]): void;
  /** Resolves once the monitor watches its socket (at once, but for lazily loaded kinds: 'tc', 'mdb'). */
  watching(): Promise<void>;
}

/** A monitor over a scripted socket, watching `kinds` (undefined: what the constructor assumes untold). */
export function scriptedMonitor(t: { teardown(fn: () => void): void }, kinds: readonly MonitorKind[] | undefined): ScriptedMonitor {
  const pending: Buffer[] = [];
  let wake: ((status: number) => void) | undefined;
  const sock = {
    stats: { datagrams: 0 },
    portId: 4242,
    watch(cb: (status: number) => void) {
      wake = cb;
      return { close: () => void (wake = undefined) };
    },
    readAvailable(onMessage: (buf: Buffer, view: DataView, off: number, len: number) => void, max = Infinity): number {
      let n = 0;
      while (n < max && pending.length > 0) {
        const msg = pending.shift()!;
        const rbuf = Buffer.alloc(4096, 0xee);
        msg.copy(rbuf);
        this.stats.datagrams++;
        onMessage(rbuf, new DataView(rbuf.buffer, rbuf.byteOffset, rbuf.length), 0, msg.length);
        n++;
      }
      return n;
    },
    close() {},
  };
  // The constructor is private (users open monitors with rt.monitor()); the test builds one over its scripted socket.
  const Ctor = Monitor as unknown as new (...args: unknown[]) => Monitor;
  const m = kinds === undefined ? new Ctor(sock, {}) : new Ctor(sock, {}, undefined, undefined, new Set(kinds));
  t.teardown(() => m.close());
  return {
    m,
    feed(msgs) {
      pending.push(...msgs);
      wake!(0);
    },
    async watching() {
      for (let i = 0; wake === undefined && i < 500; i++) await new Promise((r) => setTimeout(r, 2));
    },
  };
}

/** Take `n` events, all read already: rejects when one is missing (rather than waiting for it). */
export async function take(m: Monitor, n: number): Promise<MonitorChange[]> {
  const out: MonitorChange[] = [];
  for (let i = 0; i < n; i++) {
    let timer: NodeJS.Timeout | undefined;
    const none = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`event ${i} of ${n} missing; got ${JSON.stringify(out)}`)), 1000);
    });
    const r = await Promise.race([m.next(), none]).finally(() => clearTimeout(timer));
    if (r.done || r.value.type === 'overrun') throw new Error(`no event ${i}: ${JSON.stringify(r)}`);
    out.push(r.value);
  }
  return out;
}
