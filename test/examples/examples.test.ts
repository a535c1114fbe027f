// The examples/ scripts are executed here so they cannot rot.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { privileged, rawNetns, ip, ipJson } from '../helpers.js';

const ex = (name: string) => fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));

function run(file: string, args: string[] = []) {
  return spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', timeout: 60_000 });
}

t.test('examples/list-links prints what `ip -j link show` prints', privileged, async (t) => {
  const ns = rawNetns();
  t.teardown(() => ns.close());
  ip(ns.path, ['link', 'add', 'x0', 'type', 'veth', 'peer', 'name', 'x1']);
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge']);
  ip(ns.path, ['link', 'set', 'x1', 'master', 'br0', 'up']);
  const r = run(ex('list-links'), ['--netns', ns.path]);
  t.equal(r.status, 0, r.stderr);
  const ours = JSON.parse(r.stdout);
  const theirs = ipJson<any[]>(ns.path, ['link', 'show']);
  const pick = (l: any) => ({ ifindex: l.ifindex, ifname: l.ifname, link: l.link, flags: l.flags.filter((f: string) => f !== 'M-DOWN'), mtu: l.mtu, qdisc: l.qdisc, master: l.master, operstate: l.operstate, linkmode: l.linkmode, group: l.group, txqlen: l.txqlen, link_type: l.link_type, address: l.address, broadcast: l.broadcast });
  t.same(ours.map(pick), theirs.map(pick));
});

t.test('examples/bridge creates a bridge with three ports and removes it', privileged, async (t) => {
  const r = run(ex('bridge'));
  t.equal(r.status, 0, r.stderr);
  const [shown, after] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.equal(shown.bridge, 'br0');
  t.same(shown.ports.map((p: any) => p.name), ['port0', 'port1', 'port2']);
  t.same(shown.ports.map((p: any) => p.cost), [10, 11, 12], 'port options applied');
  t.notOk(after.remaining.includes('br0'), 'bridge deleted');
});

t.test('examples/watch reports link, address and route events made by ip, in order, then exits', privileged, async (t) => {
  const ns = rawNetns();
  t.teardown(() => ns.close());
  const child = spawn(process.execPath, [ex('watch'), '--netns', ns.path, '--count', '4', '--seconds', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise<void>((resolve) => child.stderr.on('data', (d) => String(d).includes('ready') && resolve()));
  ip(ns.path, ['link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1']);
  ip(ns.path, ['addr', 'add', '10.7.0.1/24', 'dev', 'w0']);
  const code = await new Promise((resolve) => child.on('close', resolve));
  t.equal(code, 0, 'exits by itself after --count events');
  const evs = out.trim().split('\n').map((l) => JSON.parse(l));
  t.same(evs.slice(0, 2).map((e: any) => [e.type, e.kind]), [['new', 'link'], ['new', 'link']], 'both veth ends appear');
  t.ok(evs.some((e: any) => e.kind === 'addr' && e.what === '10.7.0.1/24' && e.type === 'new'), 'the address appears');
});
