// Setting connection labels (CTA_LABELS, CTA_LABELS_MASK) on add and update, and the zone
// of one direction (CTA_TUPLE_ZONE) on add — compared with the `conntrack` tool: what it
// sends for `-I/-U --label-add/--label-del` and `-I --orig-zone/--reply-zone`, and what
// `conntrack -L -o extended,labels` then shows. The tool names labels through
// /etc/xtables/connlabel.conf: it runs here in a mount namespace of its own with an
// overlay on /etc holding one (the host's /etc is not written).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conntrack, InvalidArgumentError, NetlinkError, type ConntrackEntry } from '../../src/index.js';
import { ip, privileged, rawNetns } from '../helpers.js';

const haveTool = spawnSync('conntrack', ['--version'], { encoding: 'utf8' }).status === 0;
const haveNft = spawnSync('nft', ['--version'], { encoding: 'utf8' }).status === 0;
const tool = haveTool && haveNft ? privileged : { skip: 'needs the conntrack tool (conntrack-tools) and nft' };

const LABEL_CONF = '0 zero\n5 five\n100 hundred\n127 top\n';

/** `conntrack ARGS` in the netns, with /etc/xtables/connlabel.conf naming labels 0, 5, 100 and 127: its exit status and what it printed. */
function runConntrack(nsPath: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const d = mkdtempSync(join(tmpdir(), 'nlkit-connlabel-'));
  try {
    const script = 'mkdir -p "$D/u" "$D/w" && mount -t overlay overlay -o "lowerdir=/etc,upperdir=$D/u,workdir=$D/w" /etc'
      + ' && mkdir -p /etc/xtables && printf "$CONF" > /etc/xtables/connlabel.conf && exec nsenter --net="$NS" conntrack "$@"';
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...args], {
      encoding: 'utf8', env: { ...process.env, D: d, NS: nsPath, CONF: LABEL_CONF },
    });
    return r;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

