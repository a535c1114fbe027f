#!/usr/bin/env python3
"""Generate src/diag/constants.ts (socket diagnostics: NETLINK_SOCK_DIAG) from the
kernel's UAPI headers.

Never guess a number: every constant, struct size, field offset and bitfield mask is
printed by a C program compiled against /usr/include, so the values are the headers'
own. Re-run after a header update:
    python3 scripts/gen-diag-constants.py > src/diag/constants.ts
"""
import os, re, subprocess, sys, tempfile

HEADERS = ['linux/sock_diag.h', 'linux/inet_diag.h', 'linux/unix_diag.h', 'linux/tcp.h', 'linux/bpf.h', 'linux/netlink_diag.h', 'linux/packet_diag.h']
# #define'd or enum names, by prefix (mixed-case enum members are listed in NAMES).
PREFIXES = ('SOCK_DIAG_BY_FAMILY', 'SOCK_DESTROY', 'SK_MEMINFO_', 'SKNLGRP_', 'INET_DIAG_', 'UDIAG_SHOW_',
            # netlink and packet sockets (`ss -f netlink`, `ss -0`)
            'NDIAG_', 'NETLINK_DIAG_', 'PACKET_DIAG_', 'PACKET_SHOW_', 'PDI_',
            'UNIX_DIAG_', 'TCPI_OPT_', 'BPF_TCP_')
# The TCP states: the kernel's TCP_* (net/tcp_states.h) is not UAPI; bpf.h's BPF_TCP_*
# is, and the kernel pins each to its TCP_* (BUILD_BUG_ON in net/core/filter.c).
NAMES = ['AF_NETLINK', 'TCP_CA_Open', 'TCP_CA_Disorder', 'TCP_CA_CWR', 'TCP_CA_Recovery', 'TCP_CA_Loss',
         'AF_UNIX', 'AF_INET', 'AF_INET6', 'AF_PACKET', 'SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_SEQPACKET', 'SOCK_RAW',
         'IPPROTO_TCP', 'IPPROTO_UDP', 'IPPROTO_UDPLITE', 'IPPROTO_RAW', 'IPPROTO_SCTP', 'IPPROTO_MPTCP', 'IPPROTO_DCCP',
         'IPPROTO_ICMP', 'IPPROTO_ICMPV6']
SKIP = re.compile(r'^__|_MAX$|^INET_DIAG_GETSOCK_MAX$|^BPF_TCP_MAX_STATES$|^INET_DIAG_NOCOOKIE$|^SK_DIAB_')
# Structs whose fields are read or written: their size, every field's offset and size,
# a bitfield's byte and mask. Names are the header's.
STRUCTS = {
    'linux/inet_diag.h': ['inet_diag_sockid', 'inet_diag_req_v2', 'inet_diag_msg', 'inet_diag_bc_op', 'inet_diag_hostcond',
                          'inet_diag_markcond', 'inet_diag_meminfo', 'inet_diag_sockopt', 'tcpvegas_info', 'tcp_dctcp_info',
                          'tcp_bbr_info'],
    'linux/unix_diag.h': ['unix_diag_req', 'unix_diag_msg', 'unix_diag_vfs', 'unix_diag_rqlen'],
    'linux/tcp.h': ['tcp_info'],
    'linux/netlink_diag.h': ['netlink_diag_req', 'netlink_diag_msg'],
    'linux/packet_diag.h': ['packet_diag_req', 'packet_diag_msg', 'packet_diag_info', 'packet_diag_mclist'],
}
FIELD = re.compile(r'^\s*(?:__u8|__u16|__u32|__u64|__be16|__be32|__s32|int|unsigned char|unsigned short|struct\s+\w+)\s+(.*?);', re.S)

def strip_comments(t):
    return re.sub(r'/\*.*?\*/', '', t, flags=re.S)

