// Fleet mode (-profiles DIR): each port is a Go service of its own that
// answers /debug/pprof/{profile,heap,allocs,goroutine,block,mutex,
// threadcreate} with real profiles read from DIR (TYPE-1.pb.gz,
// TYPE-2.pb.gz, ... served in turn, so cumulative profiles grow from one
// scrape to the next, and start over as after a restart once the files run
// out), with their time set to now (stamp.go).
//
// Its CPU endpoint behaves like Go's: ?seconds=N answers after N seconds (at
// once without it), stops early when the client goes away, and refuses a
// second profile while one runs on that port with Go's 500 "cpu profiling
// already in use". Those refusals are the overlaps a profiler must never
// cause; /fleet/stats (on every port) counts them with the requests.
package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

var types = []string{"profile", "heap", "allocs", "goroutine", "block", "mutex", "threadcreate"}

// fileOf maps an endpoint to the file prefix of its profiles.
func fileOf(t string) string {
	if t == "profile" {
		return "cpu"
	}
	return t
}

type port struct {
	cpuBusy atomic.Bool
	served  [8]atomic.Uint32 // per type, answers so far
}

var (
	bodies   = map[string][][]byte{}
	requests atomic.Int64
	cpuReqs  atomic.Int64
	overlaps atomic.Int64
	aborted  atomic.Int64
)

func loadProfiles(dir string) error {
	for _, t := range types {
		names, _ := filepath.Glob(filepath.Join(dir, fileOf(t)+"-[0-9]*.pb.gz"))
		sort.Strings(names)
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				return err
			}
			bodies[t] = append(bodies[t], b)
		}
	}
	if len(bodies["heap"]) == 0 {
		return fmt.Errorf("no heap-N.pb.gz in %s", dir)
	}
	go refreshLoop() // see stamp.go
	return nil
}

func (p *port) serve(w http.ResponseWriter, r *http.Request) {
	requests.Add(1)
	if r.URL.Path == "/fleet/stats" {
		fmt.Fprintf(w, "requests %d\ncpu_requests %d\ncpu_overlaps %d\ncpu_aborted %d\n",
			requests.Load(), cpuReqs.Load(), overlaps.Load(), aborted.Load())
		return
	}
	t := strings.TrimPrefix(r.URL.Path, "/debug/pprof/")
	i := -1
	for k, name := range types {
		if name == t {
			i = k
		}
	}
	if i < 0 || len(bodies[t]) == 0 {
		w.Header().Set("X-Go-Pprof", "1")
		http.Error(w, "Unknown profile", http.StatusNotFound)
		return
	}
	if t == "profile" {
		cpuReqs.Add(1)
		if !p.cpuBusy.CompareAndSwap(false, true) {
			overlaps.Add(1)
			w.Header().Set("X-Go-Pprof", "1")
			http.Error(w, "Could not enable CPU profiling: cpu profiling already in use",
				http.StatusInternalServerError)
			return
		}
		defer p.cpuBusy.Store(false)
		secs, _ := strconv.Atoi(r.URL.Query().Get("seconds"))
		if secs > 0 {
			tm := time.NewTimer(time.Duration(secs) * time.Second)
			defer tm.Stop()
			select {
			case <-tm.C:
			case <-r.Context().Done():
				aborted.Add(1)
				return
			}
		}
	}
	n := p.served[i].Add(1) - 1
	list := bodies[t]
	if m := stamped.Load(); m != nil {
		list = (*m)[t]
	}
	b := list[int(n)%len(list)]
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}
