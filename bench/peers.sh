#!/bin/bash
# Install the Debian packages the benchmark peers need and build the peer programs of
# ../shared/peers (C libmnl, Go vishvananda/netlink, Rust rtnetlink) and nlkit's own C
# reference for setupVeth (bench/c/setupveth_mnl.c, libmnl) and the socket-diagnostics
# references (bench/c/diag_mnl.c, libmnl; bench/go/diag_netlink.go, vishvananda/netlink)
# and the conntrack references (bench/c/ct_mnl.c, libmnl; bench/go/ct_netlink.go,
# vishvananda/netlink) into bench/.peers/ (git-ignored). ../shared is read-only: sources are copied, nothing is written there.
# The script peers (pyroute2, iproute2) run from ../shared/peers as they are.
#
# usage: bench/peers.sh [--no-install] [c|setupveth|diag|ct|go|rust|all]
#   --no-install  skip apt-get (packages already there)
#   c             bench_mnl, setupveth_mnl, diag_mnl and ct_mnl; setupveth: setupveth_mnl only
#   diag          diag_mnl and diag_netlink (the D1 peers) only; go includes diag_netlink
#   ct            ct_mnl and ct_netlink (the D2 peers) only; go includes ct_netlink
# Everything builds offline: Go in GOPATH mode against Debian's /usr/share/gocode,
# Rust against Debian's crate registry /usr/share/cargo/registry.
# A peer that cannot be built is skipped with a message; `npm run bench` runs the ones
# whose binaries exist.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SRC=${NLKIT_PEERS_SRC:-$(cd "$ROOT/../shared/peers" 2>/dev/null && pwd)}
OUT="$HERE/.peers"
install=1
if [ "${1:-}" = --no-install ]; then install=0; shift; fi
what=${1:-all}

if [ -z "$SRC" ] || [ ! -f "$SRC/c/bench_mnl.c" ]; then
	echo "peers.sh: peer sources not found (../shared/peers); set NLKIT_PEERS_SRC" >&2
	exit 1
fi