def struct_fields(text, name):
    m = re.search(r'struct\s+' + name + r'\s*\{(.*?)\n\};', text, re.S)
    if not m: sys.exit(f'struct {name} not found')
    body = re.sub(r'#define[^\n]*', '', m.group(1))
    out = []
    for decl in body.split(';'):
        decl = ' '.join(decl.split())
        if not decl: continue
        mm = re.match(r'^(__u8|__u16|__u32|__u64|__be16|__be32|__s32|int|unsigned char|unsigned short|struct \w+) (.*)$', decl)
        if not mm: sys.exit(f'struct {name}: cannot read "{decl}"')
        for part in mm.group(2).split(','):
            part = part.strip()
            bits = None
            if ':' in part:
                part, bits = [x.strip() for x in part.split(':')]
            arr = re.match(r'^(\w+)\[(\d*)\]$', part)
            fname = arr.group(1) if arr else part
            out.append((fname, bits is not None, arr is not None and arr.group(2) == ''))
    return out

texts = {h: strip_comments(open('/usr/include/' + h).read()) for h in HEADERS}
names = []
seen = set()
for h in HEADERS:
    for m in re.finditer(r'\b([A-Z][A-Z0-9_]+)\b', texts[h]):
        n = m.group(1)
        if n in seen or not n.startswith(PREFIXES) or SKIP.search(n): continue
        seen.add(n); names.append(n)
names += NAMES

src = '#include <stdio.h>\n#include <string.h>\n#include <stddef.h>\n#include <sys/socket.h>\n#include <netinet/in.h>\n'
src += ''.join(f'#include <{h}>\n' for h in HEADERS) + 'int main(void){\n'
for n in names:
    src += f'  printf("C {n} %lld\\n", (long long)({n}));\n'
src += '  printf("C INET_DIAG_NOCOOKIE %lld\\n", (long long)INET_DIAG_NOCOOKIE);\n'
fields = {}
for h, sts in STRUCTS.items():
    for st in sts:
        fs = struct_fields(texts[h], st)
        fields[st] = fs
        src += f'  printf("S {st} %zu\\n", sizeof(struct {st}));\n'
        for f, bit, flex in fs:
            if bit:
                # A bitfield: set every bit of it in a zeroed struct and find its byte and mask.
                src += (f'  {{ union {{ struct {st} s; unsigned char b[sizeof(struct {st})]; }} u; memset(&u, 0, sizeof u); u.s.{f} = -1;'
                        f' for (size_t i = 0; i < sizeof u.b; i++) if (u.b[i]) printf("B {st} {f} %zu %u\\n", i, u.b[i]); }}\n')
            elif flex:
                src += f'  printf("F {st} {f} %zu 0\\n", offsetof(struct {st}, {f}));\n'
            else:
                src += f'  {{ struct {st} x; printf("F {st} {f} %zu %zu\\n", offsetof(struct {st}, {f}), sizeof x.{f}); }}\n'
src += 'return 0;}\n'
d = tempfile.mkdtemp()
c = os.path.join(d, 'g.c'); exe = os.path.join(d, 'g')
open(c, 'w').write(src)
r = subprocess.run(['cc', '-w', '-o', exe, c], capture_output=True, text=True)
if r.returncode != 0: sys.exit(r.stderr)
out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.splitlines()

# Doc comments of the constants src/index.ts exports (public symbols), with what ss shows.
DOCS = {
    'SOCK_DIAG_BY_FAMILY': 'nlmsg_type of a socket-diagnostics request and its answers (what `ss` sends).',
    'SOCK_DESTROY': 'nlmsg_type that destroys a socket (`ss -K`).',
    'TCPI_OPT_TIMESTAMPS': 'TcpInfo.options bit: TCP timestamps in use (`ss -i`: `ts`).',
    'TCPI_OPT_SACK': 'TcpInfo.options bit: SACK in use (`ss -i`: `sack`).',
    'TCPI_OPT_WSCALE': 'TcpInfo.options bit: window scaling in use (`ss -i`: `wscale:S,R`).',
    'TCPI_OPT_ECN': 'TcpInfo.options bit: ECN negotiated (`ss -i`: `ecn`).',
    'TCPI_OPT_ECN_SEEN': 'TcpInfo.options bit: an ECT codepoint received (`ss -i`: `ecnseen`).',
    'TCPI_OPT_SYN_DATA': 'TcpInfo.options bit: SYN carried data, TCP Fast Open (`ss -i`: `fastopen`).',
    'TCP_CA_Open': 'TcpInfo.caState: no loss seen (`ss -i` prints no state).',
    'TCP_CA_Disorder': 'TcpInfo.caState: SACKs or duplicate ACKs seen.',
    'TCP_CA_CWR': 'TcpInfo.caState: the window was reduced (ECN, local congestion).',
    'TCP_CA_Recovery': 'TcpInfo.caState: fast retransmit.',
    'TCP_CA_Loss': 'TcpInfo.caState: a retransmission timeout (RTO) fired.',
}

