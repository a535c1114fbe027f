// Quick fuzz (~50k cases) of every decoder over real kernel messages (rtnetlink's, netconf's included, the
// generic netlink controller's families, conntrack entries and events). The full run
// (≥ 1,000,000 cases) is `npm run fuzz`.
import t from 'tap';
import { fuzz, decodeAll } from './engine.js';
import { loadFixture, captureLive } from './corpus.js';
import { unprivileged } from '../helpers.js';

const CASES = Number(process.env.NLKIT_FUZZ_CASES ?? 50_000);

t.test('the unmutated corpus decodes cleanly', async (t) => {
  const corpus = loadFixture();
  t.ok(corpus.length >= 40, `${corpus.length} captured messages`);
  for (const kind of ['link', 'addr', 'route', 'neigh', 'rule', 'netconf', 'error', 'genl-family', 'conntrack']) t.ok(corpus.some((c) => c.what === kind), `corpus has ${kind} messages`);
  for (const c of corpus) t.ok(decodeAll(Buffer.from(c.hex, 'hex'), c.what) > 0, `${c.what} message decodes`);
});

t.test(`${CASES} mutated kernel messages: only DecodeError, no read past the end, no hang`, async (t) => {
  const res = fuzz(loadFixture(), CASES, 0x5eed1234);
  t.equal(res.cases, CASES);
  t.ok(res.decoded > 0, 'many mutated inputs still decode');
  for (const m of ['bitflip', 'truncate', 'msglen', 'attrlen', 'nestclaim', 'repeat', 'overwrite', 'splice', 'extend', 'shortlast']) t.ok((res.byMutator[m] ?? 0) > 0, `mutator ${m} exercised`);
  t.comment(`decoded ${res.decoded} (message, decoder) pairs; slowest case ${res.slowest.toFixed(2)} ms`);
});

t.test('live corpus from this kernel fuzzes cleanly too', { skip: unprivileged ? 'needs root to populate a netns' : false }, async (t) => {
  const live = captureLive();
  t.ok(live.length > 30, `${live.length} live messages`);
  const res = fuzz(live, Math.min(CASES, 20_000), 0xabcdef);
  t.equal(res.cases, Math.min(CASES, 20_000));
});
