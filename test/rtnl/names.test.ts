// The route name tables are written out by hand (a scan of the generated constants at
// import cost start-up time); each must still be exactly what the scan gives: every
// constant with its prefix, the same names and numbers, in the same order (the module
// namespace's, by constant name), which error messages listing the names show.
import t from 'tap';
import * as C from '../../src/rtnl/constants.js';
import { ROUTE_PROTOCOLS, ROUTE_TYPES, SCOPES, protocolName, scopeName, typeName } from '../../src/rtnl/route/names.js';
import { rtnlDescriber } from '../../src/rtnl/describer.js';

function scan(prefix: string, skip: readonly string[] = [], rename: Readonly<Record<string, string>> = {}): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(C)) {
    if (!k.startsWith(prefix) || typeof v !== 'number') continue;
    const raw = k.slice(prefix.length);
    if (skip.includes(raw)) continue;
    out.push([rename[raw] ?? raw.toLowerCase(), v]);
  }
  return out;
}

t.test('ROUTE_TYPES is every RTN_* but RTN_UNSPEC, in the scan\'s order', async (t) => {
  t.same(Object.entries(ROUTE_TYPES), scan('RTN_', ['UNSPEC']));
  t.equal(typeName(C.RTN_BLACKHOLE), 'blackhole');
});

t.test('ROUTE_PROTOCOLS is every RTPROT_*', async (t) => {
  t.same(Object.entries(ROUTE_PROTOCOLS), scan('RTPROT_'));
  t.equal(protocolName(C.RTPROT_KERNEL), 'kernel');
});

t.test("SCOPES is every RT_SCOPE_*, RT_SCOPE_UNIVERSE named 'global'", async (t) => {
  t.same(Object.entries(SCOPES), scan('RT_SCOPE_', [], { UNIVERSE: 'global' }));
  t.equal(scopeName(C.RT_SCOPE_UNIVERSE), 'global');
  t.equal(scopeName(C.RT_SCOPE_LINK), 'link');
});

t.test('message type names, made on first use', async (t) => {
  t.equal(rtnlDescriber.typeName(C.RTM_NEWLINK), 'RTM_NEWLINK');
  t.equal(rtnlDescriber.typeName(C.RTM_GETADDR), 'RTM_GETADDR');
  t.equal(rtnlDescriber.typeName(C.RTM_NEWRULE), 'RTM_NEWRULE');
  t.equal(rtnlDescriber.typeName(9999), 'RTM#9999');
});
