#!/usr/bin/env bash
# Run the test suite (or any npm script) under another Node major than the machine's,
# without installing it system-wide: the official Linux binary comes from the npm
# registry (the node-linux-<arch> package the `node` package installs from), unpacked
# into a cache directory once, and put first on PATH for `npm test`.
#
#   bash scripts/test-node.sh 22            # npm test under the newest Node 22
#   bash scripts/test-node.sh 22 test/nfnl  # a path filter, as `npm test -- …`
#
# CI runs the machine's Node (20, `engines` in package.json); this is how other majors
# are checked by hand. Needs the npm registry; as root for the privileged tests, like
# `npm test`. npm is the machine's, run by the chosen Node (its `#!/usr/bin/env node`).
set -euo pipefail
major="${1:?usage: scripts/test-node.sh MAJOR [npm test arguments…]}"
shift
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "test-node: no Node binary package for $(uname -m)" >&2; exit 2 ;;
esac
cache="${XDG_CACHE_HOME:-$HOME/.cache}/nlkit-node/${major}-${arch}"
if [ ! -x "$cache/package/bin/node" ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm pack --silent "node-linux-${arch}@${major}" >/dev/null && tar xzf node-linux-"${arch}"-*.tgz && rm -f node-linux-"${arch}"-*.tgz)
fi
export PATH="$cache/package/bin:$PATH"
echo "test-node: $(node --version) from $cache" >&2
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then exec npm test -- "$@"; fi
exec npm test
