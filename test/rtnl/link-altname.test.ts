// rt.link.addAltnames / delAltnames: alternative names as `ip link property add|del`
// sends them (flags and IFLA_PROP_LIST byte for byte, read with strace), as `ip -j link
// show` and rt.link.get then report them, usable as the link's name; a taken name, a
// missing altname and a missing link refused in plain words; all or none; bad input
// refused before anything is sent.
import t from 'tap';
import { InvalidArgumentError, NetlinkError } from '../../src/index.js';
import { LinkApi } from '../../src/rtnl/link/api.js';
import * as C from '../../src/rtnl/constants.js';
import { freshHandle, ip, ipJson, privileged } from '../helpers.js';
import { haveStrace, recorded, straceRequests } from './tc-helpers.js';

const LONG = 'a-very-long-alternative-name-for-v0';
const altnamesOf = (nsPath: string, dev: string): string[] => ipJson<{ altnames?: string[] }[]>(nsPath, ['link', 'show', dev])[0]!.altnames ?? [];

/** nlmsg_type, nlmsg_flags and the IFLA_PROP_LIST attribute of a request, hex. */
function propList(req: Buffer): string {
  let list = '';
  for (let p = 32; p + 4 <= req.length;) {
    const len = req.readUInt16LE(p);
    if (len < 4) break;
    if ((req.readUInt16LE(p + 2) & 0x3fff) === C.IFLA_PROP_LIST) list = req.subarray(p, p + len).toString('hex');
    p += (len + 3) & ~3;
  }
  return `${req.readUInt16LE(4)} ${req.readUInt16LE(6).toString(16)} ${list}`;
}

