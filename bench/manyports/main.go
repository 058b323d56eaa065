// Command manyports is one Go process that looks like a fleet to a profiler:
// it serves net/http/pprof (http.DefaultServeMux) on N loopback ports at once,
// so pprofd can be benchmarked against a thousand targets without starting a
// thousand processes.
//
//	manyports -ports 1000 -out addrs.txt [-duration 10m] [-workers 4] [-profiles DIR]
//
// Every listener binds 127.0.0.1:0. Once all are bound, the addresses are
// written to -out, one host:port per line (to a temporary file renamed into
// place, so a reader never sees a partial list), and "listening on N ports" is
// printed to stdout.
//
// A light background workload gives the profiles content: a few goroutines
// allocate (some of it kept in a bounded ring, for heap) and contend one
// mutex and a channel, with the mutex and block profiles switched on.
//
// All ports are one process, so Go's one-CPU-profile-per-process rule applies
// to all of them together: scrape CPU from one port at a time, or not at all.
//
// With -profiles DIR it is a fleet instead (fleet.go): every port a service
// of its own serving real profiles, with a CPU endpoint that waits like Go's.
//
// The process exits by itself after -duration (default 10 minutes).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var sink atomic.Uint64

func main() {
	ports := flag.Int("ports", 1000, "number of loopback ports to serve net/http/pprof on")
	profiles := flag.String("profiles", "", "fleet mode: each port a service of its own, "+
		"answering with the TYPE-N.pb.gz profiles of this directory (see fleet.go)")
	out := flag.String("out", "", "file to write the addresses to, one host:port per line (required)")
	duration := flag.Duration("duration", 10*time.Minute, "exit by itself after this long")
	workers := flag.Int("workers", 4, "goroutines of background workload")
	flag.Parse()
	if *out == "" || *ports < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: manyports -ports N -out FILE [-duration D] [-workers W]")
		os.Exit(2)
	}

	raiseFDLimit(*ports)

	// Mutex: about 1 event in 5; block: events of 10 µs and more.
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(10000)

	lns := make([]net.Listener, 0, *ports)
	for i := 0; i < *ports; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintf(os.Stderr, "manyports: listener %d of %d: %v\n", i+1, *ports, err)
			os.Exit(1)
		}
		lns = append(lns, ln)
	}
	if *profiles != "" {
		if err := loadProfiles(*profiles); err != nil {
			fmt.Fprintf(os.Stderr, "manyports: %v\n", err)
			os.Exit(1)
		}
	}
	// One server for every listener: http.Server.Serve may run on many at
	// once. In fleet mode, one per port: each is a service of its own.
	srv := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	for _, ln := range lns {
		srv := srv
		if *profiles != "" {
			srv = &http.Server{Handler: http.HandlerFunc((&port{}).serve),
				ReadHeaderTimeout: 10 * time.Second}
		}
		go func(ln net.Listener) {
			if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
				fmt.Fprintf(os.Stderr, "manyports: serve %s: %v\n", ln.Addr(), err)
				os.Exit(1)
			}
		}(ln)
	}
	if err := writeAddrs(*out, lns); err != nil {
		fmt.Fprintf(os.Stderr, "manyports: %v\n", err)
		os.Exit(1)
	}

	for i := 0; i < *workers && *profiles == ""; i++ {
		go work(i)
	}
	fmt.Printf("listening on %d ports\n", len(lns))
	time.Sleep(*duration)
	os.Exit(0)
}

// raiseFDLimit sets the soft RLIMIT_NOFILE to the hard one, and warns if even
// that leaves too few descriptors for the listeners plus their connections.
func raiseFDLimit(ports int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintf(os.Stderr, "manyports: setrlimit NOFILE: %v\n", err)
		}
	}
	if lim.Cur < uint64(ports)+256 {
		fmt.Fprintf(os.Stderr, "manyports: warning: fd limit %d is tight for %d ports\n", lim.Cur, ports)
	}
}

func writeAddrs(path string, lns []net.Listener) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".manyports-*")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(tmp)
	for _, ln := range lns {
		fmt.Fprintln(w, ln.Addr().String())
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var (
	mu      sync.Mutex
	shared  = map[int][]byte{}
	handoff = make(chan []byte)
)

// work allocates in a few size classes, keeps a bounded ring of them (in-use
// heap stays a few MB), contends mu, and hands buffers to the next worker
// over an unbuffered channel; it sleeps between rounds so the whole workload
// costs under a tenth of one core (0.07 to 0.08 measured).
func work(id int) {
	ring := make([][]byte, 256)
	sizes := []int{64, 512, 4096, 16 << 10}
	for n := 0; ; n++ {
		for k := 0; k < 20; k++ {
			b := make([]byte, sizes[(n+k)%len(sizes)])
			b[0] = byte(n)
			ring[(n*20+k)%len(ring)] = b
			mu.Lock()
			shared[(id*7+k)%64] = b
			var s uint64
			for _, v := range b[:64] {
				s += uint64(v)
			}
			sink.Add(s)
			mu.Unlock()
		}
		select {
		case handoff <- ring[n%len(ring)]:
		case b := <-handoff:
			sink.Add(uint64(len(b)))
		case <-time.After(2 * time.Millisecond):
		}
		time.Sleep(10 * time.Millisecond)
	}
}
