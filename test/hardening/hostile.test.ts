// Hostile input: every public entry point fed wrong types, NaN, negative numbers,
// huge strings and NUL bytes answers with a clear error before anything reaches the
// kernel — no crash, no TypeError from deep inside, no request sent.
import t from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Rtnl, Netns, NetlinkSocket, MacAddr, setupVeth, teardownVeth, execNetns, sysctlGet, sysctlSet, decodeMessages, decodeAttributes,
  InvalidArgumentError, ClosedError, SysError, NetlinkError,
} from '../../src/index.js';
import { privileged, fdCount } from '../helpers.js';

const HUGE = 'x'.repeat(1 << 20);
const NUL = 'ab\0cd';

/** A clear error: one of nlkit's classes (or a RangeError/TypeError it threw on purpose) with a message naming what was wrong. */
function clear(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const ours = e instanceof InvalidArgumentError || e instanceof ClosedError || e instanceof SysError || e instanceof NetlinkError;
  const deliberate = (e instanceof RangeError || e instanceof TypeError) && /nlkit|expected|must be|invalid/i.test(e.message) && !/DataView|ArrayBuffer/.test(e.message);
  return (ours || deliberate) && e.message.length > 10 && !/Cannot read prop|undefined is not|is not a function/.test(e.message);
}

t.test('Rtnl handle methods refuse hostile input before sending anything', privileged, async (t) => {
  const ns = Netns.new();
  const rt = Rtnl.open({ netns: ns });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  await rt.link.add({ kind: 'veth', name: 'h0', peer: { name: 'h1' } });
  const sent = rt.sock.stats.requests;
  const cases: Array<[string, () => unknown]> = [
    ['link.get(NaN)', () => rt.link.get(NaN)],
    ['link.get(-1)', () => rt.link.get(-1)],
    ['link.get(huge)', () => rt.link.get(HUGE)],
    ['link.get(NUL)', () => rt.link.get(NUL)],
    ['link.get({})', () => rt.link.get({} as any)],
    ['link.get(null)', () => rt.link.get(null as any)],
    ['link.add(huge name)', () => rt.link.add({ kind: 'veth', name: HUGE })],
    ['link.add(alias huge)', () => rt.link.add({ kind: 'veth', name: 'a0', alias: HUGE })],
    ['link.add(alias NUL)', () => rt.link.add({ kind: 'veth', name: 'a0', alias: NUL })],
    ['link.add(mtu Infinity)', () => rt.link.add({ kind: 'veth', name: 'a0', mtu: Infinity })],
    ['link.add(txqlen -1)', () => rt.link.add({ kind: 'veth', name: 'a0', txqlen: -1 })],
    ['link.add(group 2^32)', () => rt.link.add({ kind: 'veth', name: 'a0', group: 2 ** 32 })],
    ['link.add(data array)', () => rt.link.add({ kind: 'bridge', name: 'b0', data: [] as any })],
    ['link.add(data.priority NaN)', () => rt.link.add({ kind: 'bridge', name: 'b0', data: { priority: NaN } })],
    ['link.add(__proto__ key)', () => rt.link.add(JSON.parse('{"kind":"veth","name":"p0","__proto__":{"x":1}}'))],
    ['link.set(mtu string)', () => rt.link.set('h0', { mtu: '9000' as any })],
    ['link.set(netns "x")', () => rt.link.set('h0', { netns: 'x' as any })],
    ['link.set(master NaN)', () => rt.link.set('h0', { master: NaN })],
    ['link.del(group -1)', () => rt.link.del({ group: -1 })],
    ['link.del(undefined)', () => rt.link.del(undefined as any)],
    ['link.list("x")', () => rt.link.list('x' as any)],
    ['addr.add(garbage)', () => rt.addr.add('h0', 'not-an-ip/24')],
    ['addr.add(prefix 33)', () => rt.addr.add('h0', '10.0.0.1/33')],
    ['addr.add(prefix 129)', () => rt.addr.add('h0', '2001:db8::1/129')],
    ['addr.add(NUL)', () => rt.addr.add('h0', `10.0.0.1${NUL}/24`)],
    ['addr.add(huge)', () => rt.addr.add('h0', HUGE)],
    ['addr.add(number)', () => rt.addr.add('h0', 42 as any)],
    ['route.add(dst garbage)', () => rt.route.add({ dst: 'garbage', dev: 'h0' })],
    ['route.add(family mismatch)', () => rt.route.add({ dst: '10.0.0.0/8', gateway: '2001:db8::1' })],
    ['route.add(table "nope")', () => rt.route.add({ dst: '10.0.0.0/8', dev: 'h0', table: 'nope' as any })],
    ['route.add(null)', () => rt.route.add(null as any)],
    ['route.get(garbage)', () => rt.route.get('999.1.1.1')],
    ['neigh.add(bad lladdr)', () => rt.neigh.add({ dst: '10.0.0.9', lladdr: 'zz', dev: 'h0' } as any)],
    ['neigh.add(no dev)', () => rt.neigh.add({ dst: '10.0.0.9' } as any)],
    ['rule.add(priority -5)', () => rt.rule.add({ priority: -5, table: 100 } as any)],
    ['rule.add(from garbage)', () => rt.rule.add({ from: 'x/99', table: 100 } as any)],
  ];
  for (const [what, fn] of cases) {
    let e: unknown;
    try {
      await fn();
    } catch (x) {
      e = x;
    }
    t.ok(clear(e), `${what}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message?.slice(0, 120)}`);
  }
  t.equal(rt.sock.stats.requests, sent, 'not one request reached the kernel');
});

