// A first-time user's program, written from the README and the .d.ts only: a monitor
// that watches links and addresses (`ip monitor link address`) while another part of the
// program makes and deletes them, printing each event, then closes cleanly — by abort,
// and by break — leaving no fd open. The events are checked against the kernel's state
// (`ip -j`) at the time they were made.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { Netns, Rtnl, type MonitorEvent } from '../../src/index.js';
import { ipJson, privileged } from '../helpers.js';

/** One line per event, as a user would print it. */
function line(ev: MonitorEvent): string {
  if (ev.type === 'overrun') return 'overrun (resync with a dump)';
  switch (ev.kind) {
    case 'link': return `${ev.type} link ${ev.object.name} ${ev.object.up ? 'up' : 'down'}`;
    case 'addr': return `${ev.type} addr ${ev.object.address}/${ev.object.prefixLen} on ${ev.object.index}`;
    default: return `${ev.type} ${ev.kind}`;
  }
}

const fds = () => readdirSync('/proc/self/fd').length;

t.test('watch links and addresses while making and deleting them; abort and break end it', privileged, async (t) => {
  const ns = Netns.new();
  const rt = Rtnl.open({ netns: ns });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  const fdsBefore = fds();

  const ac = new AbortController();
  const printed: string[] = [];
  const seen: MonitorEvent[] = [];
  // The watcher: runs until aborted.
  const watcher = (async () => {
    try {
      for await (const ev of rt.monitor(['link', 'ipv4-addr'], { signal: ac.signal })) {
        seen.push(ev);
        printed.push(line(ev));
        // Stop once both ends of the pair were reported deleted.
        if (['del link w0', 'del link w1'].every((d) => printed.some((l) => l.startsWith(d)))) ac.abort();
      }
      return 'ended';
    } catch (e) {
      if (!ac.signal.aborted) throw e;
      return (e as Error).name;
    }
  })();

  // The worker: makes a veth pair, brings it up, adds and removes an address, deletes it.
  await rt.link.add({ kind: 'veth', name: 'w0', peer: { name: 'w1' } });
  const w0 = await rt.link.get('w0');
  t.same(ipJson<any[]>(ns.path, ['link', 'show', 'dev', 'w0']).map((l) => l.ifindex), [w0.index], 'ip sees w0');
  await rt.link.set('w0', { up: true });
  await rt.addr.add('w0', '10.5.0.1/24');
  t.same(ipJson<any[]>(ns.path, ['-4', 'addr', 'show', 'dev', 'w0'])[0].addr_info.map((a: any) => a.local), ['10.5.0.1']);
  await rt.addr.del('w0', '10.5.0.1/24');
  await rt.link.del('w0');
  t.same(ipJson<any[]>(ns.path, ['link', 'show']).map((l) => l.ifname), ['lo'], 'ip: the pair is gone');

  t.equal(await watcher, 'AbortError', 'aborting ended the loop with the signal reason');
  t.comment(printed.join('\n'));
  const want = ['new link w0 down', 'new link w0 up', `new addr 10.5.0.1/24 on ${w0.index}`, `del addr 10.5.0.1/24 on ${w0.index}`, 'del link w0'];
  let i = 0;
  for (const l of printed) if (i < want.length && l.startsWith(want[i]!)) i++;
  t.equal(i, want.length, `the events came in order: ${want.join(', ')}`);
  t.ok(printed.some((l) => l.startsWith('new link w1')) && printed.some((l) => l.startsWith('del link w1')), 'the peer too');
  t.notOk(seen.some((e) => e.type === 'overrun'), 'no overrun');

  // A second monitor ended by break: the for-await's return closes it.
  const m = rt.monitor(['link']);
  const got = (async () => {
    for await (const ev of m) if (ev.type === 'new' && ev.kind === 'link' && ev.object.name === 'w2') break;
    return m.closed;
  })();
  await rt.link.add({ kind: 'veth', name: 'w2', peer: { name: 'w3' } });
  t.equal(await got, true, 'break closed the monitor');
  await rt.link.del('w2');
  t.equal(fds(), fdsBefore, 'no fd left open by either monitor');
});