function conntrack(nsPath: string, args: string[]): string {
  const r = runConntrack(nsPath, args);
  if (r.status !== 0) throw new Error(`conntrack ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A netns whose entries can hold labels: an nft `ct label` rule makes the kernel give each new entry label storage. */
function fixture(t: { teardown(fn: () => void): void }, withLabelUser = true): { ns: ReturnType<typeof rawNetns>; ct: Conntrack } {
  const ns = rawNetns();
  const ct = Conntrack.open({ netns: ns.fd });
  t.teardown(() => {
    ct.close();
    ns.close();
  });
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  if (withLabelUser) {
    const r = spawnSync('nsenter', [`--net=${ns.path}`, 'nft', '-f', '-'], { encoding: 'utf8', input: 'table inet t {\n chain o {\n  type filter hook output priority 0;\n  ct label set 1\n }\n}\n' });
    if (r.status !== 0) throw new Error(`nft: ${r.stderr}`);
  }
  return { ns, ct };
}

const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);

/** The label numbers of a decoded bitmap. */
function numbers(labels: Uint8Array | undefined): number[] {
  const set: number[] = [];
  for (const [i, b] of (labels ?? new Uint8Array()).entries()) for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) set.push(i * 8 + bit);
  return set;
}

/** `labels=…` of the entry to DST in `conntrack -L -o labels`, or '' when it has none. */
function toolLabels(nsPath: string, dst: string): string {
  const line = conntrack(nsPath, ['-L', '-o', 'labels', '-d', dst]).split('\n').find((l) => l.includes(`dst=${dst} `)) ?? '';
  return /labels=(\S+)/.exec(line)?.[1] ?? '';
}

const udp = (dst: string) => ({ protocol: 'udp', src: '10.0.0.1', dst, srcPort: 1, dstPort: 2 }) as const;
const byDst = async (ct: Conntrack, dst: string): Promise<ConntrackEntry> => (await ct.list({ dst }))[0]!;

t.test('add with labels: label numbers and a listed entry\'s bytes, as conntrack -I --label-add makes them and -L -o labels shows them', tool, async (t) => {
  const { ns, ct } = fixture(t);
  await ct.add({ ...udp('10.0.0.2'), timeout: 100, labels: [5, 100, 127] });
  conntrack(ns.path, ['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.3', '--sport', '1', '--dport', '2', '-t', '100', '--label-add', 'five', '--label-add', 'hundred', '--label-add', 'top']);
  const ours = await byDst(ct, '10.0.0.2');
  const theirs = await byDst(ct, '10.0.0.3');
  t.same(numbers(ours.labels), [5, 100, 127], 'labels 5, 100 and 127 set');
  t.same(Buffer.from(ours.labels!).toString('hex'), Buffer.from(theirs.labels!).toString('hex'), 'the same bitmap as the tool\'s entry');
  t.equal(toolLabels(ns.path, '10.0.0.2'), 'five,hundred,top', 'conntrack -L -o labels names them');
  await ct.add({ ...udp('10.0.0.4'), timeout: 100, labels: theirs.labels });
  t.same(numbers((await byDst(ct, '10.0.0.4')).labels), [5, 100, 127], 'a listed entry\'s labels (bytes) copied to a new entry');
  await ct.add({ ...udp('10.0.0.5'), timeout: 100, labels: [] });
  t.equal((await byDst(ct, '10.0.0.5')).labels, undefined, 'no labels: none set');
  await ct.addMany([{ ...udp('10.0.0.6'), timeout: 100, labels: [0] }, { ...udp('10.0.0.7'), timeout: 100 }]);
  t.equal(toolLabels(ns.path, '10.0.0.6'), 'zero', 'addMany: labels set');
});

t.test('update: labels added and removed (CTA_LABELS_MASK) as --label-add/--label-del, or replaced', tool, async (t) => {
  const { ns, ct } = fixture(t);
  conntrack(ns.path, ['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '-t', '100', '--label-add', 'five', '--label-add', 'top']);
  const key = udp('10.0.0.2');
  await ct.update(key, { labels: { add: [100] } });
  t.equal(toolLabels(ns.path, '10.0.0.2'), 'five,hundred,top', 'add 100: the others kept (conntrack -U --label-add hundred)');
  await ct.update(key, { labels: { remove: [127] } });
  t.equal(toolLabels(ns.path, '10.0.0.2'), 'five,hundred', 'remove 127: only it cleared');
  await ct.update(key, { labels: { add: [0, 127], remove: [5] } });
  t.same(numbers((await ct.get(key)).labels), [0, 100, 127], 'add and remove in one request');
  await ct.update(key, { labels: [1] });
  t.same(numbers((await ct.get(key)).labels), [1], 'a list: replaces them all');
  await ct.update(key, { labels: [] });
  t.same(numbers((await ct.get(key)).labels), [], 'an empty list: clears them all');
  conntrack(ns.path, ['-U', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '--label-add', 'hundred']);
  t.same(numbers((await ct.get(key)).labels), [100], 'the tool\'s --label-add read back');
  // What the docs say of the tool's --label-del: of label 0 it sends the other labels as the
  // whole new set (no mask); of label 127 it sends them as the value outside a mask of 127,
  // and the kernel's (old & ~mask) ^ value clears them.
  const del = async (name: string): Promise<number[]> => {
    await ct.update(key, { labels: [0, 5, 100, 127] });
    conntrack(ns.path, ['-U', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '--label-del', name]);
    return numbers((await ct.get(key)).labels);
  };
  const zero = await del('zero');
  const top = await del('top');
  if (/v1\.4\.7\b/.test(runConntrack(ns.path, ['--version']).stdout)) {
    t.same(zero, [5, 100, 127], 'conntrack-tools 1.4.7 --label-del zero: label 0 cleared');
    t.same(top, [], 'conntrack-tools 1.4.7 --label-del top: every label cleared, as the docs say');
  } else t.comment(`this conntrack's --label-del zero left ${JSON.stringify(zero)}, --label-del top ${JSON.stringify(top)}`);
});

