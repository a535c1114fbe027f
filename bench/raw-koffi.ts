// The Node floor: W4 adds and W1 creates as hand-built netlink bytes sent with koffi
// `send` + `recv` (nlkit's thin syscall bindings, src/netlink/sys.ts, and nothing else of
// nlkit) from a fresh Node process, one request and its ACK at a time — exactly the
// bytes and the loop of C libmnl seq (../shared/peers/c/bench_mnl.c --mode=seq
// --up=inline). What no Node library can beat on this machine: nlkit's W1 and W4 rows
// divided by these rows is nlkit's own cost, the rest of the gap to C is the runtime
// (a Node process, its JIT warm-up, GC and memory behaviour).
//
//   unshare -n node dist/bench/raw-koffi.js --n N --naddr A     (started by `npm run bench`)
//   unshare -n node dist/bench/raw-koffi.js --work setupveth|peerup --n N
//
// --work setupveth: setupVeth's requests as bench/c/setupveth_mnl.c --sockets=per-pair sends
// them (per pair: a socket opened in netns 2 by setns there and back, the create with each end
// born in its netns, the peer up, a GETLINK of the peer, the socket closed); --work peerup:
// setupveth_mnl --readback=none (the create and the peer up from one socket kept in netns 2).
// Both report op w1_create per pair, as setupveth_mnl does: the Node floor of the setupVeth rows.
//
// Order, so each workload finds the netns the C peer's does: W4 first (lo + d0/d0p; the C
// peer runs W4 after deleting its pairs), d0 deleted, then W1 (lo only). The W1 pairs are
// put in one group and deleted with one request afterwards (not timed) so the netns
// teardown does not unregister 2N devices while the next program of the round runs.
import { pathToFileURL } from 'node:url';
import * as sys from '../src/netlink/sys.js';
import { parseArgs, intOpt, cpuMs, maxRssKb, result, msSince, assertNotHostNetns, tlv, strz, u32le } from './common.js';
import { nlmsg, ifinfomsg, w1CreateBody, secondNetns } from './raw.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0x80000;
const NETLINK_ROUTE = 0;
const MSG_DONTWAIT = 0x40;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const NLM_F_DUMP = 0x300;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const IFLA_IFNAME = 3;
const IFLA_LINKINFO = 18;
const IFLA_GROUP = 27;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const VETH_INFO_PEER = 1;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFF_UP = 1;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const SOL_NETLINK = 270;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
const NETLINK_GET_STRICT_CHK = 12;
const IFLA_ADDRESS = 1;
const IFLA_MTU = 4;
const IFLA_LINK = 5;
const IFLA_NET_NS_FD = 28;
/** The group the W1 pairs are moved to for the untimed cleanup. */
const CLEANUP_GROUP = 76;