t.test('namespaces, veth, sockets and decoders refuse hostile input', privileged, async (t) => {
  const fds = fdCount();
  const host = Netns.new();
  const file = join(tmpdir(), `nlkit-not-a-netns-${process.pid}`);
  writeFileSync(file, 'x');
  t.teardown(() => {
    host.close();
    rmSync(file, { force: true });
  });
  const closed = Netns.new();
  closed.close();
  const cases: Array<[string, () => unknown]> = [
    ['Netns.newNamed("")', () => Netns.newNamed('')],
    ['Netns.newNamed("..")', () => Netns.newNamed('..')],
    ['Netns.newNamed("a/b")', () => Netns.newNamed('a/b')],
    ['Netns.newNamed(NUL)', () => Netns.newNamed(NUL)],
    ['Netns.newNamed(huge)', () => Netns.newNamed(HUGE)],
    ['Netns.newNamed(42)', () => Netns.newNamed(42 as any)],
    ['Netns.getNamed("../etc")', () => Netns.getNamed('../etc')],
    ['Netns.fromPath(regular file)', () => Netns.fromPath(file)],
    ['Netns.fromPath(NUL)', () => Netns.fromPath(`/proc/self/ns/net${NUL}`)],
    ['Netns.fromPid(-1)', () => Netns.fromPid(-1)],
    ['Netns.fromPid(NaN)', () => Netns.fromPid(NaN)],
    ['Netns.fromPid(dead)', () => Netns.fromPid(2 ** 22 + 7)],
    ['Netns.deleteNamed(NUL)', () => Netns.deleteNamed(NUL)],
    ['closed.fd', () => closed.fd],
    ['Rtnl.open({netns: closed})', () => Rtnl.open({ netns: closed })],
    ['Rtnl.open({netns: "x"})', () => Rtnl.open({ netns: 'x' as any })],
    ['Rtnl.open({netns: {pid: -1}})', () => Rtnl.open({ netns: { pid: -1 } })],
    ['execNetns(host, closed, fn)', () => execNetns(host, closed, () => 1)],
    ['execNetns(host, {}, fn)', () => execNetns(host, {} as any, () => 1)],
    ['sysctlGet(path traversal)', () => sysctlGet(host, 'net/../../../etc/passwd')],
    ['sysctlGet(non-net key)', () => sysctlGet(host, 'kernel.hostname')],
    ['sysctlSet(NUL value)', () => sysctlSet(host, 'net.ipv4.ip_forward', NUL)],
    ['setupVeth(huge)', () => setupVeth(HUGE, '', 1500, null, host, host)],
    ['setupVeth(mtu NaN)', () => setupVeth('eth0', '', NaN, null, host, host)],
    ['setupVeth(netns null)', () => setupVeth('eth0', '', 1500, null, null as any, host)],
    ['teardownVeth(NUL)', () => teardownVeth(NUL, host)],
    ['MacAddr.parse(huge)', () => MacAddr.parse(HUGE)],
    ['MacAddr.parse(NUL)', () => MacAddr.parse(`00:11:22:33:44:55${NUL}`)],
    ['new MacAddr("abcdef")', () => new MacAddr('abcdef' as any)],
    ['NetlinkSocket.open(-1)', () => NetlinkSocket.open(-1)],
    ['NetlinkSocket.open(NaN)', () => NetlinkSocket.open(NaN)],
    ['NetlinkSocket.open(0, {groups: [-1]})', () => NetlinkSocket.open(0, { groups: [-1] })],
    ['NetlinkSocket.open(0, {receiveBufferSize: NaN})', () => NetlinkSocket.open(0, { receiveBufferSize: NaN })],
    ['decodeMessages("x")', () => decodeMessages('x' as any)],
    ['decodeMessages(null)', () => decodeMessages(null as any)],
    ['decodeAttributes(42)', () => decodeAttributes(42 as any)],
  ];
  for (const [what, fn] of cases) {
    let e: unknown;
    try {
      await fn();
    } catch (x) {
      e = x;
    }
    t.ok(clear(e), `${what}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message?.slice(0, 120)}`);
  }
  host.close();
  t.equal(fdCount(), fds, 'no fd leaked by any refusal');
});
