// Command deltatarget is a Go service whose profile endpoints answer deltas
// themselves, as services that import Grafana's godeltaprof do for
// Pyroscope: beside net/http/pprof it serves /debug/pprof/delta_heap,
// /debug/pprof/delta_mutex and /debug/pprof/delta_block, each the change
// since that endpoint's previous request (heap: alloc_* as deltas, inuse_*
// as they are), subtracted with pprof's own profile package.
//
// Every answer is kept and served again at /served/<name>/<n> (1-based,
// gzip pprof), and /served/<name> says how many there were, so a test can
// compare what a profiler stored with what it was given.
//
//	deltatarget -listen 127.0.0.1:0 [-duration 2m] [-skew -1h]
//
// -skew moves the time written in every delta answer, as a service whose
// clock is wrong would.
//
// A light workload allocates (some of it kept) and contends a mutex and a
// channel, so every delta has content. Prints "listening on ADDR" once it
// accepts connections and exits by itself after -duration.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"
)

// deltaEndpoint answers the delta of one runtime profile since its
// previous answer.
type deltaEndpoint struct {
	name       string // runtime profile: heap, mutex, block
	cumulative []bool // per sample type: subtracted
	mu         sync.Mutex
	prev       *profile.Profile
	served     [][]byte
}

func (d *deltaEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var buf bytes.Buffer
	if err := pprof.Lookup(d.name).WriteTo(&buf, 0); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cur, err := profile.Parse(&buf)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cur.TimeNanos += skew.Nanoseconds()
	out := cur
	if d.prev != nil {
		neg := d.prev.Copy()
		ratios := make([]float64, len(neg.SampleType))
		for i := range ratios {
			if d.cumulative[i] {
				ratios[i] = -1
			}
		}
		if err := neg.ScaleN(ratios); err == nil {
			out, err = profile.Merge([]*profile.Profile{cur.Copy(), neg})
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out.TimeNanos = cur.TimeNanos
		out.DurationNanos = 0
	}
	d.prev = cur
	var body bytes.Buffer
	if err := out.Write(&body); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	d.served = append(d.served, body.Bytes())
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(body.Bytes())
}

// served answers /served/<name> (the count) and /served/<name>/<n>.
func served(eps map[string]*deltaEndpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/served/"), "/")
		d := eps[parts[0]]
		if d == nil {
			http.NotFound(w, r)
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if len(parts) == 1 {
			fmt.Fprintf(w, "%d\n", len(d.served))
			return
		}
		n, err := strconv.Atoi(parts[1])
		if err != nil || n < 1 || n > len(d.served) {
			http.NotFound(w, r)
			return
		}
		w.Write(d.served[n-1])
	}
}

var (
	skew   time.Duration
	kept   [][]byte
	keptMu sync.Mutex
	lock   sync.Mutex
)

func work() {
	for i := 0; ; i++ {
		b := make([]byte, 1024+i%4096)
		keptMu.Lock()
		if len(kept) < 256 {
			kept = append(kept, b)
		} else {
			kept[i%256] = b
		}
		keptMu.Unlock()
		lock.Lock()
		time.Sleep(50 * time.Microsecond)
		lock.Unlock()
		time.Sleep(time.Millisecond)
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on")
	duration := flag.Duration("duration", 2*time.Minute, "exit after this long")
	flag.DurationVar(&skew, "skew", 0, "added to the time of every answer")
	flag.Parse()
	runtime.SetMutexProfileFraction(2)
	runtime.SetBlockProfileRate(10000)
	eps := map[string]*deltaEndpoint{
		"heap":  {name: "heap", cumulative: []bool{true, true, false, false}},
		"mutex": {name: "mutex", cumulative: []bool{true, true}},
		"block": {name: "block", cumulative: []bool{true, true}},
	}
	for name, d := range eps {
		http.Handle("/debug/pprof/delta_"+name, d)
	}
	http.HandleFunc("/served/", served(eps))
	for i := 0; i < 3; i++ {
		go work()
	}
	go func() { // the heap profile moves at each GC: have some
		for range time.Tick(200 * time.Millisecond) {
			runtime.GC()
		}
	}()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "deltatarget: %v\n", err)
		os.Exit(1)
	}
	time.AfterFunc(*duration, func() { os.Exit(0) })
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := http.Serve(ln, nil); err != nil {
		fmt.Fprintf(os.Stderr, "deltatarget: %v\n", err)
		os.Exit(1)
	}
}
