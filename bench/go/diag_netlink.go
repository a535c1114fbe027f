// Go vishvananda/netlink (Debian's golang-github-vishvananda-netlink-dev) for the
// socket-diagnostics workload D1 of bench/suite.ts: one IPv4 TCP socket dump + decode,
// median of -reps, through the library's package functions (each opens and closes its
// own NETLINK_INET_DIAG socket, as the library does):
//
//	SocketDiagTCP(AF_INET)      -> op=d1_tcp_dump       ([]*Socket: the inet_diag_msg fields)
//	SocketDiagTCPInfo(AF_INET)  -> op=d1_tcp_dump_info  (the same and tcp_info, vegas info decoded)
//
// Both ask the kernel for INET_DIAG_INFO and INET_DIAG_VEGASINFO (the library's fixed
// request); SocketDiagTCP ignores the attributes. The two alternate dump by dump.
//
//	diag_netlink [-reps R] [-expect M]
//
// The sockets are made and held by the runner (bench/diag.ts hold) in this netns.
// Built by bench/peers.sh in GOPATH mode against /usr/share/gocode (offline).
// Refuses the host netns (PBENCH_HOST_NETNS, set by the runner).
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
)

func cpuMs() (float64, float64) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()) / 1e6, float64(ru.Stime.Nano()) / 1e6
}

func median(xs []float64) (float64, float64) {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], s[0]
	}
	return (s[n/2-1] + s[n/2]) / 2, s[0]
}

func main() {
	reps := flag.Int("reps", 20, "dumps per variant")
	expect := flag.Int("expect", -1, "sockets each dump must return")
	flag.Int("n", 0, "ignored")
	flag.Int("naddr", 0, "ignored")
	flag.Parse()
	host := os.Getenv("PBENCH_HOST_NETNS")
	cur, err := os.Readlink("/proc/self/ns/net")
	if host == "" || err != nil || cur == host {
		fmt.Fprintln(os.Stderr, "diag_netlink: refusing to run outside a fresh netns (PBENCH_HOST_NETNS; use npm run bench)")
		os.Exit(3)
	}
	ops := []string{"d1_tcp_dump", "d1_tcp_dump_info"}
	times := [][]float64{make([]float64, *reps), make([]float64, *reps)}
	var cpuU, cpuS [2]float64
	count := 0
	for r := 0; r < *reps; r++ {
		for k := 0; k < 2; k++ {
			v := (r + k) % 2
			u0, s0 := cpuMs()
			t0 := time.Now()
			var n int
			if v == 0 {
				socks, err := netlink.SocketDiagTCP(syscall.AF_INET)
				if err != nil {
					fmt.Fprintln(os.Stderr, "SocketDiagTCP:", err)
					os.Exit(1)
				}
				n = len(socks)
			} else {
				socks, err := netlink.SocketDiagTCPInfo(syscall.AF_INET)
				if err != nil {
					fmt.Fprintln(os.Stderr, "SocketDiagTCPInfo:", err)
					os.Exit(1)
				}
				n = len(socks)
				if n > 0 && socks[n-1].TCPInfo == nil {
					fmt.Fprintln(os.Stderr, "SocketDiagTCPInfo: no tcp_info decoded")
					os.Exit(1)
				}
			}
			times[v][r] = float64(time.Since(t0).Nanoseconds()) / 1e6
			u1, s1 := cpuMs()
			cpuU[v] += u1 - u0
			cpuS[v] += s1 - s0
			if *expect >= 0 && n != *expect {
				fmt.Fprintf(os.Stderr, "diag_netlink: %s: expected %d sockets, got %d\n", ops[v], *expect, n)
				os.Exit(1)
			}
			count = n
		}
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	for v := 0; v < 2; v++ {
		med, min := median(times[v])
		fmt.Printf("RESULT impl=go-netlink-diag op=%s n=%d total_ms=%.3f per_op_us=%.3f user_ms=%.2f sys_ms=%.2f reps=%d min_ms=%.3f maxrss_kb=%d\n",
			ops[v], count, med, med*1e3, cpuU[v]/float64(*reps), cpuS[v]/float64(*reps), *reps, min, ru.Maxrss)
	}
}
