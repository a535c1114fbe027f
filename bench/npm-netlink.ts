// The npm `netlink` package (mildsunrise/node_netlink, a N-API addon; devDependency)
// doing the workloads of ../shared/peers, printing RESULT lines like the peers:
// W1 create N veth pairs (peer in a second netns, host end up in the create message),
// W3 getLinks() dump + decode, W2 delLink one by one, W4 addresses.
//
//   unshare -n node dist/bench/npm-netlink.js --n N --reps R --naddr A
//
// What the package can do: its newLink/getLinks/delLink/newAddress/getAddresses
// encode and decode ifinfomsg/ifaddrmsg and the flat IFLA_*/IFA_* attributes, but
// IFLA_LINKINFO is an opaque Buffer both ways: the veth kind and its peer (VETH_INFO_PEER
// with the peer's ifinfomsg, name and IFLA_NET_NS_FD) are encoded by hand here, once per
// pair, as a user of the package has to. Replies are read on the event loop (the addon's
// socket emits 'message'), one promise per request.
//
// The second netns is made with nlkit's Netns.new() (harness only; not timed).
import netlinkPkg from 'netlink';
import { Netns } from '../src/ns/index.js';
import { parseArgs, intOpt, cpuMs, maxRssKb, result, medianMin, msSince, assertNotHostNetns, tlv, strz, u32le } from './common.js';

const { createRtNetlink, FlagsNew } = netlinkPkg;
const IMPL = 'npm-netlink';
const IFLA_IFNAME = 3, IFLA_NET_NS_FD = 28, IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, VETH_INFO_PEER = 1;
const NLA_F_NESTED = 0x8000;
const AF_INET = 2;


/** IFLA_LINKINFO payload of a veth whose peer is `peer` (in the netns of `nsfd` when given). */
function vethLinkinfo(peer: string, nsfd: number | undefined): Buffer {
  const peerBody = Buffer.concat([Buffer.alloc(16), tlv(IFLA_IFNAME, strz(peer)), ...(nsfd !== undefined ? [tlv(IFLA_NET_NS_FD, u32le(nsfd))] : [])]);
  const data = tlv(IFLA_INFO_DATA | NLA_F_NESTED, tlv(VETH_INFO_PEER | NLA_F_NESTED, peerBody));
  return Buffer.concat([tlv(IFLA_INFO_KIND, strz('veth')), data]);
}

async function main(): Promise<void> {
  const { opts } = parseArgs(process.argv.slice(2));
  const N = intOpt(opts, 'n', 1000);
  const reps = intOpt(opts, 'reps', 20);
  const naddr = intOpt(opts, 'naddr', 1000);
  assertNotHostNetns('npm-netlink bench');
  const ns2 = Netns.new();
  const sock = createRtNetlink();
  const create = { flags: FlagsNew.CREATE | FlagsNew.EXCL };
  try {
    if ((await sock.getLinks()).length !== 1) throw new Error('npm-netlink bench: the namespace is not fresh; refusing');

    // ---- W1 ----
    let c0 = process.cpuUsage();
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      await sock.newLink({ flags: { up: true }, change: { up: true } }, { ifname: `a${i}`, linkinfo: vethLinkinfo(`b${i}`, ns2.fd) }, create);
    }
    let ms = msSince(t0);
    result(IMPL, 'w1_create', N, ms, (ms * 1000) / N, cpuMs(c0), { requests: N, up_inline: 1, linkinfo: 'hand-encoded' });

    // ---- W3 ----
    const times: number[] = [];
    let count = 0;
    c0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) {
      const t = process.hrtime.bigint();
      const links = await sock.getLinks();
      const recs = links.map((l) => ({ index: l.data.index, name: l.attrs.ifname, mtu: l.attrs.mtu, mac: l.attrs.address, operstate: l.attrs.operstate }));
      times.push(msSince(t));
      count = recs.length;
    }
    let cpu = cpuMs(c0);
    if (count !== N + 1) throw new Error(`w3: expected ${N + 1} links, got ${count}`);
    let mm = medianMin(times);
    result(IMPL, 'w3_dump_links', count, mm.median, mm.median * 1000, { user: cpu.user / reps, sys: cpu.sys / reps }, { reps, min_ms: mm.min });

    // ---- W2 ----
    c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await sock.delLink({}, { ifname: `a${i}` });
    ms = msSince(t0);
    result(IMPL, 'w2_delete', N, ms, (ms * 1000) / N, cpuMs(c0), { del_group: 0 });

    // ---- W4 ---- (one end of a local veth: no dummy driver in this kernel)
    await sock.newLink({ flags: { up: true }, change: { up: true } }, { ifname: 'd0', linkinfo: vethLinkinfo('d0p', undefined) }, create);
    const d0 = (await sock.getLink({}, { ifname: 'd0' }))[0]!.data.index!;
    c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    for (let i = 0; i < naddr; i++) {
      const ip = Buffer.from([198, 18, Math.floor(i / 250), (i % 250) + 1]);
      await sock.newAddress({ family: AF_INET, prefixlen: 32, index: d0 }, { local: ip, address: ip }, create);
    }
    ms = msSince(t0);
    result(IMPL, 'w4_addr_add', naddr, ms, (ms * 1000) / naddr, cpuMs(c0));
    times.length = 0;
    c0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) {
      const t = process.hrtime.bigint();
      const addrs = await sock.getAddresses({ family: AF_INET });
      count = addrs.filter((a) => a.data.index! > 0 && a.attrs.local !== undefined).length;
      times.push(msSince(t));
    }
    cpu = cpuMs(c0);
    if (count !== naddr) throw new Error(`w4: expected ${naddr} addresses, got ${count}`);
    mm = medianMin(times);
    result(IMPL, 'w4_addr_dump', count, mm.median, mm.median * 1000, { user: cpu.user / reps, sys: cpu.sys / reps }, { reps, min_ms: mm.min, maxrss_kb: maxRssKb() });
    await sock.delLink({}, { ifname: 'd0' });
  } finally {
    sock.socket.close();
    ns2.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