t.test('labels where the kernel gave the entry no label storage (no ct label user in the netns): a clear error, nothing left behind', tool, async (t) => {
  const { ns, ct } = fixture(t, false);
  const e = await err(ct.add({ ...udp('10.0.0.2'), timeout: 100, labels: [5] }));
  t.ok(e instanceof NetlinkError && e.code === 'ENOSPC', `add: ENOSPC (${e.message})`);
  t.match(e.message, /ct label/, 'the error says what gives entries label storage');
  t.same(await ct.list(), [], 'the entry made without its labels was deleted again');
  const many = await err(ct.addMany([{ ...udp('10.0.0.3'), timeout: 100 }, { ...udp('10.0.0.4'), timeout: 100, labels: [5] }]));
  t.ok(many instanceof NetlinkError && many.code === 'ENOSPC', `addMany: ENOSPC (${many.message})`);
  t.same(await ct.list(), [], 'addMany: all or none, none left');
  await ct.add({ ...udp('10.0.0.2'), timeout: 100 });
  const u = await err(ct.update(udp('10.0.0.2'), { labels: { add: [5] } }));
  t.ok(u instanceof NetlinkError && u.code === 'ENOSPC', `update: the kernel's ENOSPC (${u.message})`);
  t.match(u.message, /ct label/, 'with the same hint');
  // (conntrack-tools 1.4.7 prints the error and still exits 0, 'updated')
  t.match(runConntrack(ns.path, ['-U', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '--label-add', 'five']).stderr, /No space left on device/, 'the tool gets ENOSPC too');
  conntrack(ns.path, ['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.9', '--sport', '1', '--dport', '2', '-t', '100', '--label-add', 'five']);
  t.equal((await byDst(ct, '10.0.0.9')).labels, undefined, 'the tool\'s -I --label-add here: made without labels, and no error');
});

t.test('a zone of one direction on add (conntrack -I --orig-zone, --reply-zone), as the tool makes it', tool, async (t) => {
  const { ns, ct } = fixture(t, false);
  await ct.add({ ...udp('10.0.0.2'), timeout: 100, originalZone: 5 });
  conntrack(ns.path, ['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.3', '--sport', '1', '--dport', '2', '-t', '100', '--orig-zone', '5']);
  await ct.add({ ...udp('10.0.0.4'), timeout: 100, replyZone: 6 });
  conntrack(ns.path, ['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.5', '--sport', '1', '--dport', '2', '-t', '100', '--reply-zone', '6']);
  const z = (e: ConntrackEntry): unknown[] => [e.zone, e.original.zone, e.reply.zone];
  t.same(z(await byDst(ct, '10.0.0.2')), z(await byDst(ct, '10.0.0.3')), 'originalZone: the original tuple\'s zone, as --orig-zone');
  t.same(z(await byDst(ct, '10.0.0.2')), [undefined, 5, undefined], '… in original.zone');
  t.same(z(await byDst(ct, '10.0.0.4')), z(await byDst(ct, '10.0.0.5')), 'replyZone: the reply tuple\'s, as --reply-zone');
  t.same(z(await byDst(ct, '10.0.0.4')), [undefined, undefined, 6], '… in reply.zone');
  t.match(conntrack(ns.path, ['-L', '-d', '10.0.0.2']), /zone-orig=5/, 'conntrack -L shows zone-orig=5');
  await ct.add({ ...udp('10.0.0.6'), timeout: 100, originalZone: 7, replyZone: 7 });
  t.same(z(await byDst(ct, '10.0.0.6')), [7, undefined, undefined], 'the same zone both ways: the entry\'s zone (the tool\'s --orig-zone 7 --reply-zone 7 is refused, EINVAL)');
  t.equal((await ct.get({ ...udp('10.0.0.2'), zone: 5 })).original.zone, 5, 'got by the original direction\'s zone');
  const both = await err(ct.add({ ...udp('10.0.0.2'), timeout: 100, zone: 5 }));
  t.ok(both instanceof NetlinkError && both.code === 'EEXIST', `the same tuple in zone 5 both ways: EEXIST, its original direction is taken (${both.message})`);
  await ct.add({ ...udp('10.0.0.2'), timeout: 100, zone: 4 });
  t.same((await ct.list({ dst: '10.0.0.2' })).map((e) => `${e.zone}/${e.original.zone}`).sort(), ['4/undefined', 'undefined/5'], 'in zone 4 both ways: another entry');
  // The reply direction of an --orig-zone 5 entry is in zone 0: an entry of the same tuple in zone 0, or in another original zone, has that reply too.
  const zero = await err(ct.add({ ...udp('10.0.0.2'), timeout: 100 }));
  t.ok(zero instanceof NetlinkError && zero.code === 'EEXIST', `the same tuple in zone 0: EEXIST, its reply direction is taken (${zero.message})`);
  const other = await err(ct.add({ ...udp('10.0.0.2'), timeout: 100, originalZone: 6 }));
  t.ok(other instanceof NetlinkError && other.code === 'EEXIST', `in original zone 6: EEXIST too (${other.message})`);
  const many = await err(ct.addMany([{ ...udp('10.0.0.8'), timeout: 100, originalZone: 1 }, { ...udp('10.0.0.8'), timeout: 100, originalZone: 2 }]));
  t.ok(many instanceof InvalidArgumentError && many.argument === 'specs[1]', `addMany: two specs whose reply directions are one tuple in zone 0, refused before sending (${many.message})`);
  await ct.addMany([{ ...udp('10.0.0.8'), timeout: 100, originalZone: 1 }, { ...udp('10.0.0.8'), timeout: 100, replyZone: 2 }]);
  t.same((await ct.list({ dst: '10.0.0.8' })).map((e) => `${e.original.zone}/${e.reply.zone}`).sort(), ['1/undefined', 'undefined/2'], 'addMany: one tuple, original zone 1 and reply zone 2: two entries');
  const dup = await err(ct.add({ ...udp('10.0.0.2'), timeout: 100, originalZone: 5 }));
  t.ok(dup instanceof NetlinkError && dup.code === 'EEXIST', `EEXIST in that zone (${dup.message})`);
  t.match(dup.message, /zone 5/, 'naming the zone');
});

