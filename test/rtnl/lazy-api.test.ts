// The Rtnl handle's late APIs (traffic control, nexthop objects, the bridge multicast
// database: src/rtnl/lazy-api.ts):
// their code is loaded on the first call, through stand-ins that behave like the APIs.
import t from 'tap';
import { Rtnl } from '../../src/rtnl/handle.js';
import { lazyApi } from '../../src/rtnl/lazy-api.js';
import { QdiscApi } from '../../src/rtnl/tc/qdisc/api.js';
import { NexthopApi } from '../../src/rtnl/nexthop/api.js';
import { MdbApi } from '../../src/rtnl/mdb/api.js';
import { ClosedError, InvalidArgumentError } from '../../src/netlink/errors.js';
import { privileged } from '../helpers.js';

t.test('a stand-in loads once, calls the real method with its arguments and this, and is not a thenable', async (t) => {
  let loads = 0;
  const real = {
    n: 0,
    async add(a: number, b: number) {
      this.n += a + b;
      return this.n;
    },
  };
  const api = lazyApi(async () => {
    loads++;
    return real;
  }, 'rt.test');
  t.equal(await api.add(1, 2), 3);
  t.equal(await api.add(3, 4), 10, 'this is the real object');
  t.equal(loads, 2, 'load is called per call (the handle memoises it)');
  t.equal(api.add, api.add, 'the same function each time');
  t.equal((api as unknown as { then?: unknown }).then, undefined, 'await of the stand-in itself gives the stand-in');
  await t.rejects((api as unknown as { n: () => Promise<unknown> }).n(), /rt\.test\.n is not a function/);
  const failing = lazyApi<{ go(): Promise<void> }>(() => Promise.reject(new Error('cannot load')), 'rt.x');
  await t.rejects(failing.go(), /cannot load/, 'a failed load rejects the call');
});

t.test("the handle's late APIs: stand-ins until the first call, then the real objects; errors as the real ones give them", privileged, async (t) => {
  const rt = Rtnl.open();
  t.teardown(() => rt.close());
  const before = rt.qdisc;
  const mdbBefore = rt.mdb;
  t.notOk(mdbBefore instanceof MdbApi, 'rt.mdb too is a stand-in before the first call');
  t.notOk(before instanceof QdiscApi, 'a stand-in before the first call');
  t.equal(rt.qdisc, before, 'the same stand-in on each read');
  await t.rejects(rt.qdisc.add({ link: 'lo', kind: 'tbf', rate: 0, burst: 1, limit: 1 } as never), InvalidArgumentError, 'bad input refused by the real method, through the stand-in');
  t.ok(rt.qdisc instanceof QdiscApi, 'the real QdiscApi once loaded');
  t.ok(rt.nexthop instanceof NexthopApi, 'and the other late APIs with it');
  t.ok(rt.mdb instanceof MdbApi, 'rt.mdb as well');
  t.same(await mdbBefore.list(), await rt.mdb.list(), 'the mdb stand-in kept goes to the real one');
  t.same(await before.list({ link: 'lo' }), await rt.qdisc.list({ link: 'lo' }), 'the stand-in kept goes to the real one');
  const rt2 = Rtnl.open();
  rt2.close();
  await t.rejects(rt2.filter.list({ link: 'lo' }), ClosedError, 'a closed handle: ClosedError, as from the real API');
});
