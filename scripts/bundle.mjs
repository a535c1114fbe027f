#!/usr/bin/env node
// Bundle step of `npm run build`, after tsc: the package entry point and the nlkit-ptp
// CNI plugin, each as one ES module file (dist/nlkit.js, dist/nlkit-ptp.js).
//
// Why: Node 20 loads an ES module graph file by file (resolve, read, compile, link for
// each of nlkit's modules), which every process pays before any work, and a CNI plugin
// is a new process for every container. One file skips most of that: the bench's
// start-up rows time `import()` of both, and a CNI ADD/DEL from both. tsc stays the
// compiler: this only joins its output (dist/src), with its source maps carried through
// to src/*.ts.
// esbuild is a devDependency for this alone; the package's dependencies stay external.
import { build } from 'esbuild';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
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
  keepNames: true, // class and function names as in the source (error.constructor.name, stack traces)
  logLevel: 'warning',
  charset: 'ascii', // esbuild's default, relied on below: non-ASCII in code is written as escapes
};

// One character beyond Latin-1 anywhere in a script makes V8 hold the whole source two
// bytes per character (and Node decode it the slow way): a single '—' in a comment made
// importing the bundle several ms slower (bench start-up rows, import_bundle against
// import_bundle_2byte). esbuild escapes such characters in code but copies comments as
// written, so each one left is replaced by one ASCII character: the columns of the source
// map stay right. A non-ASCII character on a line that is not a comment fails the build.
const ASCII_FOR = { '\u2013': '-', '\u2014': '-', '\u2212': '-', '\u2026': '.', '\u2192': '>', '\u203a': '>', '\u00b5': 'u' };
function asciiComments(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  let changed = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!/[^\x00-\x7f]/.test(line)) continue;
    if (!/^\s*(\/\/|\/\*|\*)/.test(line)) throw new Error(`${file}:${i + 1}: a non-ASCII character outside a comment: ${line.trim().slice(0, 120)}`);
    lines[i] = line.replace(/[^\x00-\x7f]/g, (c) => ASCII_FOR[c] ?? '?'); // a surrogate pair: two '?', two columns
    changed++;
  }
  if (changed) writeFileSync(file, lines.join('\n'));
}

await build({ ...common, entryPoints: ['dist/src/index.js'], outfile: 'dist/nlkit.js' });
// The plugin keeps its `#!/usr/bin/env node` line (esbuild carries an entry's hashbang).
await build({ ...common, entryPoints: ['dist/src/cni/bin/nlkit-ptp.js'], outfile: 'dist/nlkit-ptp.js' });
for (const f of ['dist/nlkit.js', 'dist/nlkit-ptp.js']) asciiComments(fileURLToPath(new URL(`../${f}`, import.meta.url)));
chmodSync(new URL('../dist/nlkit-ptp.js', import.meta.url), 0o755);
