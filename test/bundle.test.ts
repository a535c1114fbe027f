// The package's entry point is the bundle dist/nlkit.js (scripts/bundle.mjs), not the
// tsc output the other tests import: it must export what src/index.ts exports, resolve
// as `nlkit` through package.json, load nothing but the declared dependencies and Node's
// built-ins, and work against the kernel. (The CNI tests run the bundled nlkit-ptp.)
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as src from '../src/index.js';
import { privileged } from './helpers.js';

const dist = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));
/** The CNI plugins' bundles and their code-split chunks (paths under dist). */
const PLUGIN_FILES = (): string[] => ['nlkit-ptp.js', 'nlkit-bridge.js', 'nlkit-macvlan.js', 'nlkit-bandwidth.js', 'nlkit-tuning.js', 'nlkit-loopback.js', 'nlkit-host-device.js', 'nlkit-sbr.js', 'nlkit-static.js', 'nlkit-host-local.js', ...readdirSync(dist('chunks')).filter((f) => f.endsWith('.js')).map((f) => `chunks/${f}`)];
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

t.test('package.json points at the bundles, and they exist', async (t) => {
  t.equal(pkg.exports['.'].import, './dist/nlkit.js');
  t.equal(pkg.main, './dist/nlkit.js');
  t.ok(statSync(dist('nlkit.js')).isFile());
  t.same(Object.keys(pkg.bin).sort(), ['nlkit-bandwidth', 'nlkit-bridge', 'nlkit-host-device', 'nlkit-host-local', 'nlkit-loopback', 'nlkit-macvlan', 'nlkit-ptp', 'nlkit-sbr', 'nlkit-static', 'nlkit-tuning'], 'every plugin has its bin');
  for (const p of Object.keys(pkg.bin)) {
    t.equal(pkg.bin[p], `./dist/${p}.js`);
    t.ok(pkg.files.includes(`dist/${p}.js`), `${p}: shipped ("files")`);
    t.ok(statSync(dist(`${p}.js`)).mode & 0o111, `${p}: the plugin is executable`);
    t.match(readFileSync(dist(`${p}.js`), 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node$/, `${p}: the plugin keeps its hashbang`);
  }
});

t.test('dist/chunks holds only chunks the plugins import (the build empties it: chunk names change with their contents, and package.json ships the folder)', async (t) => {
  const plugins = PLUGIN_FILES().filter((f) => !f.startsWith('chunks/'));
  const chunks = readdirSync(dist('chunks')).filter((f) => f.endsWith('.js'));
  const wanted = new Set<string>();
  const visit = (file: string): void => {
    for (const m of readFileSync(dist(file), 'utf8').matchAll(/["']\.\/(?:chunks\/)?([\w-]+\.js)["']/g)) {
      if (chunks.includes(m[1]!) && !wanted.has(m[1]!)) {
        wanted.add(m[1]!);
        visit(`chunks/${m[1]!}`);
      }
    }
  };
  for (const p of plugins) visit(p);
  t.ok(chunks.length > 0, 'the plugins are code split');
  t.strictSame(chunks.filter((c) => !wanted.has(c)), [], 'no chunk that nothing imports (an earlier build\'s)');
});

t.test('the bundles are ASCII, so that V8 holds their source one byte per character', async (t) => {
  // One character beyond Latin-1 (a '—' in a comment) makes the whole source two bytes
  // per character and the import slower (bench start-up row import_bundle_2byte);
  // scripts/bundle.mjs replaces those esbuild copies from comments.
  for (const f of ['nlkit.js', ...PLUGIN_FILES()]) {
    const lines = readFileSync(dist(f), 'utf8').split('\n');
    const bad = lines.flatMap((l, i) => (/[^\x00-\x7f]/.test(l) ? [`${i + 1}: ${l.trim().slice(0, 80)}`] : []));
    t.same(bad, [], `${f}: no line with a non-ASCII character`);
  }
});

t.test("`import('nlkit')` gives the bundle, with src/index.ts's exports", async (t) => {
  const viaName = await import('nlkit' as string);
  const bundle = await import(dist('nlkit.js'));
  t.equal(viaName, bundle, 'the package name resolves to dist/nlkit.js');
  t.same(Object.keys(bundle).sort(), Object.keys(src).sort(), 'the same export names');
  for (const k of Object.keys(src)) t.equal(typeof bundle[k], typeof (src as Record<string, unknown>)[k], `${k}: same kind`);
  // Its own copies, not re-exports of dist/src (it must stand alone in the package).
  t.not(bundle.Rtnl, src.Rtnl);
  t.equal(bundle.MacAddr.parse('00-15-5D-1A-1F-1C').toString(), '00:15:5d:1a:1f:1c');
  t.throws(() => bundle.MacAddr.parse('00:15:5d'), bundle.InvalidArgumentError);
});

t.test('the bundles import only dependencies and node: built-ins', async (t) => {
  const deps = new Set(Object.keys(pkg.dependencies));
  for (const f of ['nlkit.js', ...PLUGIN_FILES()]) {
    const code = readFileSync(dist(f), 'utf8');
    // Static imports, also minified ones (nlkit-ptp.js: `import{x as y}from"node:fs"`), and dynamic ones.
    const specs = [...code.matchAll(/\bimport\s*(?:[\w$*{},\s]+?\s*from\s*)?['"]([^'"]+)['"]/g), ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
    t.ok(specs.length > 0 || f.startsWith('chunks/'), `${f}: imports found`);
    // A plugin's code-split chunks (scripts/bundle.mjs) are its own, under dist/chunks,
    // named after it: what the package ships ("files"), and nothing of another plugin's.
    const plugin = f.replace(/^chunks\//, '').replace(/(-chunk|-lazy-apis)?(-[A-Z0-9]+)?\.js$/, '');
    const own = (s: string) => (f.startsWith('chunks/') ? /^\.\/[\w-]+\.js$/ : /^\.\/chunks\/[\w-]+\.js$/).test(s) && s.includes(`${plugin}-`) && existsSync(dist(join(dirname(f), s)));
    const bad = specs.filter((s) => !s.startsWith('node:') && !deps.has(s) && !(f !== 'nlkit.js' && own(s)));
    t.same(bad, [], `${f}: nothing but ${[...deps].join(', ')}, node: built-ins${f === 'nlkit.js' ? '' : ' and its own chunks'}`);
  }
});

t.test("a plugin's start reads no traffic-control or MDB code: rt.qdisc & co., rt.mdb and the monitor's tc and MDB decoders are in the chunk it imports on first use", async (t) => {
  // What Node parses when a plugin starts: its file and the chunks those import
  // statically, transitively. The late APIs (src/rtnl/lazy-apis.ts) — rt.qdisc, rt.class,
  // rt.filter, and the decoders a monitor of 'tc' loads — must be in a chunk reached only
  // through import(): a static import of them (from the handle or the monitor) would make
  // esbuild put them in a shared chunk. Found by name: keepNames keeps each function's and
  // class's name as a string in the minified code ("decodeQdisc").
  const NAMES = ['QdiscApi', 'ClassApi', 'FilterApi', 'decodeQdisc', 'decodeTcClass', 'decodeFilter', 'listTc', 'MdbApi', 'decodeMdb', 'dumpMdb'];
  const imports = (f: string, re: RegExp): string[] => [...readFileSync(dist(f), 'utf8').matchAll(re)].map((m) => join(dirname(f), m[1]!));
  const STATIC = /\b(?:import|export)\s*(?:[\w$*{},\s]+?\s*from\s*)?["'](\.[^"']+)["']/g;
  const DYNAMIC = /\bimport\(\s*["'](\.[^"']+)["']\s*\)/g;
  const closure = (entry: string): string[] => {
    const seen = new Set<string>([entry]);
    for (const f of seen) for (const s of imports(f, STATIC)) seen.add(s);
    return [...seen];
  };
  const has = (files: readonly string[], name: string): boolean => files.some((f) => readFileSync(dist(f), 'utf8').includes(`"${name}"`));
  for (const p of ['nlkit-ptp.js', 'nlkit-bandwidth.js']) {
    const start = closure(p);
    t.ok(start.length > 1, `${p}: its start reads ${start.join(', ')}`);
    t.same(NAMES.filter((n) => has(start, n)), [], `${p}: none of ${NAMES.join(', ')} in what its start reads`);
    const late = [...new Set(start.flatMap((f) => imports(f, DYNAMIC)))];
    t.ok(late.length > 0, `${p}: imports a chunk on first use (${late.join(', ')})`);
    const reached = [...new Set(late.flatMap(closure))];
    t.same(NAMES.filter((n) => !has(reached, n)), [], `${p}: all of them in the chunk it imports on first use`);
  }
});

t.test('importing nlkit loads node:crypto, node:child_process and node:worker_threads only when a call needs them', async (t) => {
  // Each adds a few ms to the start of every process that imports nlkit (bench start-up
  // rows); src/builtins.ts loads them on first use. Checked for the bundle and for tsc's
  // tree, in fresh processes.
  const lazy = /^NativeModule (crypto|child_process|worker_threads)$/;
  const loaded = (entry: string, use: string): string[] => {
    const script = `const m = await import(${JSON.stringify(entry)}); ${use}
      console.log(JSON.stringify(process.moduleLoadList.filter((x) => ${lazy}.test(x)).map((x) => x.slice(13)).sort()));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, cwd: dist('.') });
    t.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as string[];
  };
  // What koffi loads by itself in this Node is koffi's, not nlkit's (koffi 3 loads
  // worker_threads on Node 22, none on Node 20): nlkit is judged on what it adds.
  const koffiOwn = new Set(loaded('koffi', ''));
  const probe = (entry: string, use: string): string[] => loaded(entry, use).filter((x) => !koffiOwn.has(x));
  for (const entry of [dist('nlkit.js'), dist('src/index.js')]) {
    const name = entry.endsWith('nlkit.js') ? 'bundle' : 'tree';
    t.same(probe(entry, ''), [], `${name}: import alone loads none of them`);
    t.same(probe(entry, "if (!/^veth[0-9a-f]{8}$/.test(m.randomVethName())) throw new Error('name');"), ['crypto'], `${name}: randomVethName loads node:crypto`);
    t.same(probe(entry, "if (m.MacAddr.random().bytes[0] % 4 !== 2) throw new Error('mac');"), ['crypto'], `${name}: MacAddr.random loads node:crypto`);
    if (privileged.skip === false) {
      // netnsWorker switches the thread's netns around `new Worker()`: root only.
      const use = "const ns = m.Netns.get(); const w = m.netnsWorker(ns, 'process.exitCode = 0', { eval: true }); await new Promise((ok, bad) => { w.on('exit', ok); w.on('error', bad); }); ns.close();";
      t.same(probe(entry, use), ['worker_threads'].filter((x) => !koffiOwn.has(x)), `${name}: netnsWorker loads node:worker_threads (unless koffi did)`);
    }
  }
});

t.test('the bundle talks to the kernel (a process importing only `nlkit`)', privileged, async (t) => {
  // A separate process, so only the bundle's copies of the sockets and errors are live.
  const script = `
    import { Rtnl, NetlinkError } from 'nlkit';
    const rt = Rtnl.open();
    const lo = await rt.link.get('lo');
    let code;
    try { await rt.link.get('nlkit-none0'); } catch (e) { code = e instanceof NetlinkError ? e.code : 'not a NetlinkError: ' + e; }
    rt.close();
    console.log(JSON.stringify({ index: lo.index, name: lo.name, code }));`;
  const r = spawnSync('unshare', ['--net', process.execPath, '--input-type=module', '-e', script], { cwd: dist('.'), encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout), { index: 1, name: 'lo', code: 'ENODEV' });
});