def camel(s):
    p = s.split('_')
    return p[0] + ''.join(x[:1].upper() + x[1:] for x in p[1:])

print('// Generated by scripts/gen-diag-constants.py from the kernel UAPI headers in /usr/include')
print(f'// ({", ".join(HEADERS)}). Do not edit by hand: re-run the script.')
print('// Values, sizes, offsets and bitfield masks are what a C compiler reads from the headers.')
print('/* eslint-disable */')
structs = {}
values = {}
for line in out:
    k, *rest = line.split()
    if k == 'C':
        values[rest[0]] = int(rest[1])
        if rest[0] in DOCS: print(f'/** {DOCS[rest[0]]} */')
        print(f'export const {rest[0]} = {rest[1]};')
    elif k == 'S':
        structs[rest[0]] = {'size': int(rest[1]), 'fields': []}
    elif k == 'F':
        structs[rest[0]]['fields'].append((rest[1], int(rest[2]), int(rest[3]), 0))
    elif k == 'B':
        structs[rest[0]]['fields'].append((rest[1], int(rest[2]), 1, int(rest[3])))
for st, s in structs.items():
    print()
    print(f'/** sizeof(struct {st}). */')
    print(f'export const SIZEOF_{st.upper()} = {s["size"]};')
    for f, off, size, mask in s['fields']:
        print(f'export const OFF_{st.upper()}_{f.upper()} = {off};')
        if mask: print(f'export const MASK_{st.upper()}_{f.upper()} = {mask};')
# tcp_info as a table (camel-case name without `tcpi_`, offset, size, bitfield mask or 0):
# decoded field by field up to the length the kernel sent.
print()
print('/** struct tcp_info field by field: [name, offset, size in bytes, bitfield mask or 0], in the header\'s order. */')
print('export const TCP_INFO_FIELDS = [')
for f, off, size, mask in structs['tcp_info']['fields']:
    print(f"  ['{camel(f[len('tcpi_'):])}', {off}, {size}, {mask}],")
print('] as const;')

# Newer than these headers (Debian's linux-libc-dev 6.1): kernel 6.7 ("tcp: add
# TCP_BOUND_INACTIVE state", include/uapi/linux/bpf.h) continues the BPF_TCP_* enum after
# BPF_TCP_NEW_SYN_RECV with BPF_TCP_BOUND_INACTIVE: a bound socket that neither listens
# nor connects. inet_diag reports it when the request's state mask has its bit.
after = values['BPF_TCP_NEW_SYN_RECV']
if after != 12: sys.exit(f'BPF_TCP_NEW_SYN_RECV is {after}, not 12: re-check BPF_TCP_BOUND_INACTIVE')
print()
print('// Newer than these headers: the kernel (6.7+) bpf.h enum continues after BPF_TCP_NEW_SYN_RECV with this (see the generator).')
if 'BPF_TCP_BOUND_INACTIVE' in values:
    if values['BPF_TCP_BOUND_INACTIVE'] != after + 1: sys.exit('BPF_TCP_BOUND_INACTIVE moved')
else:
    print(f'export const BPF_TCP_BOUND_INACTIVE = {after + 1};')

