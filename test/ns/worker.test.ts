// Worker threads that live inside a network namespace (real kernel).
import t from 'tap';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Netns, netnsWorker } from '../../src/ns/index.js';
import { MessageChannel, type WorkerOptions } from 'node:worker_threads';
import { ClosedError, InvalidArgumentError } from '../../src/netlink/errors.js';
import { withThreadNetns } from '../../src/netlink/netns-switch.js';
import { fdCount, privileged } from '../helpers.js';
import { threadIno } from './util.js';

// The worker reports its thread's netns inode, then listens on a TCP port and reports it.
const CODE = `
const { parentPort } = require('node:worker_threads');
const { statSync } = require('node:fs');
const net = require('node:net');
const first = statSync('/proc/thread-self/ns/net').ino;
setTimeout(() => {
  const later = statSync('/proc/thread-self/ns/net').ino;
  const server = net.createServer().listen(0, () => {
    parentPort.postMessage({ first, later, port: server.address().port });
    parentPort.once('message', () => server.close());
  });
}, 20);
`;

function tcpListening(fd: number, port: number): boolean {
  return withThreadNetns(fd, () => ['tcp', 'tcp6'].some((f) => {
    let text = '';
    try {
      text = readFileSync(`/proc/thread-self/net/${f}`, 'utf8');
    } catch {
      return false;
    }
    return text.split('\n').slice(1).some((l) => {
      const c = l.trim().split(/\s+/);
      return c[3] === '0A' && parseInt(c[1]!.split(':').pop()!, 16) === port;
    });
  }));
}

t.test('netnsWorker runs a worker wholly inside the netns; the main thread stays home', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  const w = netnsWorker(ns, CODE, { eval: true });
  t.equal(threadIno(), home.ino, 'main thread home right after');
  const [msg] = (await once(w, 'message')) as [{ first: number; later: number; port: number }];
  t.equal(msg.first, ns.ino, 'worker thread born in ns');
  t.equal(msg.later, ns.ino, 'and still there after its event loop ran');
  t.ok(tcpListening(ns.fd, msg.port), 'its server listens in ns');
  t.notOk(tcpListening(home.fd, msg.port), 'not at home');
  w.postMessage('stop');
  await once(w, 'exit');
  t.equal(threadIno(), home.ino);
});

t.test('netnsWorker restores the main thread when Worker construction throws; closed ns refused', privileged, async (t) => {
  const home = threadIno();
  const ns = Netns.new();
  t.teardown(() => ns.close());
  t.throws(() => netnsWorker(ns, '/nonexistent/relative-or-missing.js', { eval: false, execArgv: ['--not-a-real-flag-xyz'] }));
  t.equal(threadIno(), home);
  const closed = Netns.new();
  closed.close();
  t.throws(() => netnsWorker(closed, CODE, { eval: true }), ClosedError);
  t.equal(threadIno(), home);
});

t.test('netnsWorker refuses unknown option keys (and a non-object options) before any switch, naming the key', privileged, async (t) => {
  const home = threadIno();
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const fds = fdCount();
  // Node's Worker ignores unknown keys: `evl` ran CODE as a file name, `workerdata` was lost.
  for (const [options, argument] of [
    [{ eval: true, evl: true }, 'options.evl'],
    [{ eval: true, workerdata: 1 }, 'options.workerdata'],
    [{ eval: true, netns: ns }, 'options.netns'],
    [null, 'options'],
    ['eval', 'options'],
    [[], 'options'],
  ] as [unknown, string][]) {
    let e: unknown;
    try {
      void netnsWorker(ns, CODE, options as WorkerOptions).terminate(); // made: stop it, the test fails below
    } catch (x) {
      e = x;
    }
    t.ok(e instanceof InvalidArgumentError, `${argument}: refused with an InvalidArgumentError (${String(e)})`);
    if (!(e instanceof InvalidArgumentError)) continue;
    t.equal(e.argument, argument);
    if (argument !== 'options') t.match(e.message, /unknown option .*known: argv, env, eval/);
  }
  t.equal(threadIno(), home);
  t.equal(fdCount(), fds, 'nothing opened');
});

t.test('netnsWorker passes every documented Worker option on', privileged, async (t) => {
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const { port1, port2 } = new MessageChannel();
  t.teardown(() => port1.close());
  const code = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
workerData.port.postMessage({ argv: process.argv.slice(2), env: process.env.NLKIT_W, data: workerData.n,
  flags: process.execArgv, ino: statSync('/proc/thread-self/ns/net').ino });
workerData.port.close();
`;
  const w = netnsWorker(ns, code, {
    argv: ['a1'], env: { NLKIT_W: 'yes' }, eval: true, execArgv: ['--no-warnings'], name: 'nlkit-w',
    resourceLimits: { maxOldGenerationSizeMb: 64 }, stderr: false, stdin: false, stdout: false,
    trackUnmanagedFds: true, transferList: [port2], workerData: { n: 7, port: port2 },
  });
  const [msg] = (await once(port1, 'message')) as [{ argv: string[]; env: string; data: number; flags: string[]; ino: number }];
  t.same(msg, { argv: ['a1'], env: 'yes', data: 7, flags: ['--no-warnings'], ino: ns.ino }, 'argv, env, workerData, execArgv and transferList reached the worker in ns');
  await once(w, 'exit');
});

t.test('inside a netnsWorker, Netns.get() and /proc/thread-self are the worker\'s netns; /proc/self and /proc/net the main thread\'s (as the docs say)', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  const url = new URL('../../src/ns/index.js', import.meta.url).href;
  const w = netnsWorker(ns, `
    const { parentPort } = require('node:worker_threads');
    const { statSync } = require('node:fs');
    import(${JSON.stringify(url)}).then(({ Netns }) => {
      const g = Netns.get();
      parentPort.postMessage({ get: g.ino, thread: statSync('/proc/thread-self/ns/net').ino, self: statSync('/proc/self/ns/net').ino, procNet: statSync('/proc/net').ino === statSync('/proc/self/net').ino });
      g.close();
    });`, { eval: true });
  const [m] = await once(w, 'message') as [{ get: number; thread: number; self: number; procNet: boolean }];
  await w.terminate();
  t.equal(m.get, ns.ino, 'Netns.get() in the worker: ns');
  t.equal(m.thread, ns.ino, '/proc/thread-self/ns/net: ns');
  t.equal(m.self, home.ino, '/proc/self/ns/net: the main thread\'s');
  t.ok(m.procNet, '/proc/net is /proc/self/net');
});