t.test('altnames: added and removed as ip shows them, used as names, refusals in plain words', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  await rt.link.addAltnames('v0', [LONG, 'v0-short']);
  t.same(altnamesOf(ns.path, 'v0'), [LONG, 'v0-short'], 'ip -j link show lists them');
  t.same((await rt.link.get('v0')).altnames, [LONG, 'v0-short'], 'rt.link.get too');
  t.equal((await rt.link.get(LONG)).name, 'v0', 'a link is found by its altname');
  await rt.link.set(LONG, { mtu: 1400 });
  t.equal((await rt.link.get('v0')).mtu, 1400, 'and changed by it');
  await rt.link.addAltnames((await rt.link.get('v1')).index, 'v1-alt');
  t.same(altnamesOf(ns.path, 'v1'), ['v1-alt'], 'by ifindex, one name');

  const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);
  const taken = await err(rt.link.addAltnames('v1', ['v1-other', 'v0-short']));
  t.ok(taken instanceof NetlinkError && taken.code === 'EEXIST', 'a name taken by another link: EEXIST');
  t.match(taken.message, /one of the names is taken \(a link's name or altname in/, 'saying so');
  t.same(altnamesOf(ns.path, 'v1'), ['v1-alt'], 'all or none: v1-other was not added');
  t.match(taken.message, /the names it had added before the refusal \(v1-other\) were removed again/, 'and that what it had added was taken back');
  await rt.link.addAltnames('v1', ['v1-b2', 'v1-c2']);
  const half = await err(rt.link.delAltnames('v1', ['v1-b2', 'nope', 'v1-c2']));
  t.ok(half instanceof NetlinkError && half.code === 'ENOENT', 'a removal refused part-way: ENOENT');
  t.match(half.message, /v1 has no altname 'nope'; the names it had removed before the refusal \(v1-b2\) were added again/);
  t.same(altnamesOf(ns.path, 'v1').sort(), ['v1-alt', 'v1-b2', 'v1-c2'], 'all or none: v1-b2 is back (now last: the kernel appends)');
  await rt.link.delAltnames('v1', ['v1-b2', 'v1-c2']);
  const own = await err(rt.link.addAltnames('v1', 'v0'));
  t.ok(own instanceof NetlinkError && own.code === 'EEXIST', "another link's own name: EEXIST");
  const missing = await err(rt.link.delAltnames('v0', 'nope'));
  t.ok(missing instanceof NetlinkError && missing.code === 'ENOENT', 'removing an altname the link lacks: ENOENT');
  t.match(missing.message, /v0 has no altname 'nope'/);
  const gone = await err(rt.link.addAltnames('nope0', 'x-alt'));
  t.ok(gone instanceof NetlinkError && gone.code === 'ENODEV', 'a link that does not exist: ENODEV');
  t.match(gone.message, /nope0/);

  // The link addressed by an altname the call removes before the refusal: undone all the same.
  await rt.link.addAltnames('v0', ['v0-x', 'v0-y']);
  const byAlt = await err(rt.link.delAltnames('v0-x', ['v0-x', 'nope']));
  t.ok(byAlt instanceof NetlinkError && byAlt.code === 'ENOENT', 'by an altname it loses, refused part-way: ENOENT');
  t.match(byAlt.message, /the names it had removed before the refusal \(v0-x\) were added again/, `undone (${byAlt.message})`);
  t.ok(altnamesOf(ns.path, 'v0').includes('v0-x'), 'v0-x is back');
  await rt.link.delAltnames('v0', ['v0-x', 'v0-y']);
  // A name that is not one of the link's altnames but exists: the kernel's bare EINVAL, said as such.
  for (const [what, name] of [["another link's name", 'v1'], ["another link's altname", 'v1-alt'], ['its own name', 'v0']]) {
    const e = await err(rt.link.delAltnames('v0', name!));
    t.ok(e instanceof NetlinkError && e.code === 'EINVAL', `${what}: EINVAL`);
    t.match(e.message, new RegExp(`'${name!}' is not an altname of v0 \\(it is the link's own name, or a name or altname of another link\\)`), `${what}: saying so (${e.message})`);
  }
  const many = await err(rt.link.delAltnames('v0', [LONG, 'v1']));
  t.match(many.message, /'v1' is not an altname of v0 .*the names it had removed before the refusal \(a-very-long-alternative-name-for-v0\) were added again/, `several: the one refused, and the undo (${many.message})`);
  t.same(altnamesOf(ns.path, 'v0').sort(), [LONG, 'v0-short'].sort(), 'all or none');

  await rt.link.delAltnames('v0', [LONG]);
  t.same(altnamesOf(ns.path, 'v0'), ['v0-short'], 'removed');
  await rt.link.delAltnames('v0-short', 'v0-short');
  t.same(altnamesOf(ns.path, 'v0'), [], 'a link addressed by the altname it loses');

  const before = rt.sock.stats.requests;
  for (const [what, p, arg] of [
    ['no names', rt.link.addAltnames('v0', []), 'names'],
    ['a name too long', rt.link.addAltnames('v0', 'x'.repeat(128)), 'names'],
    ['a name with a slash', rt.link.addAltnames('v0', ['ok-name', 'a/b']), 'names[1]'],
    ['a name twice', rt.link.delAltnames('v0', ['v0-x', 'v0-x']), 'names[1]'],
    ['not a string', rt.link.addAltnames('v0', [3 as never]), 'names[0]'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(rt.sock.stats.requests, before, 'nothing sent for them');

  if (!haveStrace) {
    t.comment('no strace: the byte comparison is skipped');
    return;
  }
  const api = (core: never) => LinkApi.of(core);
  for (const [args, call] of [
    // Several names: addAltnames reads the link first (for an undo), so the request itself is compared.
    [['link', 'property', 'add', 'dev', 'v1', 'altname', LONG, 'altname', 'v1-b'], (a: LinkApi) => (a as unknown as { sendAltnames(t: number, r: string, n: string[]): Promise<unknown> }).sendAltnames(C.RTM_NEWLINKPROP, 'v1', [LONG, 'v1-b'])],
    [['link', 'property', 'add', 'dev', 'v1', 'altname', 'v1-c'], (a: LinkApi) => a.addAltnames('v1', 'v1-c')],
    [['link', 'property', 'del', 'dev', 'v1', 'altname', 'v1-b'], (a: LinkApi) => a.delAltnames('v1', 'v1-b')],
  ] as [string[], (a: LinkApi) => Promise<unknown>][]) {
    const theirs = straceRequests(ns.path, 'ip', args, /RTM_(NEW|DEL)LINKPROP/).requests;
    const ours = await recorded(api, { v1: 3 }, call);
    t.equal(ours.error, undefined);
    t.equal(ours.bytes.length, 1, 'one request');
    t.equal(propList(ours.bytes[0]!), theirs[0] ? propList(theirs[0]) : 'no request from ip', `ip ${args.join(' ')}: type, flags and IFLA_PROP_LIST`);
  }
});
