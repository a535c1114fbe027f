// List links as JSON, like `ip -j link show` (add --details for `ip -j -d`).
// Usage: node dist/examples/list-links.js [--details] [--netns PATH]
import { Rtnl, Netns, type Link } from '../src/index.js';

const args = process.argv.slice(2);
const details = args.includes('--details');
const nsPath = args.includes('--netns') ? args[args.indexOf('--netns') + 1] : undefined;

const ns = nsPath ? Netns.fromPath(nsPath) : undefined;
try {
  using rt = Rtnl.open(ns ? { netns: ns } : {});
  const links = await rt.link.list();
  const names = new Map(links.map((l) => [l.index, l.name]));
  const out = links.map((l: Link) => {
    const o: Record<string, unknown> = {
      ifindex: l.index,
      ...(l.link !== undefined && l.netnsId === undefined ? { link: names.get(l.link) } : {}),
      ifname: l.name,
      flags: l.flags,
      mtu: l.mtu,
      qdisc: l.qdisc,
      ...(l.master !== undefined ? { master: names.get(l.master) } : {}),
      operstate: l.operstate,
      linkmode: l.linkmode,
      group: l.group === 0 ? 'default' : l.group,
      txqlen: l.txqlen,
      link_type: l.linkType,
      address: l.address,
      broadcast: l.broadcast,
      ...(l.netnsId !== undefined ? { link_netnsid: l.netnsId } : {}),
    };
    if (details && l.linkinfo) o['linkinfo'] = l.linkinfo;
    return o;
  });
  console.log(JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
} finally {
  ns?.close();
}
