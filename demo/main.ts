// `npm run demo`: the seed's example flow, for real, inside a throwaway namespace.
//
// 1. Re-enters itself under `unshare --net --mount` so the machine's real network
//    and /run/netns are never touched; that fresh netns plays the "host".
// 2. Creates a named "container" netns (like `ip netns add`), a veth pair with
//    setupVeth (fixed container MAC and MTU), addresses on both ends and a default
//    route in the container.
// 3. Starts a TCP echo server inside the container netns (through execNetns) and a
//    client on the host side, sends real traffic across the pair and measures it.
// 4. Prints both ends, addresses, routes, counters, round-trip times and the CNI
//    result JSON; removes everything at the end, also on Ctrl-C or an error.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  Netns, Rtnl, execNetns, setupVeth, teardownVeth, MacAddr, type Veth,
} from '../src/index.js';

const SANDBOX_ENV = 'NLKIT_DEMO_SANDBOX';
const CONTAINER_NS = 'nlkit-demo';
const HOST_ADDR = '10.200.0.1';
const CTR_ADDR = '10.200.0.2';
const PREFIX = 24;
const MTU = 1500;
const CTR_MAC = '00:15:5d:1a:1f:1c';
const PORT = 7007;

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`\n${bold('▸ ' + s)}`);

function needRoot(): never {
  console.error(
    'nlkit demo: this needs root (CAP_SYS_ADMIN to create network and mount namespaces,\n' +
    'CAP_NET_ADMIN to create links, addresses and routes). It runs inside a throwaway\n' +
    'namespace of its own and never touches this machine\'s network. Run:  sudo npm run demo',
  );
  process.exit(1);
}

/** This process's network and mount namespaces, as 'net:[N] mnt:[M]'. */
function nsIds(): string {
  return `${readlinkSync('/proc/self/ns/net')} ${readlinkSync('/proc/self/ns/mnt')}`;
}

