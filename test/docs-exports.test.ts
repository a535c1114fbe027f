// Every value nlkit exports is public API (README: "only what src/index.ts exports is
// public API"), so a user reading README.md and docs/*.md should meet each of them there:
// a function or class the docs never name is one users do not find. This test lists the
// package's value exports (the built module's keys) and asks for each name in the docs,
// as a whole word. Constants and name tables (upper-case names, an underscore part
// aside: NLM_F_ACK, IFLA, TABLES, TCP_CA_Open …) are the headers' own and need no prose; the few
// exports left to their doc comments on purpose are listed below with the reason. A new
// export fails here until the docs name it or it is added to that list.
// Nothing is spawned or sent; no privilege.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nlkit from '../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url)); // dist/test/ -> the package

/** Exports documented only by their doc comments, and why. */
const DOC_COMMENT_ONLY: Readonly<Record<string, string>> = {
  align4: 'netlink framing arithmetic for hand-written builders (MessageWriter does it)',
  poolStats: "the slab pool's counters, for nlkit's own allocation tests and benchmarks",
  errnoInfo: "errno number to code and text, what NetlinkError and SysError put in their messages",
  netnsContext: "the AsyncLocalStorage execNetns sets (README: 'carries target in an AsyncLocalStorage context')",
  flagNames: 'IFF_* bits to the names Link.flags already holds',
  addrFlagNames: 'IFA_F_* bits to the names Addr.flags already holds',
  kindCodec: "a link kind's attribute codec, for code that encodes kind data itself",
  knownKinds: 'the link kinds nlkit has attribute tables for',
  filterKinds: 'the tc classifiers nlkit encodes (README lists them: u32, bpf, matchall)',
  actionKinds: 'the tc actions nlkit encodes (README lists them: mirred, gact, bpf)',
  rtnlDescriber: "names rtnetlink attributes in an extended ACK's attribute path",
  registerLayout: 'adds a message layout to that describer, for a family of your own',
  registerEventDecoder: "replaces a monitor kind's decoder (the extension point of rt.monitor)",
  monitorGroups: 'monitor group names to multicast group numbers (MONITOR_GROUPS)',
  openNetns: "the CNI plugins' CNI_NETNS opener",
  parseJsonSafe: "the CNI plugins' stdin parser (README Security: @hapi/bourne)",
};

// docs/performance.md and README's Performance section are benchmark results written by
// a generator, which name functions they time (decodeLink …) without documenting them.
const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md') && f !== 'performance.md').map((f) => `docs/${f}`)];
const withoutPerformance = (md: string): string => md.replace(/^## Performance\n[\s\S]*?(?=^## )/m, '');
const text = docs.map((f) => withoutPerformance(readFileSync(join(root, f), 'utf8'))).join('\n');
const isConstant = (name: string): boolean => /^[A-Z][A-Z0-9]*(?:_\w+)?$/.test(name);
const named = (name: string): boolean => new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(text);

t.test('every value export of nlkit is named in README.md or docs/*.md, or listed as left to its doc comment', async (t) => {
  const exported = Object.keys(nlkit);
  t.ok(exported.includes('Rtnl') && exported.includes('setupVeth'), `${exported.length} value exports`);
  const missing = exported.filter((n) => !isConstant(n) && !(n in DOC_COMMENT_ONLY) && !named(n)).sort();
  t.same(missing, [], `exports the docs never name (${docs.join(', ')}): name them, or list them in DOC_COMMENT_ONLY with the reason`);
});

t.test('the exports left to their doc comments are still exported and still not in the docs', async (t) => {
  const exported = new Set(Object.keys(nlkit));
  t.same(Object.keys(DOC_COMMENT_ONLY).filter((n) => !exported.has(n)), [], 'no stale entry');
  t.same(Object.keys(DOC_COMMENT_ONLY).filter(named), [], 'an entry the docs now name can leave the list');
});
