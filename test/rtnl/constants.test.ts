// rtnlConstants is the generated constants module's CONSTANTS object: a frozen object
// without a prototype (not a module namespace, which made the bundle define a getter per
// constant at import), holding every constant the module exports, with its value, keys in the order
// a module namespace gives them (lookups by name and the scans of names depend on it).
import t from 'tap';
import * as C from '../../src/rtnl/constants.js';
import { rtnlConstants } from '../../src/index.js';

t.test('rtnlConstants holds every generated constant, with its value, in namespace order', async (t) => {
  const fromModule = Object.entries(C).filter(([k]) => k !== 'CONSTANTS');
  t.ok(fromModule.length > 1000, `${fromModule.length} constants`);
  t.strictSame(Object.entries(rtnlConstants), fromModule, 'same names, values and order');
  t.equal(rtnlConstants, C.CONSTANTS);
  t.equal(rtnlConstants.IFLA_MTU, 4);
  t.equal(rtnlConstants.RTM_NEWLINK, 16);
});

t.test('rtnlConstants keeps each constant\'s literal type (checked when the tests compile)', async (t) => {
  const mtu: 4 = rtnlConstants.IFLA_MTU;
  const newlink: 16 = rtnlConstants.RTM_NEWLINK;
  // @ts-expect-error: a name that is not a constant is a type error
  void rtnlConstants.IFLA_NO_SUCH;
  t.equal(mtu + newlink, 20);
});

t.test('rtnlConstants is frozen, without a prototype (like the module namespace it replaces)', async (t) => {
  t.ok(Object.isFrozen(rtnlConstants));
  t.equal(Object.getPrototypeOf(rtnlConstants), null);
  t.notOk('toString' in rtnlConstants, 'no inherited names');
  t.throws(() => {
    (rtnlConstants as Record<string, number>)['IFLA_MTU'] = 5;
  }, TypeError);
  t.equal(rtnlConstants.IFLA_MTU, 4);
});
