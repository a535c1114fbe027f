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
