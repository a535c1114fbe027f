#!/usr/bin/env node
// Bundle step of `npm run build`, after tsc: the package entry point and the CNI plugins
// the CNI plugins, each as one ES module file (dist/nlkit.js, dist/nlkit-ptp.js,
// dist/nlkit-bridge.js, dist/nlkit-macvlan.js, dist/nlkit-bandwidth.js, dist/nlkit-tuning.js,
// dist/nlkit-loopback.js, dist/nlkit-host-device.js, dist/nlkit-sbr.js, dist/nlkit-static.js,
// dist/nlkit-host-local.js).
//
// Why: Node 20 loads an ES module graph file by file (resolve, read, compile, link for
// each of nlkit's modules), which every process pays before any work, and a CNI plugin
// is a new process for every container. One file skips most of that: the bench's
// start-up rows time `import()` of both, and a CNI ADD/DEL from both. tsc stays the
// compiler: this only joins its output (dist/src), with its source maps carried through
// to src/*.ts.
// esbuild is a devDependency for this alone; the package's dependencies stay external.
import { build, transform } from 'esbuild';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external', // koffi, @hapi/bourne, buffer-layout: installed next to nlkit
  sourcemap: 'linked',
  // The maps name src/*.ts files and lines (what a stack trace under --enable-source-maps
  // shows) without carrying their text: that text was 21.7 of the package's 28.3 MB
  // unpacked (npm pack --dry-run), and dist/nlkit.js itself is left readable.
  sourcesContent: false,
  keepNames: true, // class and function names as in the source (error.constructor.name, stack traces)
  logLevel: 'warning',
  charset: 'ascii', // esbuild's default: non-ASCII in strings and names written as escapes
};

// One character beyond Latin-1 anywhere in a script makes V8 hold the whole source two
// bytes per character (and Node decode it the slow way), which makes the import slower:
// the bench's start-up rows import_bundle and import_bundle_2byte (the bundle with one
// '\u2014' in a comment). esbuild escapes such characters in strings and names, not in
// comments (nor in regular expression literals or String.raw text), so each one left on a
// line that starts as a comment is replaced by one ASCII character: every line keeps its
// length and the source map its columns. Anywhere else the build fails, and the code with
// comments and whitespace dropped (esbuild's transform) must be the same before and after,
// so that a multi-line string whose line starts like a comment is never rewritten.
const ASCII_FOR = { '\u2013': '-', '\u2014': '-', '\u2212': '-', '\u2026': '.', '\u2192': '>', '\u203a': '>', '\u00b5': 'u' };
async function asciiComments(file) {
  const before = readFileSync(file, 'utf8');
  if (!/[^\x00-\x7f]/.test(before)) return;
  const lines = before.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!/[^\x00-\x7f]/.test(line)) continue;
    if (!/^\s*(\/\/|\/\*|\*)/.test(line)) {
      throw new Error(`${file}:${i + 1}: a non-ASCII character on a line that does not start as a comment (write it as a \\u escape in the source): ${line.trim().slice(0, 120)}`);
    }
    lines[i] = line.replace(/[^\x00-\x7f]/g, (c) => ASCII_FOR[c] ?? '?'); // a surrogate pair: two '?', two columns
  }
  const after = lines.join('\n');
  const code = async (text) => (await transform(text, { minifyWhitespace: true, legalComments: 'none', charset: 'utf8', format: 'esm' })).code;
  if ((await code(before)) !== (await code(after))) throw new Error(`${file}: making its comments ASCII would change its code (a multi-line string with a line that starts like a comment?)`);
  writeFileSync(file, after);
}

await build({ ...common, entryPoints: ['dist/src/index.js'], outfile: 'dist/nlkit.js' });
// The plugin keeps its `#!/usr/bin/env node` line (esbuild carries an entry's hashbang).
// It is also minified: a CNI runtime starts it anew for every ADD and DEL, and V8 parses
// a 190 KB source faster than a 360 KB one; the bench's start-up rows cni_add_nlkit and
// cni_add_nlkit_unminified compare the two (a few ms at most, within this VM's noise so
// far). Names stay (keepNames) and the source map leads back to
// src/*.ts; the library bundle above is left readable for whoever debugs in node_modules.
// Code split at the handle's late APIs (src/rtnl/lazy-apis.ts: traffic control and nexthop
// objects, a quarter of nlkit): a plugin's file holds what it always runs, and a chunk of
// its own under dist/chunks holds the rest, which Node reads and compiles only when a call
// needs it (nlkit-bandwidth's first tc request; never in nlkit-ptp). One file would make
// every ADD and DEL parse that code (the bench's start-up rows cni_add_nlkit/cni_del_nlkit).
// Chunk names carry a hash of their contents: each build writes new ones, so the folder
// is emptied first, or every earlier build's chunks would stay (and ship: package.json's
// files take dist/chunks/*.js).
rmSync(new URL('../dist/chunks', import.meta.url), { recursive: true, force: true });
const plugins = ['nlkit-ptp', 'nlkit-bridge', 'nlkit-macvlan', 'nlkit-bandwidth', 'nlkit-tuning', 'nlkit-loopback', 'nlkit-host-device', 'nlkit-sbr', 'nlkit-static', 'nlkit-host-local'];
const written = ['dist/nlkit.js'];
for (const p of plugins) {
  const r = await build({
    ...common, minify: true, splitting: true, metafile: true, entryPoints: { [p]: `dist/src/cni/bin/${p}.js` },
    outdir: 'dist', entryNames: '[name]', chunkNames: `chunks/${p}-[name]-[hash]`,
  });
  written.push(...Object.keys(r.metafile.outputs).filter((f) => f.endsWith('.js')));
}
for (const f of written) await asciiComments(fileURLToPath(new URL(`../${f}`, import.meta.url)));
for (const p of plugins) chmodSync(new URL(`../dist/${p}.js`, import.meta.url), 0o755);