/** One NETLINK_ROUTE socket, requests sent from prebuilt buffers, ACKs read into one buffer. */
class Raw {
  readonly fd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  readonly rbuf: Buffer<ArrayBuffer>;
  /** `opts`: NETLINK_EXT_ACK, NETLINK_CAP_ACK and NETLINK_GET_STRICT_CHK set, and the port id read back, as setupveth_mnl's sock_open (and nlkit's Rtnl.open) do. */
  constructor(rbuf: Buffer<ArrayBuffer> = Buffer.allocUnsafeSlow(65536), opts = false) {
    this.rbuf = rbuf;
    if (opts) {
      sys.setsockoptInt(this.fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      sys.setsockoptInt(this.fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
      sys.setsockoptInt(this.fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
    }
    SOCKADDR.fill(0);
    SOCKADDR.writeUInt16LE(AF_NETLINK, 0);
    sys.bind(this.fd, SOCKADDR);
    if (opts) sys.getsockname(this.fd, SOCKADDR);
  }
  /** Send one request and read its ACK (queued by the time send returns, as C seq counts); throws on a refusal. */
  exchange(req: Buffer, what: string): void {
    if (sys.send(this.fd, req, req.length, 0) !== req.length) throw new Error(`raw-koffi: send of ${what} failed`);
    let n = sys.recv(this.fd, this.rbuf, MSG_DONTWAIT);
    if (n < 0) n = sys.recv(this.fd, this.rbuf, 0); // as setupveth_mnl: block if not queued yet
    if (n < 20 || this.rbuf.readUInt16LE(4) !== NLMSG_ERROR) throw new Error(`raw-koffi: no ACK for ${what} (recv ${n})`);
    const err = this.rbuf.readInt32LE(16);
    if (err !== 0) throw new Error(`raw-koffi: ${what} refused: errno ${-err}`);
  }
  /** The ifindex of `name` (one RTM_GETLINK, untimed setup). */
  index(name: string): number {
    const req = nlmsg(RTM_GETLINK, NLM_F_REQUEST, 1, Buffer.concat([ifinfomsg(0), tlv(IFLA_IFNAME, strz(name))]));
    sys.send(this.fd, req, req.length, 0);
    const n = sys.recv(this.fd, this.rbuf, 0);
    if (n < 36 || this.rbuf.readUInt16LE(4) !== RTM_NEWLINK) throw new Error(`raw-koffi: no link ${name}`);
    return this.rbuf.readInt32LE(20);
  }
  /** Links in this netns (one dump, untimed check that the netns is fresh). */
  countLinks(): number {
    const req = nlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 2, ifinfomsg(0));
    sys.send(this.fd, req, req.length, 0);
    let count = 0;
    for (;;) {
      const n = sys.recv(this.fd, this.rbuf, 0);
      for (let off = 0; off + 16 <= n;) {
        const len = this.rbuf.readUInt32LE(off);
        const type = this.rbuf.readUInt16LE(off + 4);
        if (type === NLMSG_DONE) return count;
        if (type === NLMSG_ERROR) throw new Error('raw-koffi: link dump refused');
        if (type === RTM_NEWLINK) count++;
        off += (len + 3) & ~3;
      }
    }
  }
  close(): void {
    sys.close(this.fd);
  }
}

/** The sockaddr_nl of every bind and getsockname here. */
const SOCKADDR = Buffer.alloc(12);

const IMPL = 'node-raw-koffi';

/**
 * setupVeth's requests, as bench/c/setupveth_mnl.c sends them (its default --path=host):
 * c<i> here (up, MTU 1500, MAC 02:00:00:00:hi:lo), h<i> born in netns 2 (MTU 1500), then h<i>
 * set up from a socket in netns 2, then (with `readback`) h<i> read back there by GETLINK
 * (index, MAC and IFLA_LINK checked). `perPair`: that socket opened for each pair (setns to
 * netns 2 and back around socket + bind) and closed after it, as setupVeth's default path
 * opens a handle per call. The request bytes are built before the clock starts.
 */
function setupVethRaw(n: number, perPair: boolean, readback: boolean): void {
  const here = new Raw(undefined, true);
  if (here.countLinks() !== 1) throw new Error('raw-koffi bench: the namespace is not fresh; refusing');
  const orig = sys.open('/proc/thread-self/ns/net', sys.O_RDONLY | sys.O_CLOEXEC);
  const ns2 = secondNetns();
  const rbuf = here.rbuf;
  const inNs2 = (): Raw => {
    sys.setns(ns2, sys.CLONE_NEWNET);
    try {
      return new Raw(rbuf, true);
    } finally {
      sys.setns(orig, sys.CLONE_NEWNET);
    }
  };
  const creates: Buffer[] = [];
  const ups: Buffer[] = [];
  const gets: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const mac = Buffer.from([2, 0, 0, 0, (i >> 8) & 255, i & 255]);
    const peer = tlv(VETH_INFO_PEER, Buffer.concat([ifinfomsg(0), tlv(IFLA_IFNAME, strz(`h${i}`)), tlv(IFLA_MTU, u32le(1500)), tlv(IFLA_NET_NS_FD, u32le(ns2))]));
    creates.push(nlmsg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 3 * i + 10, Buffer.concat([
      ifinfomsg(IFF_UP), tlv(IFLA_IFNAME, strz(`c${i}`)), tlv(IFLA_MTU, u32le(1500)), tlv(IFLA_ADDRESS, mac), tlv(IFLA_NET_NS_FD, u32le(orig)),
      tlv(IFLA_LINKINFO, Buffer.concat([tlv(IFLA_INFO_KIND, strz('veth')), tlv(IFLA_INFO_DATA, peer)])),
    ])));
    ups.push(nlmsg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 3 * i + 11, Buffer.concat([ifinfomsg(IFF_UP), tlv(IFLA_IFNAME, strz(`h${i}`))])));
    gets.push(nlmsg(RTM_GETLINK, NLM_F_REQUEST, 3 * i + 12, Buffer.concat([ifinfomsg(0), tlv(IFLA_IFNAME, strz(`h${i}`))])));
  }
  let hst = perPair ? undefined : inNs2();
  // Time per step, as setupveth_mnl reports it: the socket's opening counts with the create.
  let tCreate = 0n;
  let tUp = 0n;
  let tGet = 0n;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    if (perPair) hst = inNs2();
    hst!.exchange(creates[i]!, 'create');
    const b = process.hrtime.bigint();
    hst!.exchange(ups[i]!, 'peer up');
    const d = process.hrtime.bigint();
    tCreate += b - a;
    tUp += d - b;
    if (readback) {
      const req = gets[i]!;
      if (sys.send(hst!.fd, req, req.length, 0) !== req.length) throw new Error('raw-koffi: send of GETLINK failed');
      let got = sys.recv(hst!.fd, rbuf, MSG_DONTWAIT);
      if (got < 0) got = sys.recv(hst!.fd, rbuf, 0);
      if (got < 32 || rbuf.readUInt16LE(4) !== RTM_NEWLINK) throw new Error(`raw-koffi: no link h${i} (recv ${got})`);
      // setupveth_mnl's link_cb: index, then IFLA_IFNAME, IFLA_LINK and a 6-byte IFLA_ADDRESS.
      const index = rbuf.readInt32LE(20);
      let link = 0;
      let mac = false;
      const end = Math.min(got, rbuf.readUInt32LE(0));
      for (let off = 32; off + 4 <= end;) {
        const alen = rbuf.readUInt16LE(off);
        if (alen < 4) break;
        const type = rbuf.readUInt16LE(off + 2) & 0x3fff;
        if (type === IFLA_LINK) link = rbuf.readUInt32LE(off + 4);
        else if (type === IFLA_ADDRESS && alen === 10) mac = true;
        else if (type === IFLA_IFNAME && rbuf.toString('latin1', off + 4, off + alen - 1) !== `h${i}`) throw new Error(`raw-koffi: read back a link other than h${i}`);
        off += (alen + 3) & ~3;
      }
      if (index <= 0 || link <= 0 || !mac) throw new Error(`raw-koffi: bad read-back of h${i}`);
    }
    if (perPair) hst!.close();
    tGet += process.hrtime.bigint() - d;
  }
  const ms = msSince(t0);
  const cpu = cpuMs(c0);
  const rss = maxRssKb();
  if (!perPair) hst!.close();
  // Untimed cleanup, as setupveth_mnl's: every c<i> into one group, one DELLINK of the group.
  for (let i = 0; i < n; i++) {
    here.exchange(nlmsg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 200_000 + i, Buffer.concat([ifinfomsg(0), tlv(IFLA_IFNAME, strz(`c${i}`)), tlv(IFLA_GROUP, u32le(CLEANUP_GROUP))])), 'set group');
  }
  here.exchange(nlmsg(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 5, Buffer.concat([ifinfomsg(0), tlv(IFLA_GROUP, u32le(CLEANUP_GROUP))])), 'delete group');
  sys.close(ns2);
  sys.close(orig);
  here.close();
  result(perPair ? 'node-raw-koffi-setupveth' : 'node-raw-koffi-peerup', 'w1_create', n, ms, (ms * 1000) / n, cpu, {
    api: 'setupveth', sockets: perPair ? 'per-pair' : 'kept', requests: n * (readback ? 3 : 2), readback: readback ? 'getlink' : 'none',
    create_us: +(Number(tCreate) / 1e3 / n).toFixed(1), peer_up_us: +(Number(tUp) / 1e3 / n).toFixed(1), getlink_us: +(Number(tGet) / 1e3 / n).toFixed(1), maxrss_kb: rss,
  });
}

