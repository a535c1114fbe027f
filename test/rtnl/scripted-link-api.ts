// A LinkApi over a scripted socket, for the rollback and alias paths of rt.link.addMany
// that a real kernel will not fail on demand: requestBatch answers with the results given,
// in order, and records every batch (type, subject, and the bytes written). And object
// APIs over a recording socket, for the bytes a call would send.
import { MessageWriter } from '../../src/index.js';
import { LinkApi } from '../../src/rtnl/link/api.js';

/** One scripted requestBatch answer, made from the number of messages in the batch. */
export type ScriptedAnswer = (msgs: number) => { status: string[]; errors?: unknown[]; firstRefused?: number; failure?: Error };

/** A LinkApi whose socket answers batches from `results` (in order); `batches` records what was sent. */
export function scriptedLinkApi(results: ScriptedAnswer[]): { api: LinkApi; batches: Array<Array<{ type: number; subject: string | undefined; bytes: Buffer }>> } {
  const batches: Array<Array<{ type: number; subject: string | undefined; bytes: Buffer }>> = [];
  const core = {
    sock: {
      async requestBatch(msgs: Array<{ type: number; flags: number; subject?: string; build(w: MessageWriter): void }>) {
        const w = new MessageWriter();
        batches.push(msgs.map((m) => {
          w.reset().begin(m.type, m.flags, 1, 0);
          m.build(w);
          return { type: m.type, subject: m.subject, bytes: Buffer.from(w.finish()) };
        }));
        w.release();
        const r = results.shift()!(msgs.length);
        return { errors: r.status.map(() => undefined), firstRefused: -1, failure: undefined, ...r };
      },
    },
    linkIndex: async () => 7,
  };
  return { api: LinkApi.of(core as never), batches };
}

/**
 * The requests `call` makes through a LinkApi over a recording socket (nothing is sent;
 * each request answers undefined): their bytes, in order. Links resolve to ifindex 7,
 * with a 6-byte hardware address.
 */
export async function recordedLinkRequests(call: (api: LinkApi) => Promise<unknown>): Promise<Buffer[]> {
  const { bytes, error } = await recordedRequests((core) => LinkApi.of(core), call);
  if (error !== undefined) throw error;
  return bytes;
}

/**
 * The requests `call` makes through an object API (`make(core)`: a LinkApi, AddrApi,
 * RouteApi, NeighApi or RuleApi) over a recording socket, and how the call ended.
 * Nothing is sent: a request or batch answers as if ACKed (a GET with no reply: undefined),
 * a dump with nothing. Links resolve to ifindex 7 (an ifindex to itself), with a 6-byte
 * hardware address.
 */
export async function recordedRequests<A>(make: (core: never) => A, call: (api: A) => Promise<unknown>): Promise<{ bytes: Buffer[]; value?: unknown; error?: unknown }> {
  const bytes: Buffer[] = [];
  const w = new MessageWriter();
  const record = (type: number, flags: number, build: (w: MessageWriter) => void): void => {
    w.reset().begin(type, flags | 0x05, 1, 0);
    build(w);
    bytes.push(Buffer.from(w.finish()));
  };
  const core = {
    sock: {
      async request(type: number, flags: number, build: (w: MessageWriter) => void) {
        record(type, flags, build);
        return undefined;
      },
      async requestWith(type: number, flags: number, build: (w: MessageWriter, arg: unknown) => void, arg: unknown) {
        record(type, flags, (wr) => build(wr, arg));
        return undefined;
      },
      async dump(type: number, flags: number, build: (w: MessageWriter) => void) {
        record(type, flags | 0x300, build);
        return [];
      },
      async requestBatch(msgs: ReadonlyArray<{ type: number; flags: number; build(w: MessageWriter): void }>) {
        for (const m of msgs) record(m.type, m.flags, m.build);
        return { status: msgs.map(() => 'ok'), errors: msgs.map(() => undefined), firstRefused: -1, failure: undefined };
      },
    },
    linkIndex: async (ref: string | number) => (typeof ref === 'number' ? ref : 7),
    linkHwAddrLen: async (ref: string | number) => ({ index: typeof ref === 'number' ? ref : 7, addrLen: 6 }),
  };
  try {
    return { bytes, value: await call(make(core as never)) };
  } catch (error) {
    return { bytes, error };
  } finally {
    w.release();
  }
}