t.test('bad labels and zones are refused before anything is sent, naming the argument', privileged, async (t) => {
  const { ct } = fixture(t, false);
  const before = ct.sock.stats.requests;
  const k = udp('10.0.0.2');
  for (const [what, p, arg] of [
    ['label 128 (labels are 0..127)', ct.add({ ...k, timeout: 1, labels: [128] }), 'spec.labels'],
    ['a negative label', ct.add({ ...k, timeout: 1, labels: [-1] }), 'spec.labels'],
    ['a fractional label', ct.add({ ...k, timeout: 1, labels: [1.5] }), 'spec.labels'],
    ['a label by name', ct.add({ ...k, timeout: 1, labels: ['five' as never] }), 'spec.labels'],
    ['labels not a list', ct.add({ ...k, timeout: 1, labels: 5 as never }), 'spec.labels'],
    ['a bitmap over 16 bytes', ct.add({ ...k, timeout: 1, labels: new Uint8Array(17) }), 'spec.labels'],
    ['add/remove on add', ct.add({ ...k, timeout: 1, labels: { add: [1] } as never }), 'spec.labels'],
    ['a zone over 65535 of one direction', ct.add({ ...k, timeout: 1, originalZone: 65536 }), 'spec.originalZone'],
    ['a zone of both directions and of one', ct.add({ ...k, timeout: 1, zone: 2, replyZone: 3 }), 'spec.replyZone'],
    ['two zones of one direction each', ct.add({ ...k, timeout: 1, originalZone: 2, replyZone: 3 }), 'spec.replyZone'],
    ['a zone of both directions and another of each', ct.add({ ...k, timeout: 1, zone: 2, originalZone: 3, replyZone: 3 }), 'spec.originalZone'],
    ['a zone of both directions and an original zone of 0', ct.add({ ...k, timeout: 1, zone: 2, originalZone: 0 }), 'spec.originalZone'],
    ['addMany: label 200', ct.addMany([{ ...k, timeout: 1, labels: [200] }]), 'specs[0].labels'],
    ['update: label 128 to add', ct.update(k, { labels: { add: [128] } }), 'change.labels.add'],
    ['update: a label both added and removed', ct.update(k, { labels: { add: [3], remove: [3] } }), 'change.labels'],
    ['update: nothing to add or remove', ct.update(k, { labels: {} }), 'change.labels'],
    ['update: an unknown key', ct.update(k, { labels: { set: [1] } as never }), 'change.labels.set'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(ct.sock.stats.requests, before, 'nothing was sent for any of them');
});