function main(argv: string[]): void {
  const { opts } = parseArgs(argv);
  const n = intOpt(opts, 'n', 1000);
  const naddr = intOpt(opts, 'naddr', 1000);
  assertNotHostNetns('raw-koffi bench');
  const work = opts.get('work') ?? 'w4,w1';
  if (work === 'setupveth' || work === 'peerup') return setupVethRaw(n, work === 'setupveth', work === 'setupveth');
  if (work !== 'w4,w1') throw new Error(`raw-koffi: --work ${work}: not setupveth, peerup or w4,w1`);
  const raw = new Raw();
  if (raw.countLinks() !== 1) throw new Error('raw-koffi bench: the namespace is not fresh; refusing');
  const ns2 = secondNetns();

  // W4: d0/d0p (d0 up), then `naddr` /32s in 198.18.0.0/15 added one by one to d0.
  raw.exchange(nlmsg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 3, Buffer.concat([
    ifinfomsg(IFF_UP), tlv(IFLA_IFNAME, strz('d0')),
    tlv(IFLA_LINKINFO, Buffer.concat([tlv(IFLA_INFO_KIND, strz('veth')), tlv(IFLA_INFO_DATA, tlv(VETH_INFO_PEER, Buffer.concat([ifinfomsg(0), tlv(IFLA_IFNAME, strz('d0p'))])))])),
  ])), 'create d0');
  const d0 = raw.index('d0');
  const addrReqs: Buffer[] = [];
  for (let i = 0; i < naddr; i++) {
    const ip = Buffer.from([198, 18, Math.floor(i / 250), (i % 250) + 1]);
    const ifa = Buffer.alloc(8);
    ifa[0] = 2; // AF_INET
    ifa[1] = 32;
    ifa.writeUInt32LE(d0, 4);
    addrReqs.push(nlmsg(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1000 + i, Buffer.concat([ifa, tlv(IFA_LOCAL, ip), tlv(IFA_ADDRESS, ip)])));
  }
  let c0 = process.cpuUsage();
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < naddr; i++) raw.exchange(addrReqs[i]!, 'RTM_NEWADDR');
  let ms = msSince(t0);
  result(IMPL, 'w4_addr_add', naddr, ms, (ms * 1000) / naddr, cpuMs(c0), { requests: naddr, maxrss_kb: maxRssKb() });
  raw.exchange(nlmsg(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 4, Buffer.concat([ifinfomsg(0, d0)])), 'delete d0');

  // W1: a<i> up here, b<i> born in netns 2 (IFLA_NET_NS_FD in VETH_INFO_PEER): C seq's bytes.
  const linkReqs: Buffer[] = [];
  for (let i = 0; i < n; i++) linkReqs.push(nlmsg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 100_000 + i, w1CreateBody(`a${i}`, `b${i}`, ns2)));
  c0 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) raw.exchange(linkReqs[i]!, 'RTM_NEWLINK');
  ms = msSince(t0);
  const cpu = cpuMs(c0);
  const rss = maxRssKb();
  // Untimed cleanup: every a<i> into one group, then one DELLINK of the group (takes the peers too).
  for (let i = 0; i < n; i++) {
    raw.exchange(nlmsg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 200_000 + i, Buffer.concat([ifinfomsg(0), tlv(IFLA_IFNAME, strz(`a${i}`)), tlv(IFLA_GROUP, u32le(CLEANUP_GROUP))])), 'set group');
  }
  raw.exchange(nlmsg(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 5, Buffer.concat([ifinfomsg(0), tlv(IFLA_GROUP, u32le(CLEANUP_GROUP))])), 'delete group');
  sys.close(ns2);
  raw.close();
  result(IMPL, 'w1_create', n, ms, (ms * 1000) / n, cpu, { requests: n, up_inline: 1, maxrss_kb: rss });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
