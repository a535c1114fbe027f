// Worker threads that live inside a network namespace (real kernel).
import t from 'tap';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Netns, netnsWorker } from '../../src/ns/index.js';
import { ClosedError } from '../../src/netlink/errors.js';
import { withThreadNetns } from '../../src/netlink/netns-switch.js';
import { privileged } from '../helpers.js';
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
