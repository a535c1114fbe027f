#!/usr/bin/python3
"""pyroute2 (Debian python3-pyroute2 0.7.2) for the conntrack workload D2 of
bench/suite.ts, on one pyroute2.conntrack.Conntrack socket (NFCTSocket, AF_INET)
opened once, the same entries as bench/c/ct_mnl.c (UDP, 198.18.0.1:(1024+i) ->
198.19.0.1:53, reply inverted, timeout 3600 s):

    ct.entry('add', timeout=…, tuple_orig=…, tuple_reply=…)  -> op=d2_ct_create, per entry
    list(ct.dump_entries())                                    -> op=d2_ct_dump, median of --reps
        (ConntrackEntry objects: both tuples, status, timeout, protoinfo, mark, id, use)
    ct.entry('del', tuple_orig=…)                              -> op=d2_ct_delete, per entry
        (the request of ct.delete(), which in 0.7.2 raises TypeError after it: it
        iterates what entry() returns, None for an ACK)

    ct_pyroute2.py [--n=N] [--reps=R]

Refuses the host netns (PBENCH_HOST_NETNS, set by the runner) and a table that is not
empty at the start.
"""
import os
import resource
import socket
import sys
import time

from pyroute2.conntrack import Conntrack
from pyroute2.netlink.nfnetlink.nfctsocket import NFCTAttrTuple

A, B = '198.18.0.1', '198.19.0.1'
PORT0 = 1024
TIMEOUT = 3600


def tuple_orig(i):
    return NFCTAttrTuple(saddr=A, daddr=B, proto=socket.IPPROTO_UDP, sport=PORT0 + i, dport=53)


def main():
    n, reps = 1000, 20
    for a in sys.argv[1:]:
        if a.startswith('--n='):
            n = int(a[4:])
        elif a.startswith('--reps='):
            reps = int(a[7:])
    host = os.environ.get('PBENCH_HOST_NETNS')
    if not host or os.readlink('/proc/self/ns/net') == host:
        sys.exit('ct_pyroute2: refusing to run outside a fresh netns (PBENCH_HOST_NETNS; use npm run bench)')
    if not 1 <= n <= 65535 - PORT0:
        sys.exit(f'ct_pyroute2: --n must be 1..{65535 - PORT0}')
    out = []
    with Conntrack() as ct:
        if list(ct.dump_entries()):
            sys.exit('ct_pyroute2: the conntrack table is not empty; refusing')

        c0, t0 = os.times(), time.perf_counter()
        for i in range(n):
            o = tuple_orig(i)
            ct.entry('add', timeout=TIMEOUT, tuple_orig=o, tuple_reply=o.reverse())
        create_ms = (time.perf_counter() - t0) * 1e3
        c1 = os.times()
        out.append(('d2_ct_create', n, create_ms, create_ms * 1e3 / n, c1.user - c0.user, c1.system - c0.system, ''))

        times, cu, cs, count = [], 0.0, 0.0, 0
        for _ in range(reps):
            c0, t0 = os.times(), time.perf_counter()
            entries = list(ct.dump_entries())
            times.append((time.perf_counter() - t0) * 1e3)
            c1 = os.times()
            cu += c1.user - c0.user
            cs += c1.system - c0.system
            count = len(entries)
            if count != n:
                sys.exit(f'ct_pyroute2: expected {n} entries, the dump returned {count}')
            last = entries[-1]
            if last.tuple_orig.dport != 53 or last.tuple_reply.sport != 53 or not last.timeout or not last.id:
                sys.exit('ct_pyroute2: an entry is not decoded as made')
        s = sorted(times)
        med = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
        out.append(('d2_ct_dump', n, med, med * 1e3, cu / reps, cs / reps, f' reps={reps} min_ms={s[0]:.3f}'))

        c0, t0 = os.times(), time.perf_counter()
        for i in range(n):
            ct.entry('del', tuple_orig=tuple_orig(i))
        delete_ms = (time.perf_counter() - t0) * 1e3
        c1 = os.times()
        out.append(('d2_ct_delete', n, delete_ms, delete_ms * 1e3 / n, c1.user - c0.user, c1.system - c0.system, ''))
        left = len(list(ct.dump_entries()))
        if left:
            sys.exit(f'ct_pyroute2: {left} entries left after the deletes')
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for op, cnt, total, per, user, system, extra in out:
        print(f'RESULT impl=pyroute2-ct op={op} n={cnt} total_ms={total:.3f} per_op_us={per:.3f} '
              f'user_ms={user * 1e3:.2f} sys_ms={system * 1e3:.2f}{extra} maxrss_kb={rss}')


if __name__ == '__main__':
    main()