# struct tcp_info as a TypeScript interface, in the header's order. The fields up to
# tcpi_total_retrans are in every kernel Node runs on; the later ones came one by one
# (3.15 to 6.x) and are absent when the kernel sends a shorter struct.
UNITS = {'rto': 'µs', 'ato': 'µs', 'lastDataSent': 'ms ago', 'lastAckSent': 'ms ago (not remembered: 0)', 'lastDataRecv': 'ms ago',
         'lastAckRecv': 'ms ago', 'rtt': 'µs (smoothed)', 'rttvar': 'µs', 'rcvRtt': 'µs', 'minRtt': 'µs', 'pacingRate': 'bytes per second',
         'maxPacingRate': 'bytes per second', 'deliveryRate': 'bytes per second', 'busyTime': 'µs', 'rwndLimited': 'µs',
         'sndbufLimited': 'µs', 'sndCwnd': 'segments', 'sndSsthresh': 'segments', 'sndMss': 'bytes', 'rcvMss': 'bytes', 'advmss': 'bytes',
         'pmtu': 'bytes', 'rcvSpace': 'bytes', 'rcvSsthresh': 'bytes', 'sndWnd': 'bytes', 'notsentBytes': 'bytes',
         'options': 'TCPI_OPT_* bits', 'caState': 'TCP_CA_* (0 open, 1 disorder, 2 cwr, 3 recovery, 4 loss)', 'state': 'BPF_TCP_* (the socket\'s state)'}
fs = structs['tcp_info']['fields']
required_end = next(off + size for f, off, size, m in fs if f == 'tcpi_total_retrans')
print()
print('/**')
print(' * struct tcp_info (INET_DIAG_INFO of a TCP socket; `ss -i`), field by field as <linux/tcp.h>')
print(' * names them without `tcpi_`. u64 counters are bigint. Fields after `totalRetrans` came in')
print(' * later kernels and are absent when the kernel sends a shorter struct.')
print(' */')
print('export interface TcpInfo {')
for f, off, size, mask in fs:
    n = camel(f[len('tcpi_'):])
    t = 'bigint' if size == 8 else 'number'
    opt = '' if off + size <= required_end else '?'
    unit = UNITS.get(n)
    print(f'  /** {f}{"; " + unit if unit else ""}. */')
    print(f'  readonly {n}{opt}: {t}{" | undefined" if opt else ""};')
print('}')

# The decoder of struct tcp_info: one object literal of a fixed shape (a fast V8 object),
# every field read at its offset — a loop that added keys one by one made each object a
# dictionary, and decoding and collecting them cost most of a dump with tcp_info. A struct
# shorter than this header's (an older kernel) goes field by field and stops at its end.
print()
print('/**')
print(' * struct tcp_info at `o` (`l` bytes, as the kernel sent it) as a {@link TcpInfo}; `le`')
print(' * is the host\'s byte order (the struct is in host order). Fields past a shorter struct')
print(' * (an older kernel) are absent; bytes past this header\'s struct (a newer kernel) are not read.')
print(' */')
print('export function decodeTcpInfo(v: DataView, o: number, l: number, le: boolean): TcpInfo {')
print('  if (l < SIZEOF_TCP_INFO) return decodeTcpInfoShort(v, o, l, le);')
print('  return {')
for f, off, size, mask in fs:
    n = camel(f[len('tcpi_'):])
    if mask:
        shift = (mask & -mask).bit_length() - 1
        expr = f'(v.getUint8(o + {off}) & {mask}) >>> {shift}' if shift else f'v.getUint8(o + {off}) & {mask}'
    elif size == 8: expr = f'v.getBigUint64(o + {off}, le)'
    elif size == 4: expr = f'v.getUint32(o + {off}, le)'
    elif size == 2: expr = f'v.getUint16(o + {off}, le)'
    else: expr = f'v.getUint8(o + {off})'
    print(f'    {n}: {expr},')
print('  };')
print('}')
print()
print('function decodeTcpInfoShort(v: DataView, o: number, l: number, le: boolean): TcpInfo {')
print('  const out: Record<string, number | bigint> = {};')
print('  const fields: readonly (readonly [string, number, number, number])[] = TCP_INFO_FIELDS;')
print('  for (const [name, off, size, mask] of fields) {')
print('    if (off + size > l) break;')
print('    if (mask !== 0) out[name] = (v.getUint8(o + off) & mask) >>> (31 - Math.clz32(mask & -mask));')
print('    else if (size === 8) out[name] = v.getBigUint64(o + off, le);')
print('    else if (size === 4) out[name] = v.getUint32(o + off, le);')
print('    else if (size === 2) out[name] = v.getUint16(o + off, le);')
print('    else out[name] = v.getUint8(o + off);')
print('  }')
print('  return out as unknown as TcpInfo;')
print('}')
