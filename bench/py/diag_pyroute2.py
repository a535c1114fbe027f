#!/usr/bin/python3
"""pyroute2 (Debian python3-pyroute2) for the socket-diagnostics workload D1 of
bench/suite.ts: one IPv4 TCP socket dump + decode through DiagSocket.get_sock_stats,
median of --reps, on one socket opened once. Two variants, alternating dump by dump:

    extensions=0                  -> op=d1_tcp_dump       (ports, addresses, state, inode, queues read)
    extensions=INET_DIAG_INFO bit -> op=d1_tcp_dump_info  (the same and tcp_info's attribute decoded)

    diag_pyroute2.py [--reps=R] [--expect=M]

The sockets are made and held by the runner (bench/diag.ts hold) in this netns.
Refuses the host netns (PBENCH_HOST_NETNS, set by the runner).
"""
import os
import resource
import sys
import time
from socket import AF_INET

from pyroute2 import DiagSocket
from pyroute2.netlink.diag import SS_ALL

INET_DIAG_INFO = 2


def main():
    reps, expect = 20, -1
    for a in sys.argv[1:]:
        if a.startswith('--reps='):
            reps = int(a[7:])
        elif a.startswith('--expect='):
            expect = int(a[9:])
    host = os.environ.get('PBENCH_HOST_NETNS')
    if not host or os.readlink('/proc/self/ns/net') == host:
        sys.exit('diag_pyroute2: refusing to run outside a fresh netns (PBENCH_HOST_NETNS; use npm run bench)')
    ops = ['d1_tcp_dump', 'd1_tcp_dump_info']
    exts = [0, 1 << (INET_DIAG_INFO - 1)]
    times = [[], []]
    cpu = [[0.0, 0.0], [0.0, 0.0]]
    count = 0
    with DiagSocket() as ds:
        ds.bind()
        for r in range(reps):
            for k in range(2):
                v = (r + k) % 2
                c0 = os.times()
                t0 = time.perf_counter()
                out = []
                for m in ds.get_sock_stats(family=AF_INET, states=SS_ALL, extensions=exts[v]):
                    rec = (m['idiag_state'], m['idiag_src'], m['idiag_sport'], m['idiag_dst'], m['idiag_dport'],
                           m['idiag_inode'], m['idiag_rqueue'], m['idiag_wqueue'])
                    if v == 1:
                        info = m.get_attr('INET_DIAG_INFO')
                        rec = rec + (info['tcpi_rtt'] if info is not None else None,)
                    out.append(rec)
                times[v].append((time.perf_counter() - t0) * 1e3)
                c1 = os.times()
                cpu[v][0] += (c1.user - c0.user) * 1e3
                cpu[v][1] += (c1.system - c0.system) * 1e3
                n = len(out)
                if expect >= 0 and n != expect:
                    sys.exit(f'diag_pyroute2: {ops[v]}: expected {expect} sockets, got {n}')
                if v == 1 and n and out[-1][-1] is None:
                    sys.exit('diag_pyroute2: no tcp_info decoded')
                count = n
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for v in range(2):
        s = sorted(times[v])
        med = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
        print(f'RESULT impl=pyroute2-diag op={ops[v]} n={count} total_ms={med:.3f} per_op_us={med * 1e3:.3f} '
              f'user_ms={cpu[v][0] / reps:.2f} sys_ms={cpu[v][1] / reps:.2f} reps={reps} min_ms={s[0]:.3f} maxrss_kb={rss}')


if __name__ == '__main__':
    main()
