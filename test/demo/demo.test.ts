// `npm run demo` is the main job: run it for real and check what it printed.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { privileged } from '../helpers.js';

const demo = fileURLToPath(new URL('../../demo/main.js', import.meta.url));

t.test('the demo runs the seed flow end to end and leaves nothing behind', privileged, async (t) => {
  const r = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NLKIT_DEMO_SANDBOX: '' } });
  t.equal(r.status, 0, `exit 0 (stderr: ${r.stderr})`);
  const out = r.stdout;
  t.match(out, /container\s+eth0\s+ifindex \d+\s+mac 00:15:5d:1a:1f:1c/, 'container end with the fixed MAC');
  t.match(out, /host\s+veth[0-9a-f]{8}\s+ifindex \d+/, 'host end with a random name');
  t.match(out, /container\s+eth0\s+10\.200\.0\.2\/24\s+mtu 1500\s+UP/, 'container address, MTU, up');
  t.match(out, /container route: default via 10\.200\.0\.1 dev eth0/, 'default route in the container');
  t.match(out, /echoed 204800 bytes in 200 round trips: median RTT [\d.]+ µs/, 'real traffic crossed the pair');
  const cni = JSON.parse(out.slice(out.indexOf('{', out.indexOf('CNI 1.1 result')), out.indexOf('▸ Cleaning up')));
  t.equal(cni.cniVersion, '1.1.0');
  t.equal(cni.interfaces.length, 2);
  t.equal(cni.interfaces[0].sandbox, undefined, 'host interface has no sandbox');
  t.equal(cni.interfaces[1].sandbox, '/run/netns/nlkit-demo', 'container interface sandbox is its netns path');
  t.match(out, /removed veth pair eth0\/veth[0-9a-f]{8}/);
  t.match(out, /removed named netns nlkit-demo/);
});

t.test('without root the demo says it needs root and why, and exits non-zero', async (t) => {
  const which = spawnSync('setpriv', ['--version']);
  if (which.error) {
    t.comment('setpriv not installed: cannot drop privileges here');
    return;
  }
  const args = process.getuid?.() === 0
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, demo]] as const
    : [process.execPath, [demo]] as const;
  const r = spawnSync(args[0], [...args[1]], { encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 1, 'exit code 1');
  t.match(r.stderr, /needs root/);
  t.match(r.stderr, /CAP_NET_ADMIN/);
  t.match(r.stderr, /never touches this machine's network/);
});
