// rt.link.addMany: many links per sendmsg, all or none, checked against `ip -j [-d] link`
// in both namespaces involved.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rtnl, Netns, NetlinkError, InvalidArgumentError, ClosedError, type LinkSpec } from '../../src/index.js';
import { scriptedLinkApi } from './scripted-link-api.js';
import * as C from '../../src/rtnl/constants.js';
import { ip, ipJson, privileged, rawNetns } from '../helpers.js';

type IpLink = Record<string, any>;

/** Two fresh netns, `a` (with a handle) and `b`, closed at teardown (their links go with them). */
function fixture(t: { teardown(fn: () => void): void }, opts: { receiveBufferSize?: number } = {}) {
  const a = rawNetns();
  const b = rawNetns();
  const rt = Rtnl.open({ netns: a.fd, ...opts });
  t.teardown(() => {
    rt.close();
    a.close();
    b.close();
  });
  return { a, b, rt };
}

/** Names of every link `ip -j link show` lists in a netns, sorted. */
function names(nsPath: string): string[] {
  return ipJson<IpLink[]>(nsPath, ['link', 'show']).map((l) => l.ifname as string).sort();
}

/** `ip -j -d link show` of a netns by name. */
function details(nsPath: string): Map<string, IpLink> {
  return new Map(ipJson<IpLink[]>(nsPath, ['-d', 'link', 'show']).map((l) => [l.ifname as string, l]));
}

const rejection = (p: Promise<unknown>): Promise<any> => p.then(() => undefined, (e: unknown) => e);

t.test('300 veth pairs in one call, peers born in a second netns, host ends up: all there on both sides, as asked', privileged, async (t) => {
  const { a, b, rt } = fixture(t);
  const specs: LinkSpec[] = Array.from({ length: 300 }, (_, i) => ({ kind: 'veth', name: `h${i}`, mtu: 1400, up: true, peer: { name: `c${i}`, netns: b.fd, mtu: 1400 } }));
  const before = rt.sock.stats.requests;
  await rt.link.addMany(specs);
  t.equal(rt.sock.stats.requests - before, 300, 'one RTM_NEWLINK per pair, nothing else');
  t.equal(rt.sock.stats.waits, 0, 'every ACK was queued when sendmsg returned');
  const host = details(a.path);
  const ctr = details(b.path);
  const want = (p: string) => Array.from({ length: 300 }, (_, i) => `${p}${i}`).sort();
  t.same([...host.keys()].filter((n) => n !== 'lo').sort(), want('h'), 'ip lists h0..h299 in the handle\'s netns');
  t.same([...ctr.keys()].filter((n) => n !== 'lo').sort(), want('c'), 'ip lists c0..c299 in the second netns');
  const bad: string[] = [];
  for (let i = 0; i < 300; i++) {
    const h = host.get(`h${i}`)!;
    const c = ctr.get(`c${i}`)!;
    if (!h.flags.includes('UP') || h.mtu !== 1400 || h.linkinfo?.info_kind !== 'veth') bad.push(`h${i}: ${JSON.stringify(h.flags)} mtu ${h.mtu}`);
    if (c.flags.includes('UP') || c.mtu !== 1400 || c.linkinfo?.info_kind !== 'veth') bad.push(`c${i}: ${JSON.stringify(c.flags)} mtu ${c.mtu}`);
    // Each end points at its own peer (ip prints the peer's ifindex when it is in another netns).
    if (h.link_index !== c.ifindex || c.link_index !== h.ifindex) bad.push(`h${i}/c${i} are not each other's peer`);
  }
  t.same(bad, [], 'host ends up, peers down, MTU 1400 on both, each pair linked');
  const decoded = await rt.link.list({ kind: 'veth' });
  t.equal(decoded.length, 300, 'rt.link.list agrees');
  await rt.link.addMany([]); // nothing to do, nothing sent
  t.equal(rt.sock.stats.requests - before, 301, 'the empty call sent nothing (only the list above)');
});

