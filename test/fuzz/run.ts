// Full fuzz run: `npm run fuzz [-- --cases N --seed S]` (default 1,000,000 cases).
// Prints progress per 100k and a summary; exits 1 on the first finding with the
// input and the seed to reproduce it.
import { fuzz } from './engine.js';
import { loadFixture } from './corpus.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const total = arg('cases', 1_000_000);
const seed = arg('seed', Date.now() & 0x7fffffff);
const corpus = loadFixture();
const chunk = 100_000;
const t0 = performance.now();
let decoded = 0;
let slowest = 0;
try {
  for (let done = 0, i = 0; done < total; i++) {
    const n = Math.min(chunk, total - done);
    const r = fuzz(corpus, n, (seed + i * 7919) >>> 0);
    decoded += r.decoded;
    slowest = Math.max(slowest, r.slowest);
    done += n;
    console.log(`${done} cases, ${((performance.now() - t0) / 1000).toFixed(1)} s, slowest case ${slowest.toFixed(2)} ms`);
  }
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
console.log(`fuzz: ${total} cases over ${corpus.length} kernel messages (seed ${seed}): only DecodeError, no read past the end, no case over 250 ms; ${decoded} successful decodes`);
