// A LinkApi over a scripted socket, for the rollback and alias paths of rt.link.addMany
// that a real kernel will not fail on demand: requestBatch answers with the results given,
// in order, and records every batch (type, subject, and the bytes written).
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
  return { api: new LinkApi(core as never), batches };
}

/**
 * The requests `call` makes through a LinkApi over a recording socket (nothing is sent;
 * each request answers undefined): their bytes, in order. Links resolve to ifindex 7,
 * with a 6-byte hardware address.
 */
export async function recordedLinkRequests(call: (api: LinkApi) => Promise<unknown>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const w = new MessageWriter();
  const core = {
    sock: {
      async request(type: number, flags: number, build: (w: MessageWriter) => void) {
        w.reset().begin(type, flags | 0x05, 1, 0);
        build(w);
        out.push(Buffer.from(w.finish()));
        return undefined;
      },
      async requestWith(type: number, flags: number, build: (w: MessageWriter, arg: unknown) => void, arg: unknown) {
        return this.request(type, flags, (wr) => build(wr, arg));
      },
    },
    linkIndex: async (ref: string | number) => (typeof ref === 'number' ? ref : 7),
    linkHwAddrLen: async () => ({ index: 7, addrLen: 6 }),
  };
  try {
    await call(new LinkApi(core as never));
  } finally {
    w.release();
  }
  return out;
}
