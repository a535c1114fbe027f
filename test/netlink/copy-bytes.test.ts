// copyBytes: copies that outlive the receive buffer, and the one shared empty value.
import t from 'tap';
import { copyBytes, EMPTY_BYTES } from '../../src/netlink/attrs.js';

t.test('an empty range gives the shared frozen EMPTY_BYTES, a zero-length Buffer', async (t) => {
  const rx = Buffer.from([1, 2, 3, 4]);
  const a = copyBytes(rx, 2, 2);
  const b = copyBytes(Buffer.alloc(8), 0, 0);
  t.equal(a, EMPTY_BYTES, 'same object for every empty payload');
  t.equal(b, EMPTY_BYTES);
  t.ok(Buffer.isBuffer(a), 'still a Buffer');
  t.equal(a.length, 0);
  t.same(a, Buffer.alloc(0), 'deep-equal to a fresh empty Buffer');
  t.ok(Object.isFrozen(EMPTY_BYTES), 'frozen: nothing can be attached to the shared value');
  t.throws(() => {
    'use strict';
    (EMPTY_BYTES as unknown as Record<string, unknown>)['x'] = 1;
  }, TypeError);
  t.equal(a.toString('hex'), '');
});

t.test('non-empty ranges are fresh copies that do not follow the receive buffer', async (t) => {
  for (const n of [1, 4, 64, 65, 300]) {
    const rx = Buffer.alloc(n + 8);
    for (let i = 0; i < rx.length; i++) rx[i] = i & 0xff;
    const c = copyBytes(rx, 4, 4 + n);
    const want = Buffer.from(rx.subarray(4, 4 + n));
    t.not(c, EMPTY_BYTES, `${n} bytes: not the shared empty value`);
    t.same(c, want, `${n} bytes: same bytes`);
    rx.fill(0xee);
    t.same(c, want, `${n} bytes: unchanged when the receive buffer is reused`);
    const d = copyBytes(want, 0, n);
    t.not(d, c, `${n} bytes: a new Buffer per call`);
  }
});
