#!/usr/bin/env python3
"""Capture the NETLINK_XFRM requests `ip xfrm` sends, as the byte-level oracle of nlkit's
xfrm encoder (test/xfrm/state-bytes.test.ts and policy-bytes.test.ts compare nlkit's
bytes with these).

Each command runs under `strace -e write=all` in a throwaway mount+network namespace of
its own (`unshare -m -n`), so nothing reaches the host's xfrm tables; the request is
captured whether the kernel takes it or not (a kernel without ESP refuses states with
EPROTONOSUPPORT after `ip` has sent them). Only messages sent on the NETLINK_XFRM socket
are kept (`dev NAME` makes `ip` send an RTM_GETLINK on another socket first). The
sequence number (ip uses time(NULL)) is zeroed. Needs root, strace and iproute2:
    sudo python3 scripts/capture-xfrm-fixtures.py > test/fixtures/xfrm/ip-requests.json
"""
import json, re, subprocess, sys

K16 = '0x00112233445566778899aabbccddeeff'
K32 = '0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'
K20 = '0x00112233445566778899aabbccddeeff01020304'
K20SHA1 = '0x0011223344556677889900112233445566778899'
CASES = {
    # States (SAs): the kernel here has no ESP/AH/IPComp, so ip's request is refused after it is sent.
    'state-add-esp-tunnel-cbc-aes-hmac-sha256': 'state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 reqid 7 mode tunnel replay-window 32 '
        f'enc cbc(aes) {K16} auth-trunc hmac(sha256) {K32} 128',
    'state-add-esp-aead-rfc4106': f'state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x2000 mode transport aead rfc4106(gcm(aes)) {K20} 128',
    'state-add-esp-in-udp': f'state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x2001 mode tunnel enc cbc(aes) {K16} auth-trunc hmac(sha256) {K32} 128 '
        'encap espinudp 4500 4501 0.0.0.0',
    'state-add-mark-if-id-output-mark': f'state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x2002 mode tunnel reqid 9 aead rfc4106(gcm(aes)) {K20} 128 '
        'mark 7 mask 0xff output-mark 9 mask 0xf if_id 42',
    'state-add-ipv6-tunnel-selector': f'state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x3000 mode tunnel reqid 1 sel src 2001:db8:1::/64 dst 2001:db8:2::/64 proto tcp dport 443 '
        f'aead rfc4106(gcm(aes)) {K20} 96',
    'state-add-esn-limits-flags': f'state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3001 mode transport replay-window 128 replay-seq 5 replay-oseq 9 flag noecn esn '
        f'extra-flag dont-encap-dscp limit time-soft 600 limit time-hard 900 limit byte-hard 1000000 enc cbc(aes) {K32} auth hmac(sha1) {K20SHA1}',
    'state-add-replay-counters': f'state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3002 replay-window 16 replay-seq 3 replay-oseq 4 enc cbc(aes) {K16}',
    'state-add-ah': f'state add src 192.0.2.1 dst 192.0.2.2 proto ah spi 0x4000 mode transport auth-trunc hmac(sha256) {K32} 96',
    'state-add-comp': 'state add src 192.0.2.1 dst 192.0.2.2 proto comp spi 0x4 mode tunnel comp deflate',
    'state-update-esp': f'state update src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 reqid 8 mode tunnel enc cbc(aes) {K16}',
    'state-get-by-id': 'state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mark 7 mask 0xff',
    'state-delete-by-id': 'state delete dst 2001:db8::2 proto esp spi 0x3000',
    'state-allocspi': 'state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid 5 mark 7 mask 0xff min 0x100 max 0x200',
    # ip writes `seq` big-endian (xfrm_seq_parse: get_be32); the kernel reads xfrm_usersa_info.seq in host order.
    'state-allocspi-seq': 'state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp seq 3',
    'state-allocspi-ipv6-comp': 'state allocspi src 2001:db8::1 dst 2001:db8::2 proto comp',
    'state-flush-esp': 'state flush proto esp',
    'state-flush-all': 'state flush',
    # Policies (these the kernel takes).
    'policy-add-tunnel-mark-if-id': 'policy add src 10.0.0.0/24 dst 10.1.0.0/24 proto tcp dport 80 dir out priority 100 mark 7 mask 0xff if_id 5 '
        'tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 3 mode tunnel',
    'policy-add-ipv6-block-index': 'policy add src 2001:db8::/64 dst ::/0 dir in action block index 8 ptype sub flag localok icmp limit time-hard 60 limit packet-soft 10',
    'policy-add-icmp-dev-transport': 'policy add src 10.0.0.0/24 dst 10.1.0.0/24 proto icmp type 8 code 0 dev lo dir fwd tmpl proto ah mode transport level use reqid 2',
    'policy-update-two-templates': 'policy update src 10.0.0.1 dst 10.0.0.2 dir out priority 5 tmpl proto comp mode transport tmpl src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x10 mode tunnel',
    'policy-get-by-selector': 'policy get src 10.0.0.0/24 dst 10.1.0.0/24 proto tcp dport 80 dir out mark 7 mask 0xff if_id 5',
    'policy-get-by-index': 'policy get index 9 dir out',
    'policy-delete-by-selector': 'policy delete src 2001:db8::/64 dst ::/0 dir in ptype sub',
}

def capture(args):
    sh = 'mount -t tmpfs tmpfs /run; ip link set lo up; exec strace -f -e trace=socket,sendmsg,sendto -e write=all -s 0 ip xfrm ' + ' '.join(f"'{a}'" for a in args)
    r = subprocess.run(['unshare', '-m', '-n', '--propagation', 'private', 'sh', '-c', sh], capture_output=True, text=True)
    xfrm_fds, msgs, cur, keep = set(), [], None, False
    for line in r.stderr.splitlines():
        m = re.match(r'^(?:\[pid +\d+\] )?socket\(AF_NETLINK, .*NETLINK_XFRM\) = (\d+)', line)
        if m: xfrm_fds.add(int(m.group(1))); continue
        m = re.match(r'^(?:\[pid +\d+\] )?send(?:msg|to)\((\d+),', line)
        if m:
            if cur is not None and keep: msgs.append(cur)
            cur, keep = bytearray(), int(m.group(1)) in xfrm_fds
            continue
        if cur is not None and line.startswith(' | '):
            cur += bytes(int(x, 16) for x in line[10:10 + 49].split())
    if cur is not None and keep: msgs.append(cur)
    if len(msgs) != 1: sys.exit(f'ip xfrm {" ".join(args)}: {len(msgs)} xfrm requests captured\n{r.stderr}')
    b = msgs[0]
    b[8:12] = b'\0\0\0\0'  # nlmsg_seq: ip's time(NULL)
    return b, r.returncode, [l for l in r.stderr.splitlines() if l.startswith(('Error', 'RTNETLINK'))]

ver = subprocess.run(['ip', '-V'], capture_output=True, text=True).stdout.strip()
out = {'generatedBy': 'scripts/capture-xfrm-fixtures.py', 'iproute2': ver, 'kernel': subprocess.run(['uname', '-r'], capture_output=True, text=True).stdout.strip(), 'cases': {}}
for name, cmd in CASES.items():
    args = cmd.split()
    b, rc, err = capture(args)
    out['cases'][name] = {'command': 'ip xfrm ' + cmd, 'exitCode': rc, 'ipSaid': ' '.join(err), 'hex': b.hex()}
print(json.dumps(out, indent=1))
