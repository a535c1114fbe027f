#!/usr/bin/env python3
"""Print the ERRNO_NAME table of src/netlink/errors.ts: each Linux errno's name, the
first `#define NAME NUMBER` of that number in <asm-generic/errno-base.h> and
<asm-generic/errno.h> (aliases such as EWOULDBLOCK, defined as another name, are not
numbers and are skipped). Paste the output over the table after a header update."""
import re
names = {}
for h in ['/usr/include/asm-generic/errno-base.h', '/usr/include/asm-generic/errno.h']:
    for m in re.finditer(r'#define\s+(E[A-Z0-9]+)\s+(\d+)', open(h).read()):
        names.setdefault(int(m.group(2)), m.group(1))
line = ' '
print('const ERRNO_NAME: readonly string[] = [')
for i in range(max(names) + 1):
    tok = f" '{names.get(i, '')}',"
    if len(line) + len(tok) > 110:
        print(line.rstrip())
        line = ' '
    line += tok
print(line.rstrip())
print('];')