if [ "$install" = 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "peers.sh: not root, skipping apt-get (use --no-install to silence)" >&2
	else
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q >/dev/null
		# From ../shared/peers/README.md, plus gcc (C peer), time (/usr/bin/time for
		# peak RSS), iproute2 (ip -batch peer, usually present), python3 for pyroute2 and
		# conntrack (conntrack-tools: the `conntrack -L` peer of D2).
		pkgs=(gcc libmnl-dev golang-go golang-github-vishvananda-netlink-dev golang-github-vishvananda-netns-dev
			python3 python3-pyroute2 iproute2 time strace conntrack
			librust-rtnetlink-dev 'librust-rtnetlink+tokio-socket-dev' librust-tokio-dev)
		# cargo/rustc: use the one on PATH (rustup) if any, else Debian's.
		command -v cargo >/dev/null || pkgs+=(cargo)
		apt-get install -y -q "${pkgs[@]}" >/dev/null || echo "peers.sh: apt-get install failed (some peers will be skipped)" >&2
	fi
fi

mkdir -p "$OUT"
status=0
if [ "$what" = c ] || [ "$what" = all ]; then
	if gcc -O2 -Wall -Wextra -o "$OUT/bench_mnl" "$SRC/c/bench_mnl.c" -lmnl; then
		echo "built bench/.peers/bench_mnl"
	else
		echo "peers.sh: C libmnl peer not built" >&2; status=1
	fi
fi
if [ "$what" = c ] || [ "$what" = setupveth ] || [ "$what" = all ]; then
	# Built to a temporary name and renamed: a suite running the old binary is not disturbed.
	if gcc -O2 -Wall -Wextra -o "$OUT/setupveth_mnl.tmp" "$HERE/c/setupveth_mnl.c" -lmnl && mv -f "$OUT/setupveth_mnl.tmp" "$OUT/setupveth_mnl"; then
		echo "built bench/.peers/setupveth_mnl"
	else
		rm -f "$OUT/setupveth_mnl.tmp"
		echo "peers.sh: C libmnl setupVeth reference not built" >&2; status=1
	fi
fi
if [ "$what" = c ] || [ "$what" = diag ] || [ "$what" = all ]; then
	if gcc -O2 -Wall -Wextra -o "$OUT/diag_mnl.tmp" "$HERE/c/diag_mnl.c" -lmnl && mv -f "$OUT/diag_mnl.tmp" "$OUT/diag_mnl"; then
		echo "built bench/.peers/diag_mnl"
	else
		rm -f "$OUT/diag_mnl.tmp"
		echo "peers.sh: C libmnl socket-diagnostics reference not built" >&2; status=1
	fi
fi
if [ "$what" = go ] || [ "$what" = diag ] || [ "$what" = all ]; then
	# SocketDiagTCP / SocketDiagTCPInfo exist in Debian's vishvananda/netlink (1.1.0.125).
	rm -rf "$OUT/go-diag-src" && mkdir -p "$OUT/go-diag-src" && cp "$HERE/go/diag_netlink.go" "$OUT/go-diag-src/"
	if command -v go >/dev/null && (cd "$OUT/go-diag-src" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOPROXY=off \
		GOCACHE="$OUT/gocache" go build -o "$OUT/diag_netlink.tmp" diag_netlink.go) && mv -f "$OUT/diag_netlink.tmp" "$OUT/diag_netlink"; then
		echo "built bench/.peers/diag_netlink"
	else
		rm -f "$OUT/diag_netlink.tmp"
		echo "peers.sh: Go vishvananda/netlink socket-diagnostics peer not built" >&2; status=1
	fi
fi
if [ "$what" = c ] || [ "$what" = ct ] || [ "$what" = all ]; then
	if gcc -O2 -Wall -Wextra -o "$OUT/ct_mnl.tmp" "$HERE/c/ct_mnl.c" -lmnl && mv -f "$OUT/ct_mnl.tmp" "$OUT/ct_mnl"; then
		echo "built bench/.peers/ct_mnl"
	else
		rm -f "$OUT/ct_mnl.tmp"
		echo "peers.sh: C libmnl conntrack reference not built" >&2; status=1
	fi
fi
if [ "$what" = go ] || [ "$what" = ct ] || [ "$what" = all ]; then
	# ConntrackTableList / ConntrackDeleteFilter exist in Debian's vishvananda/netlink (1.1.0.125);
	# ConntrackCreate / ConntrackDelete do not (later versions).
	rm -rf "$OUT/go-ct-src" && mkdir -p "$OUT/go-ct-src" && cp "$HERE/go/ct_netlink.go" "$OUT/go-ct-src/"
	if command -v go >/dev/null && (cd "$OUT/go-ct-src" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOPROXY=off \
		GOCACHE="$OUT/gocache" go build -o "$OUT/ct_netlink.tmp" ct_netlink.go) && mv -f "$OUT/ct_netlink.tmp" "$OUT/ct_netlink"; then
		echo "built bench/.peers/ct_netlink"
	else
		rm -f "$OUT/ct_netlink.tmp"
		echo "peers.sh: Go vishvananda/netlink conntrack peer not built" >&2; status=1
	fi
fi
if [ "$what" = go ] || [ "$what" = all ]; then
	rm -rf "$OUT/go-src" && mkdir -p "$OUT/go-src" && cp "$SRC/go/bench_netlink.go" "$OUT/go-src/"
	if command -v go >/dev/null && (cd "$OUT/go-src" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOPROXY=off \
		GOCACHE="$OUT/gocache" go build -o "$OUT/bench_netlink" bench_netlink.go); then
		echo "built bench/.peers/bench_netlink"
	else
		echo "peers.sh: Go vishvananda/netlink peer not built" >&2; status=1
	fi
fi
if [ "$what" = rust ] || [ "$what" = all ]; then
	if [ -d /usr/share/cargo/registry/rtnetlink-0.10.1 ] && command -v cargo >/dev/null; then
		rm -rf "$OUT/rust-src" && mkdir -p "$OUT/rust-src" && cp -r "$SRC/rust/." "$OUT/rust-src/" && chmod -R u+w "$OUT/rust-src"
		if (cd "$OUT/rust-src" && CARGO_TARGET_DIR="$OUT/rust-target" cargo build --release --offline -q); then
			cp "$OUT/rust-target/release/bench_rtnetlink" "$OUT/bench_rtnetlink"
			echo "built bench/.peers/bench_rtnetlink"
		else
			echo "peers.sh: Rust rtnetlink peer not built" >&2; status=1
		fi
	else
		echo "peers.sh: skip Rust (librust-rtnetlink-dev or cargo missing)" >&2; status=1
	fi
fi
# Where the script peers live, for scripts/bench.mjs.
echo "$SRC" >"$OUT/SRC"
exit $status