t.test('the 300 creates go out in several sendmsg calls, each of many messages (NODE_DEBUG=nlkit)', privileged, async (t) => {
  // The socket logs one 'send batch of N' line per sendmsg of a batch.
  const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const script = `
    const { Rtnl, Netns } = await import(${JSON.stringify(index)});
    const other = Netns.new();
    const rt = Rtnl.open();
    await rt.link.addMany(Array.from({ length: 300 }, (_, i) => ({ kind: 'veth', name: 'h' + i, up: true, peer: { name: 'c' + i, netns: other } })));
    console.log(JSON.stringify({ here: (await rt.link.list({ kind: 'veth' })).length, requests: rt.sock.stats.requests }));
    rt.close(); other.close();`;
  const r = spawnSync('unshare', ['-n', process.execPath, '--input-type=module', '-e', script], { env: { ...process.env, NODE_DEBUG: 'nlkit' }, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr.slice(-2000));
  const sends = [...r.stderr.matchAll(/send batch of (\d+) /g)].map((m) => Number(m[1]));
  t.ok(sends.length >= 2, `more than one sendmsg: ${sends.join(' + ')}`);
  t.ok(sends.every((k) => k > 1), 'each sendmsg carried many messages');
  t.equal(sends.reduce((x, y) => x + y, 0), 300, 'the batches add up to the 300 links');
  t.same(JSON.parse(r.stdout.trim().split('\n').pop()!), { here: 300, requests: 301 }, 'all 300 made (and one dump)');
});

t.test('a mix of kinds in one call (veth, bridge, macvlan on an earlier parent, ifb, a port of an earlier bridge), as ip -j -d shows it', privileged, async (t) => {
  const { a, b, rt } = fixture(t);
  ip(a.path, ['link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
  ip(a.path, ['link', 'add', 'brx', 'type', 'bridge']);
  await rt.link.addMany([
    { kind: 'veth', name: 'v0', mtu: 1450, address: '02:00:00:00:00:10', up: true, group: 7, peer: { name: 'v1', address: '02:00:00:00:00:11', netns: b.fd } },
    { kind: 'bridge', name: 'br0', mtu: 1400, data: { stpState: 1, priority: 4096 } },
    { kind: 'macvlan', name: 'mv0', link: 'p0', data: { mode: 'bridge' } },
    { kind: 'ifb', name: 'ifb9', txqlen: 77, group: 5 },
    { kind: 'veth', name: 'port0', master: 'brx', peer: { name: 'port1' } },
    // The same name as v0's peer, but in the handle's netns: not a repeat.
    { kind: 'macvtap', name: 'v1', link: 'p0', data: { mode: 'vepa' } },
  ]);
  const l = details(a.path);
  const v0 = l.get('v0')!;
  t.equal(v0.linkinfo.info_kind, 'veth');
  t.equal(v0.mtu, 1450);
  t.equal(v0.address, '02:00:00:00:00:10');
  t.ok(v0.flags.includes('UP'), 'v0 up');
  t.equal(String(v0.group), '7');
  const v1 = details(b.path).get('v1')!;
  t.equal(v1.address, '02:00:00:00:00:11', 'the peer was born in the second netns with its MAC');
  t.equal(v1.link_index, v0.ifindex, 'and is v0\'s peer');
  const br0 = l.get('br0')!;
  t.equal(br0.linkinfo.info_kind, 'bridge');
  t.equal(br0.mtu, 1400);
  t.equal(br0.linkinfo.info_data.stp_state, 1);
  t.equal(br0.linkinfo.info_data.priority, 4096);
  const mv0 = l.get('mv0')!;
  t.equal(mv0.linkinfo.info_kind, 'macvlan');
  t.equal(mv0.linkinfo.info_data.mode, 'bridge');
  t.equal(mv0.link, 'p0', 'on its parent');
  const ifb9 = l.get('ifb9')!;
  t.equal(ifb9.linkinfo.info_kind, 'ifb');
  t.equal(ifb9.txqlen, 77);
  t.equal(String(ifb9.group), '5');
  t.equal(l.get('port0')!.master, 'brx', 'enslaved at creation');
  t.equal(l.get('port1')!.master, undefined, 'its peer is not');
  t.equal(l.get('v1')!.linkinfo.info_kind, 'macvtap');
  t.equal(l.get('v1')!.linkinfo.info_data.mode, 'vepa');
  // nlkit's own view agrees with ip's for every link made here.
  for (const link of await rt.link.list()) {
    const theirs = l.get(link.name)!;
    t.equal(link.kind, theirs.linkinfo?.info_kind, `${link.name}: kind`);
    t.equal(link.mtu, theirs.mtu, `${link.name}: mtu`);
    t.equal(link.address, theirs.address, `${link.name}: address`);
  }
});

t.test('a name taken in the middle: EEXIST naming it and specs[i], and both netns as they were (links with netns too)', privileged, async (t) => {
  for (const variant of [
    { what: 'taken in the handle\'s netns', rcvbuf: undefined, clashIn: 'a' as const },
    { what: 'taken in the second netns (a peer name), small chunks', rcvbuf: 8192, clashIn: 'b' as const },
  ]) {
    const { a, b, rt } = fixture(t, variant.rcvbuf !== undefined ? { receiveBufferSize: variant.rcvbuf } : {});
    ip(a.path, ['link', 'add', 'parent0', 'type', 'veth', 'peer', 'name', 'parent1']);
    // What the call will clash with, made beforehand.
    if (variant.clashIn === 'a') ip(a.path, ['link', 'add', 'h20', 'type', 'ifb']);
    else ip(b.path, ['link', 'add', 'c20', 'type', 'ifb']);
    const beforeA = names(a.path);
    const beforeB = names(b.path);
    // 40 specs of four shapes: veth with its peer in b; ifb created in b (netns); a
    // veth created in b whose peer is born in a; a macvlan in a on a parent made earlier.
    const specs: LinkSpec[] = Array.from({ length: 40 }, (_, i): LinkSpec => {
      switch (i % 4) {
        case 0: return { kind: 'veth', name: `h${i}`, up: true, peer: { name: `c${i}`, netns: b.fd } };
        case 1: return { kind: 'ifb', name: `x${i}`, netns: b.fd };
        case 2: return { kind: 'veth', name: `y${i}`, netns: b.fd, peer: { name: `z${i}` } };
        default: return { kind: 'macvlan', name: `m${i}`, link: 'parent0', data: { mode: 'bridge' } };
      }
    });
    const e = await rejection(rt.link.addMany(specs));
    t.ok(e instanceof NetlinkError, `${variant.what}: NetlinkError (${String(e)})`);
    t.equal(e?.code, 'EEXIST', `${variant.what}: EEXIST`);
    t.match(e?.message, /\(RTM_NEWLINK h20\)$/, `${variant.what}: names the link`);
    t.match(e?.message, /specs\[20\] \(peer c20\)/, `${variant.what}: names the entry`);
    t.match(e?.message, /the \d+ link\(s\) this call created were deleted again/, `${variant.what}: says it rolled back`);
    t.same(names(a.path), beforeA, `${variant.what}: the handle's netns is as before`);
    t.same(names(b.path), beforeB, `${variant.what}: the second netns is as before`);
  }
});

/** The first of the kinds nlkit encodes that this kernel refuses with EOPNOTSUPP (dummy here), found by asking it. */
async function missingKind(): Promise<LinkSpec | undefined> {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd });
  try {
    for (const spec of [{ kind: 'dummy', name: 'k0' }, { kind: 'bond', name: 'k0' }]) {
      const e = await rejection(rt.link.add(spec));
      if (e?.code === 'EOPNOTSUPP') return spec;
      if (!e) await rt.link.del('k0');
    }
    return undefined;
  } finally {
    rt.close();
    ns.close();
  }
}

t.test('a kind the kernel lacks in the middle: EOPNOTSUPP, everything of the call rolled back', privileged, async (t) => {
  const lacking = await missingKind();
  if (!lacking) {
    t.comment('this kernel builds every kind tried (dummy, bond): nothing to refuse — skipped by the kernel\'s answer');
    return;
  }
  const { a, b, rt } = fixture(t);
  const beforeA = names(a.path);
  const beforeB = names(b.path);
  const specs: LinkSpec[] = [
    ...Array.from({ length: 10 }, (_, i): LinkSpec => ({ kind: 'veth', name: `h${i}`, up: true, peer: { name: `c${i}`, netns: b.fd } })),
    { ...lacking, name: 'nope0' },
    ...Array.from({ length: 10 }, (_, i): LinkSpec => ({ kind: 'ifb', name: `f${i}`, netns: i % 2 ? b.fd : undefined })),
  ];
  const e = await rejection(rt.link.addMany(specs));
  t.ok(e instanceof NetlinkError, String(e));
  t.equal(e?.code, 'EOPNOTSUPP', `the kernel has no ${lacking.kind}`);
  t.match(e?.message, /Unknown device type/, 'with the kernel\'s extended-ACK text');
  t.match(e?.message, /specs\[10\]/);
  t.match(e?.message, /\(RTM_NEWLINK nope0\)$/);
  t.match(e?.message, /the 20 link\(s\) this call created were deleted again/, 'the 10 before and the 10 after it in the same sendmsg');
  t.same(names(a.path), beforeA, 'the handle\'s netns is as before');
  t.same(names(b.path), beforeB, 'the second netns is as before');
});

t.test('bad input is refused before anything is sent, naming specs[i]', privileged, async (t) => {
  const { a, b, rt } = fixture(t);
  ip(a.path, ['link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
  const beforeA = names(a.path);
  const beforeB = names(b.path);
  const sent = rt.sock.stats.requests;
  const ok = (i: number): LinkSpec => ({ kind: 'veth', name: `ok${i}`, peer: { name: `okp${i}`, netns: b.fd } });
  const cases: Array<[string, unknown, unknown, string, RegExp?]> = [
    // [what, specs, options, argument, message]
    ['MTU out of range at index 3', [ok(0), ok(1), ok(2), { kind: 'veth', name: 'm3', mtu: -1 }], undefined, 'specs[3].mtu'],
    ['peer name too long at index 0', [{ kind: 'veth', name: 'p', peer: { name: 'x'.repeat(16) } }, ok(1)], undefined, 'specs[0].peer.name'],
    ['peer up in the create message', [ok(0), { kind: 'veth', name: 'u', peer: { name: 'u1', up: true as any } }], undefined, 'specs[1].peer.up'],
    ['peer not an object', [ok(0), { kind: 'veth', name: 'u', peer: 5 as any }], undefined, 'specs[1].peer'],
    ['unknown kind', [ok(0), { kind: 'wormhole', name: 'w' }], undefined, 'specs[1].kind'],
    ['unknown key', [ok(0), ok(1), { kind: 'ifb', name: 'i', colour: 'red' } as any], undefined, 'specs[2].colour'],
    ['spec not an object', [ok(0), ok(1), null], undefined, 'specs[2]'],
    ['bad MAC', [{ kind: 'ifb', name: 'i', address: 'zz:00:00:00:00:00' }], undefined, 'specs[0].address'],
    ['macvlan without parent', [ok(0), { kind: 'macvlan', name: 'mv' }], undefined, 'specs[1].link'],
    ['vxlan option out of range (found while building)', [ok(0), ok(1), { kind: 'vxlan', name: 'vx', data: { id: 1, ttl: 300 } }], undefined, 'specs[2].data.ttl'],
    ['negative netns fd', [ok(0), { kind: 'ifb', name: 'i', netns: -1 }], undefined, 'specs[1].netns'],
    ['numTxQueues over the kernel\'s 4096', [ok(0), { kind: 'veth', name: 'q', numTxQueues: 4097, peer: { name: 'qp' } }], undefined, 'specs[1].numTxQueues'],
    ['no name', [ok(0), { kind: 'ifb' }], undefined, 'specs[1].name', /needs a name for every link/],
    ['the same name twice', [{ kind: 'ifb', name: 'd0' }, ok(1), { kind: 'bridge', name: 'd0' }], undefined, 'specs[2].name', /'d0' repeats specs\[0\]\.name/],
    ['the same peer name twice in one netns', [ok(0), { kind: 'veth', name: 'o', peer: { name: 'okp0', netns: b.fd } }], undefined, 'specs[1].peer.name', /'okp0' repeats specs\[0\]\.peer\.name \(both in netns fd \d+\)/],
    ['a peer named like a link of the call (both in the handle\'s netns)', [{ kind: 'ifb', name: 'q0' }, { kind: 'veth', name: 'q1', peer: { name: 'q0' } }], undefined, 'specs[1].peer.name', /'q0' repeats specs\[0\]\.name/],
    ['a veth and its own peer of one name', [{ kind: 'veth', name: 's0', peer: { name: 's0' } }], undefined, 'specs[0].peer.name', /repeats specs\[0\]\.name/],
    ['the same name twice in one other netns', [{ kind: 'ifb', name: 'n0', netns: b.fd }, { kind: 'ifb', name: 'n0', netns: b.fd }], undefined, 'specs[1].name'],
    ['a master made by the same call', [{ kind: 'bridge', name: 'br0' }, { kind: 'veth', name: 'e0', master: 'br0' }], undefined, 'specs[1].master', /created by specs\[0\] of this same call/],
    ['not an array', { kind: 'ifb', name: 'i' }, undefined, 'specs', /expected an array/],
    ['null', null, undefined, 'specs'],
    ['unknown option', [ok(0)], { rollback: false }, 'options.rollback'],
  ];
  for (const [what, specs, options, arg, re] of cases) {
    const e = await rejection(rt.link.addMany(specs as LinkSpec[], options as any));
    t.ok(e instanceof InvalidArgumentError, `${what}: InvalidArgumentError (${e?.message})`);
    t.equal(e?.argument, arg, `${what}: argument ${arg}`);
    if (re) t.match(e?.message, re, `${what}: message`);
  }
  // A closed Netns: ClosedError naming the spec and the field.
  const gone = Netns.new();
  gone.close();
  const ce = await rejection(rt.link.addMany([ok(0), { kind: 'veth', name: 'c0', peer: { name: 'c1', netns: gone } }]));
  t.ok(ce instanceof ClosedError, `closed Netns: ClosedError (${ce?.message})`);
  t.match(ce?.message, /^specs\[1\]\.peer\.netns \(Netns .*\) is closed$/);
  const ce2 = await rejection(rt.link.add({ kind: 'veth', name: 'c0', peer: { name: 'c1', netns: gone } }));
  t.match(ce2?.message, /^peer\.netns \(Netns .*\) is closed$/, 'add names the field too');
  t.equal(rt.sock.stats.requests, sent, 'nothing was sent, not even a lookup');
  // A master that does not exist: found by its lookup, before any create.
  const e = await rejection(rt.link.addMany([ok(0), { kind: 'veth', name: 'e1', master: 'nosuch' }]));
  t.equal(e?.code, 'ENODEV');
  t.match(e?.message, /specs\[1\]\.master 'nosuch' does not exist/);
  t.equal(rt.sock.stats.requests, sent + 1, 'only the lookup went out');
  t.same(names(a.path), beforeA, 'no link was made here');
  t.same(names(b.path), beforeB, 'nor in the second netns');
  // The same name in two netns is no repeat; looking a parent up once serves every spec naming it.
  await rt.link.addMany([ok(0), { kind: 'veth', name: 'okp0', peer: { name: 'ok0', netns: b.fd } },
    { kind: 'macvlan', name: 'mv0', link: 'p0' }, { kind: 'macvlan', name: 'mv1', link: 'p0' }]);
  t.equal(rt.sock.stats.requests, sent + 1 + 1 + 4, 'one lookup of p0 for both macvlans, then the four creates');
});

const refusal = (code: number, subject: string) => new NetlinkError(code, { type: C.RTM_NEWLINK, typeName: 'RTM_NEWLINK', seq: 1, subject });

t.test('a rollback that cannot delete everything, or lost answers, says what may be left', async (t) => {
  const specs: LinkSpec[] = [{ kind: 'ifb', name: 'a0' }, { kind: 'veth', name: 'a1', peer: { name: 'b1' } }, { kind: 'ifb', name: 'a2' }, { kind: 'ifb', name: 'a3' }];
  {
    const { api, batches } = scriptedLinkApi([
      () => ({ status: ['ok', 'ok', 'refused', 'ok'], errors: [undefined, undefined, refusal(17, 'a2'), undefined], firstRefused: 2 }),
      () => ({ status: ['ok', 'refused', 'refused'], errors: [undefined, refusal(16, 'a1'), refusal(19, 'a0')], firstRefused: 1 }),
    ]);
    const e = await rejection(api.addMany(specs));
    t.equal(e?.code, 'EEXIST', 'the first refusal\'s code');
    t.match(e?.message, /specs\[2\]/);
    t.match(e?.message, /the rollback left 1 link\(s\) of this call in place: a1 with peer b1/, 'EBUSY on a1: left; ENODEV on a0: gone already');
    t.match(e?.message, /the kernel refused to delete a1: EBUSY/);
    t.match(e?.message, /\(RTM_NEWLINK a2\)$/);
    t.equal(batches.length, 2);
    t.same(batches[1]!.map((m) => [m.type, m.subject]), [[C.RTM_DELLINK, 'a3'], [C.RTM_DELLINK, 'a1'], [C.RTM_DELLINK, 'a0']], 'one batch of RTM_DELLINK by name, newest first, only what this call made');
    t.ok(batches[1]!.every((m) => m.bytes.includes(Buffer.from(`${m.subject}\0`))), 'each names its link (IFLA_IFNAME)');
  }
  {
    // Answers lost: only the link known made is deleted; the ones whose outcome is unknown
    // are left alone (a2's create may have been refused with EEXIST because a link named
    // a2 was there before: deleting by name would delete that one) and named.
    const { api, batches } = scriptedLinkApi([
      () => ({ status: ['ok', 'unknown', 'unknown', 'unsent'], failure: Object.assign(new Error('NLMSG_OVERRUN'), { errno: 105 }) }),
      () => ({ status: ['ok'] }),
    ]);
    const e = await rejection(api.addMany(specs));
    t.ok(e instanceof NetlinkError);
    t.equal(e?.code, 'ENOBUFS', 'the failure\'s errno');
    t.match(e?.message, /the batch did not complete \(NLMSG_OVERRUN\)/);
    t.match(e?.message, /the 1 link\(s\) this call is known to have created were deleted again/);
    t.match(e?.message, /the outcome of 2 link\(s\) is unknown \(their answers were lost; not deleted, as a link of that name may have been there before this call\): a1 with peer b1, a2/);
    t.same(batches[1]!.map((m) => [m.type, m.subject]), [[C.RTM_DELLINK, 'a0']], 'only a0, the one known made, is deleted; not the unknown ones, nor the unsent one');
  }
  {
    // Answers lost and the known one cannot be deleted: both are said.
    const { api } = scriptedLinkApi([
      () => ({ status: ['ok', 'unknown', 'unsent', 'unsent'], failure: Object.assign(new Error('NLMSG_OVERRUN'), { errno: 105 }) }),
      () => ({ status: ['refused'], errors: [refusal(16, 'a0')], firstRefused: 0 }),
    ]);
    const e = await rejection(api.addMany(specs));
    t.match(e?.message, /the rollback left 1 link\(s\) of this call in place: a0/);
    t.match(e?.message, /the outcome of 1 link\(s\) is unknown .*: a1 with peer b1/);
  }
});
