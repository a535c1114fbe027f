// Watch link, address and route events, like `ip monitor link address route`, one
// JSON line per event. Stops after --count events or --seconds (default: Ctrl-C).
// Usage: node dist/examples/watch.js [--netns PATH] [--count N] [--seconds S]
import { Rtnl, Netns } from '../src/index.js';

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const nsPath = opt('netns');
const count = Number(opt('count') ?? Infinity);
const seconds = Number(opt('seconds') ?? Infinity);

const ac = new AbortController();
process.once('SIGINT', () => ac.abort());
if (Number.isFinite(seconds)) setTimeout(() => ac.abort(), seconds * 1000).unref();

const ns = nsPath ? Netns.fromPath(nsPath) : undefined;
const rt = Rtnl.open(ns ? { netns: ns } : {});
let n = 0;
try {
  // The monitor's socket joins its groups when rt.monitor() returns, so events from
  // then on are queued by the kernel: say "ready" only after that, never before.
  const events = rt.monitor(['link', 'addr', 'route'], { signal: ac.signal });
  console.error('watching (ready)');
  for await (const ev of events) {
    if (ev.type === 'overrun') {
      console.log(JSON.stringify({ type: 'overrun' }));
    } else {
      const o = ev.object as unknown as Record<string, unknown>;
      const what = ev.kind === 'link' ? o['name'] : ev.kind === 'addr' ? `${o['address']}/${o['prefixLen']}` : o['dst'];
      console.log(JSON.stringify({ type: ev.type, kind: ev.kind, what }));
    }
    if (++n >= count) break;
  }
} catch (e) {
  if (!ac.signal.aborted) throw e;
} finally {
  rt.close();
  ns?.close();
}