function enterSandbox(): never {
  const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', '--', process.execPath, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    // The namespaces being left: the child checks it is in others before touching anything.
    env: { ...process.env, [SANDBOX_ENV]: nsIds() },
  });
  if (r.error) {
    console.error(`nlkit demo: cannot run unshare(1): ${r.error.message}`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) needRoot();
  if (!process.env[SANDBOX_ENV]) enterSandbox();

  // NLKIT_DEMO_SANDBOX is set by enterSandbox() for its unshare'd child: make sure that is
  // where we are before mounting over /run or making any link.
  const [leftNet, leftMnt] = process.env[SANDBOX_ENV]!.split(' ');
  const [ownNet, ownMnt] = nsIds().split(' ');
  if (!leftNet || !leftMnt || leftNet === ownNet || leftMnt === ownMnt) {
    console.error(`nlkit demo: ${SANDBOX_ENV} is set, but this process is not in a network and mount namespace of its own; refusing to run (unset it)`);
    process.exit(1);
  }
  // Inside the throwaway namespace: a private /run so named netns live only here.
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'nlkit-demo', '/run'], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    console.error(`nlkit demo: could not mount a private /run in the sandbox: ${(mounted.stderr ?? mounted.error?.message ?? '').trim()}`);
    process.exit(1);
  }
  mkdirSync('/run/netns', { recursive: true });

  const cleanups: Array<[string, () => Promise<void> | void]> = [];
  let cleaning = false;
  const cleanup = async (): Promise<void> => {
    if (cleaning) return;
    cleaning = true;
    step('Cleaning up');
    for (const [what, fn] of cleanups.reverse()) {
      try {
        await fn();
        console.log(`  removed ${what}`);
      } catch (e) {
        console.log(`  could not remove ${what}: ${(e as Error).message}`);
      }
    }
  };
  const onSignal = (sig: NodeJS.Signals) => {
    console.log(`\n${sig}: stopping`);
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    step('Namespaces');
    const host = Netns.get();
    cleanups.push(['host netns handle', () => host.close()]);
    const ctr = Netns.newNamed(CONTAINER_NS);
    cleanups.push([`named netns ${CONTAINER_NS} (ip netns del)`, () => {
      ctr.close();
      Netns.deleteNamed(CONTAINER_NS);
    }]);
    console.log(`  host       ${host.path}  id ${host.id}`);
    console.log(`  container  ${ctr.path}  id ${ctr.id}  (visible to \`ip netns list\`: ${Netns.listNamed().join(', ')})`);

    step(`setupVeth('eth0', '', ${MTU}, MacAddr.parse('${CTR_MAC}'), host, container)`);
    const t0 = performance.now();
    const veth: Veth = await setupVeth('eth0', '', MTU, MacAddr.parse(CTR_MAC), host, ctr);
    const setupMs = performance.now() - t0;
    cleanups.push([`veth pair ${veth.container.name}/${veth.host.name}`, async () => {
      await teardownVeth(veth.container.name, ctr);
    }]);
    for (const [label, end] of [['container', veth.container], ['host', veth.host]] as const) {
      console.log(`  ${label.padEnd(9)}  ${end.name.padEnd(12)} ifindex ${String(end.index).padEnd(3)} mac ${end.mac}  netns ${end.netns.path}`);
    }
    console.log(`  created in ${setupMs.toFixed(2)} ms (one RTM_NEWLINK with the peer born in the host netns, then the host end set up)`);

    step('Addresses and routes');
    using hrt = Rtnl.open({ netns: host });
    using crt = Rtnl.open({ netns: ctr });
    await crt.link.set('lo', { up: true });
    await hrt.addr.add(veth.host.name, `${HOST_ADDR}/${PREFIX}`);
    await crt.addr.add(veth.container.name, `${CTR_ADDR}/${PREFIX}`);
    await crt.route.add({ dst: 'default', gateway: HOST_ADDR, dev: veth.container.name });
    for (const [label, rt, link] of [['host', hrt, veth.host.name], ['container', crt, veth.container.name]] as const) {
      const addrs = await rt.addr.list({ link, family: 4 });
      const l = await rt.link.get(link);
      console.log(`  ${label.padEnd(9)}  ${link.padEnd(12)} ${addrs.map((a) => `${a.address}/${a.prefixLen}`).join(', ')}  mtu ${l.mtu}  ${l.operstate}`);
    }
    const ctrNames = new Map((await crt.link.list()).map((l) => [l.index, l.name]));
    for (const r of await crt.route.list({ family: 4 })) {
      const dev = r.dev !== undefined ? ` dev ${ctrNames.get(r.dev) ?? r.dev}` : '';
      console.log(`  container route: ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${dev} scope ${r.scope}`);
    }

    step(`TCP echo server inside the container netns, port ${PORT} (execNetns)`);
    const server = await execNetns(host, ctr, () => {
      // listen() without a host binds synchronously, so the socket is made in `ctr`.
      const s = net.createServer((sock) => sock.pipe(sock));
      s.listen(PORT);
      return new Promise<net.Server>((resolve, reject) => {
        s.once('listening', () => resolve(s));
        s.once('error', reject);
      });
    });
    cleanups.push(['echo server', () => new Promise<void>((r) => server.close(() => r()))]);
    console.log(`  listening on ${CTR_ADDR}:${PORT} inside ${CONTAINER_NS}`);

    step(`Client on the host side → ${CTR_ADDR}:${PORT}`);
    const before = (await hrt.link.get(veth.host.name)).stats64;
    const { rtts, bytes } = await echo(CTR_ADDR, PORT, 200, 1024);
    const after = (await hrt.link.get(veth.host.name)).stats64;
    rtts.sort((a, b) => a - b);
    const med = rtts[Math.floor(rtts.length / 2)]!;
    const p99 = rtts[Math.floor(rtts.length * 0.99)]!;
    console.log(`  echoed ${bytes} bytes in ${rtts.length} round trips: median RTT ${(med * 1000).toFixed(1)} µs, p99 ${(p99 * 1000).toFixed(1)} µs`);
    console.log(`  host end counters: tx +${after!.txBytes! - before!.txBytes!} bytes / +${after!.txPackets! - before!.txPackets!} packets, rx +${after!.rxBytes! - before!.rxBytes!} bytes`);

    step('CNI 1.1 result for this attachment');
    const result = {
      cniVersion: '1.1.0',
      interfaces: veth.toCniInterfaces(),
      ips: [{ address: `${CTR_ADDR}/${PREFIX}`, gateway: HOST_ADDR, interface: 1 }],
      routes: [{ dst: '0.0.0.0/0', gw: HOST_ADDR }],
      dns: {},
    };
    console.log(JSON.stringify(result, null, 2).replace(/^/gm, '  '));
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  console.log(`\n${bold('Done.')} Everything ran in a throwaway namespace; nothing was left behind.`);
}

/** Send `rounds` messages of `size` bytes and wait for each echo; returns RTTs in ms. */
function echo(host: string, port: number, rounds: number, size: number): Promise<{ rtts: number[]; bytes: number }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const payload = Buffer.alloc(size, 0x61);
    const rtts: number[] = [];
    let got = 0;
    let t = 0;
    let bytes = 0;
    sock.setNoDelay(true);
    sock.on('error', reject);
    sock.on('connect', () => {
      t = performance.now();
      sock.write(payload);
    });
    sock.on('data', (d) => {
      got += d.length;
      bytes += d.length;
      if (got < size) return;
      got -= size;
      rtts.push(performance.now() - t);
      if (rtts.length === rounds) {
        sock.end();
        resolve({ rtts, bytes });
        return;
      }
      t = performance.now();
      sock.write(payload);
    });
  });
}

main().catch((e) => {
  console.error(`\nnlkit demo failed: ${(e as Error)?.stack ?? e}`);
  process.exitCode = 1;
});
