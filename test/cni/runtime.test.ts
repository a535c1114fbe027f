// runPlugin in-process with an injected environment, stdin and stdout: the protocol
// (VERSION, the variables each command needs, the order of checks, error objects,
// exit codes, nothing but JSON on stdout), without the kernel.
import t from 'tap';
import { Readable } from 'node:stream';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { runPlugin, parseJsonSafe, CniError, SUPPORTED_VERSIONS, type PluginHandlers, type PluginContext, type CniResult } from '../../src/cni/index.js';

const conf = { cniVersion: '1.0.0', name: 'net', type: 'fake', ipam: { type: 'host-local' } };
const baseEnv = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin::/usr/lib/cni', CNI_ARGS: 'A=1;B=2' };

async function run(handlers: Partial<PluginHandlers>, env: Record<string, string | undefined>, stdin: string | Buffer | AsyncIterable<Buffer> = JSON.stringify(conf), maxStdinBytes?: number) {
  const out: string[] = [];
  const err: string[] = [];
  const h: PluginHandlers = {
    add: async () => ({ cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24', interface: 0 }], interfaces: [{ name: 'eth0', mtu: 9000 }] }),
    del: async () => undefined,
    ...handlers,
  };
  const code = await runPlugin(h, { env, stdin, stdout: (s) => out.push(s), stderr: (s) => err.push(s), ...(maxStdinBytes ? { maxStdinBytes } : {}) });
  const stdout = out.join('');
  return { code, stdout, stderr: err.join(''), json: stdout ? JSON.parse(stdout) : undefined, writes: out.length };
}

t.test('ADD: the handler sees the checked parameters; the result is printed in the configuration\'s version', async (t) => {
  let seen: PluginContext | undefined;
  const r = await run({
    add: async (ctx) => {
      seen = ctx;
      ctx.log('debug goes to stderr');
      return { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', mtu: 9000, sandbox: '/run/netns/x' }], ips: [{ address: '10.0.0.2/24', interface: 0 }] } satisfies CniResult;
    },
  }, baseEnv);
  t.equal(r.code, 0);
  t.equal(r.writes, 1, 'one write: one JSON document');
  t.same(r.json, { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/run/netns/x' }], ips: [{ interface: 0, address: '10.0.0.2/24' }], dns: {} }, '1.0.0: mtu dropped');
  t.equal(r.stderr, 'debug goes to stderr\n');
  t.equal(seen?.command, 'ADD');
  t.equal(seen?.containerId, 'c1');
  t.equal(seen?.netns, '/run/netns/x');
  t.equal(seen?.ifName, 'eth0');
  t.same([...seen!.args], [['A', '1'], ['B', '2']]);
  t.same(seen?.path, ['/opt/cni/bin', '/usr/lib/cni'], 'CNI_PATH split on ":" with empty entries dropped');
  t.equal(seen?.stdin.toString(), JSON.stringify(conf), 'raw configuration bytes for delegation');
  t.equal(seen?.conf.name, 'net');
});

t.test('VERSION is answered by the runtime, needs nothing else, honours the plugin\'s versions', async (t) => {
  let r = await run({}, { CNI_COMMAND: 'VERSION' }, '');
  t.same(r.json, { cniVersion: '1.1.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  r = await run({ versions: ['1.0.0', '1.1.0'] }, { CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}');
  t.same(r.json.supportedVersions, ['1.0.0', '1.1.0']);
  r = await run({ versions: ['1.0.0', '1.1.0'] }, { ...baseEnv }, JSON.stringify({ ...conf, cniVersion: '0.4.0' }));
  t.match(r.json, { code: 1, msg: 'incompatible CNI versions' });
});

t.test('required variables per command, named in the error', async (t) => {
  const cases: [Record<string, string | undefined>, number, string][] = [
    [{}, 4, 'required env variables [CNI_COMMAND] missing'],
    [{ CNI_COMMAND: 'FROB' }, 4, 'unknown CNI_COMMAND: FROB'],
    [{ CNI_COMMAND: 'ADD' }, 4, 'required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing'],
    [{ CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' }, 4, 'required env variables [CNI_NETNS] missing'],
    [{ CNI_COMMAND: 'DEL' }, 4, 'required env variables [CNI_CONTAINERID,CNI_IFNAME] missing'],
    [{ CNI_COMMAND: 'GC' }, 4, 'required env variables [CNI_PATH] missing'],
    [{ ...baseEnv, CNI_CONTAINERID: 'a b' }, 4, 'invalid CNI_CONTAINERID'],
    [{ ...baseEnv, CNI_IFNAME: 'toolonginterface' }, 4, 'invalid CNI_IFNAME'],
    [{ ...baseEnv, CNI_ARGS: 'x' }, 4, 'invalid CNI_ARGS'],
  ];
  for (const [env, code, msg] of cases) {
    const r = await run({}, env);
    t.equal(r.code, 1, `${JSON.stringify(env)}: exit 1`);
    t.match(r.json, { cniVersion: '1.0.0', code, msg }, msg);
  }
  const del = await run({ del: async (ctx) => { t.equal(ctx.netns, undefined, 'DEL without CNI_NETNS'); } }, { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' });
  t.equal(del.code, 0);
  t.equal(del.stdout, '', 'DEL prints nothing');
  const status = await run({}, { CNI_COMMAND: 'STATUS' }, JSON.stringify({ ...conf, cniVersion: '1.1.0' }));
  t.equal(status.code, 0, 'STATUS needs no variable; default: ready');
});

t.test('errors: CniError passed through, anything else is 999 with the story on stderr', async (t) => {
  let r = await run({ add: async () => { throw new CniError(11, 'busy', 'try later'); } }, baseEnv);
  t.same(r.json, { cniVersion: '1.0.0', code: 11, msg: 'busy', details: 'try later' });
  r = await run({ add: async () => { throw new TypeError('boom'); } }, baseEnv);
  t.same(r.json, { cniVersion: '1.0.0', code: 999, msg: 'boom' });
  t.match(r.stderr, /internal error: TypeError: boom/);
  // nlkit's own errors are no bug of the plugin: their message, without a stack.
  r = await run({ add: async () => { throw new InvalidArgumentError('routes[0].gw', 'no gateway of its family'); } }, baseEnv);
  t.same(r.json, { cniVersion: '1.0.0', code: 999, msg: 'invalid routes[0].gw: no gateway of its family' });
  t.match(r.stderr, /InvalidArgumentError: invalid routes\[0\]\.gw: no gateway of its family/);
  t.notMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace, not called internal');
  r = await run({}, { ...baseEnv, CNI_COMMAND: 'CHECK' });
  t.match(r.json, { code: 4, msg: 'CHECK is not implemented by this plugin' });
  r = await run({}, baseEnv, '{"cniVersion":"9.9.9"}');
  t.equal(r.json.cniVersion, '1.1.0', 'an unsupported configuration version: the error is in ours');
});

t.test('stdin: read from a stream to its end, capped', async (t) => {
  const text = JSON.stringify(conf);
  const chunks = [Buffer.from(text.slice(0, 10)), Buffer.from(text.slice(10))];
  let r = await run({}, baseEnv, Readable.from(chunks));
  t.equal(r.code, 0, 'split configuration read whole');
  r = await run({}, baseEnv, Readable.from([Buffer.alloc(600, 0x20), Buffer.alloc(600, 0x20)]), 1000);
  t.match(r.json, { code: 5, msg: 'network configuration too large', details: 'more than 1000 bytes on stdin' });
  r = await run({}, baseEnv, (async function* () {
    yield Buffer.from('{');
    throw new Error('EIO: stdin went away');
  })());
  t.match(r.json, { code: 5, msg: 'failed to read the network configuration from stdin' });
});

t.test('DEL: a prevResult that does not check is left out (logged), not an error; other commands refuse it', async (t) => {
  const badPrev = JSON.stringify({ ...conf, prevResult: { ips: [{ address: 'nope' }] } });
  let seen: PluginContext | undefined;
  const r = await run({ del: async (ctx) => { seen = ctx; } }, { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c', CNI_IFNAME: 'eth0' }, badPrev);
  t.equal(r.code, 0, `DEL succeeds (${r.stdout})`);
  t.equal(r.stdout, '');
  t.equal(seen?.conf.prevResult, undefined, 'the handler sees no prevResult');
  t.same(seen?.conf.raw['prevResult'], { ips: [{ address: 'nope' }] }, 'raw stays as received');
  t.match(r.stderr, /prevResult/);
  const chk = await run({ check: async () => undefined }, { ...baseEnv, CNI_COMMAND: 'CHECK' }, badPrev);
  t.match(chk.json, { code: 7, msg: 'invalid prevResult ips[0]' }, 'CHECK, which needs it, still refuses it');
});

t.test('handlers and options given as undefined are handlers and options not given', async (t) => {
  // What a plugin compiled with exactOptionalPropertyTypes may pass: `check: impl.check`, `maxStdinBytes: conf.max`.
  const handlers: PluginHandlers = { add: async () => ({ cniVersion: '1.1.0', ips: undefined }), del: async () => undefined, check: undefined, status: undefined, gc: undefined, versions: undefined };
  const io = () => {
    const out: string[] = [];
    return { out, options: { env: undefined, stdin: JSON.stringify(conf), stdout: (s: string) => out.push(s), stderr: (_s: string) => undefined, maxStdinBytes: undefined } };
  };
  const withEnv = async (env: Record<string, string>) => {
    const a = io();
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return { code: await runPlugin(handlers, a.options), json: JSON.parse(a.out.join('')) };
    } finally {
      for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  };
  const add = await withEnv(baseEnv);
  t.same(add, { code: 0, json: { cniVersion: '1.0.0', dns: {} } }, 'ADD: env undefined is process.env; ips undefined printed as no ips');
  const check = await withEnv({ ...baseEnv, CNI_COMMAND: 'CHECK' });
  t.equal(check.code, 1);
  t.match(check.json, { code: 4, msg: 'CHECK is not implemented by this plugin' }, 'check: undefined is no check handler');
  const version = await withEnv({ CNI_COMMAND: 'VERSION' });
  t.same(version.json.supportedVersions, [...SUPPORTED_VERSIONS], 'versions: undefined is every supported version');
});

t.test('JSON nested deeper than any configuration: CniError 6 from the parse, not a stack overflow later', async (t) => {
  const deep = (d: number) => '['.repeat(d) + ']'.repeat(d);
  // A malformed field is reported with its value, printed with JSON.stringify: a deep one
  // overflowed the stack there (999 "Maximum call stack size exceeded").
  let r = await run({}, baseEnv, `{"cniVersion":"1.0.0","name":"net","type":"fake","ipMasq":${deep(20000)}}`);
  t.match(r.json, { code: 6, msg: 'failed to decode the network configuration', details: /nested more than 512 levels deep/ });
  t.throws(() => parseJsonSafe(`{"a":${deep(600)}}`, 'result of X'), { code: 6, message: /failed to decode the result of X: nested more than 512 levels deep/ });
  t.same(parseJsonSafe(`{"a":${deep(510)}}`), { a: JSON.parse(deep(510)) }, 'deep, but not that deep: parsed');
  r = await run({}, baseEnv, JSON.stringify({ ...conf, args: { x: JSON.parse(deep(500)) } }));
  t.equal(r.code, 0);
});
