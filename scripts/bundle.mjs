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
import { chmodSync } from 'node:fs';
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
};

await build({ ...common, entryPoints: ['dist/src/index.js'], outfile: 'dist/nlkit.js' });
// The plugin keeps its `#!/usr/bin/env node` line (esbuild carries an entry's hashbang).
await build({ ...common, entryPoints: ['dist/src/cni/bin/nlkit-ptp.js'], outfile: 'dist/nlkit-ptp.js' });
chmodSync(new URL('../dist/nlkit-ptp.js', import.meta.url), 0o755);
