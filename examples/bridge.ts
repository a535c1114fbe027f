// Create a bridge with three ports (veth pairs whose far ends live in their own
// netns, like three containers on a host bridge), show it, then remove it all.
// Runs in a fresh netns of its own, so it never touches the host's links.
// Usage: node dist/examples/bridge.js   (as root)
import { Netns, Rtnl, setupVeth, MacAddr, isPortOf } from '../src/index.js';

using host = Netns.new();
using rt = Rtnl.open({ netns: host });
await rt.link.add({ kind: 'bridge', name: 'br0', up: true, data: { stpState: 0 } });

const containers: Netns[] = [];
try {
  for (let i = 0; i < 3; i++) {
    const ctr = Netns.new();
    containers.push(ctr);
    const v = await setupVeth('eth0', `port${i}`, 1500, MacAddr.random(), host, ctr);
    await rt.link.set(v.host.name, { master: 'br0', bridgePort: { learning: true, cost: 10 + i } });
  }
  const ports = await rt.link.list({ master: 'br0' });
  console.log(JSON.stringify({
    bridge: 'br0',
    ports: ports.filter((p) => isPortOf(p, 'bridge')).map((p) => ({ name: p.name, ifindex: p.index, cost: p.linkinfo.slaveData?.cost, state: p.linkinfo.slaveData?.state })),
  }));
  await rt.link.del('br0');
  console.log(JSON.stringify({ remaining: (await rt.link.list()).map((l) => l.name) }));
} finally {
  for (const c of containers) c.close();
}
