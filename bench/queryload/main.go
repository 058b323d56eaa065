// Command queryload is the load generator of bench/query_bench.sh: a few
// clients issue small queries against pprofd's HTTP API, paced, while
// others run big queries back to back, and it reports the latency of each
// kind of query.
//
//	queryload -base http://127.0.0.1:7070 -duration 30s \
//	    -clients 4 -every 100ms -q 'labels=/api/v1/labels' -q 'healthy=/-/healthy' \
//	    [-big 2 -bigq '/api/v1/merge?type=cpu&query={job="bench"}']
//
// Small client c sends query c mod (number of -q), one request every -every
// (if a request takes longer, the next starts when it ends; missed ticks are
// not made up; -every 0 means back to back), so with as many clients as
// queries each kind has a client of its own and a slow kind does not hold
// the others back. Each of the -big clients sends -bigq back to back. In a
// query, "{NN}" is replaced by a two-digit number that goes round 00..-nn-1
// (a different target each time). Query values are given unencoded and
// percent-encoded here.
//
// Every client has its own keep-alive connection, as a dashboard would, and
// accepts gzip (Go's transport asks for it and decompresses). A request's
// latency runs from sending it to having read the whole body. Every request
// started before the end is waited for and counted; req_per_s is their number
// over -duration.
//
// Output, one line per kind (the big queries are kind "big"):
//
//	kind n errors p50_ms p99_ms max_ms req_per_s
//
// errors counts answers other than 200 and transport errors (the first of
// each is printed to stderr). Standard library only.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

type query struct {
	kind, path string
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// encode percent-encodes the values of a path's query string.
func encode(p string) string {
	path, raw, ok := strings.Cut(p, "?")
	if !ok {
		return p
	}
	var parts []string
	for _, kv := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return path + "?" + strings.Join(parts, "&")
}

type stats struct {
	mu      sync.Mutex
	lat     map[string][]time.Duration
	errs    map[string]int
	shown   map[string]bool
	counter int
}

func (s *stats) add(kind string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs[kind]++
		if !s.shown[kind] {
			s.shown[kind] = true
			fmt.Fprintf(os.Stderr, "queryload: %s: %v\n", kind, err)
		}
		return
	}
	s.lat[kind] = append(s.lat[kind], d)
}

func (s *stats) next(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counter++
	return fmt.Sprintf("%02d", s.counter%n)
}

func do(c *http.Client, u string) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: status %d", u, resp.StatusCode)
	}
	return nil
}

func newClient() *http.Client {
	return &http.Client{
		Timeout:   120 * time.Second,
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 1},
	}
}

// pct is the nearest-rank percentile of sorted v, in ms.
func pct(v []time.Duration, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	i := int(float64(len(v))*p+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(v) {
		i = len(v) - 1
	}
	return float64(v[i].Microseconds()) / 1000
}

func main() {
	base := flag.String("base", "", "pprofd's address, http://host:port (required)")
	duration := flag.Duration("duration", 30*time.Second, "how long to send requests")
	clients := flag.Int("clients", 4, "small-query clients")
	every := flag.Duration("every", 100*time.Millisecond, "one request per small client this often (0: back to back)")
	big := flag.Int("big", 0, "big-query clients, back to back")
	bigq := flag.String("bigq", "", "the big query (path?query)")
	nn := flag.Int("nn", 100, "{NN} goes round 00 .. nn-1")
	var qs multiFlag
	flag.Var(&qs, "q", "a small query, kind=path?query (repeat)")
	flag.Parse()
	if *base == "" || len(qs) == 0 || *clients < 1 || (*big > 0 && *bigq == "") || flag.NArg() > 0 || *nn < 1 {
		fmt.Fprintln(os.Stderr, "usage: queryload -base URL [-duration D] [-clients K] [-every D] -q kind=path ... [-big M -bigq path]")
		os.Exit(2)
	}
	var small []query
	var kinds []string
	for _, q := range qs {
		k, p, ok := strings.Cut(q, "=")
		if !ok || k == "" || !strings.HasPrefix(p, "/") {
			fmt.Fprintf(os.Stderr, "queryload: -q %q: want kind=/path\n", q)
			os.Exit(2)
		}
		small = append(small, query{k, p})
		kinds = append(kinds, k)
	}
	st := &stats{lat: map[string][]time.Duration{}, errs: map[string]int{}, shown: map[string]bool{}}
	deadline := time.Now().Add(*duration)
	var wg sync.WaitGroup
	target := func(p string) string {
		if strings.Contains(p, "{NN}") {
			p = strings.ReplaceAll(p, "{NN}", st.next(*nn))
		}
		return *base + encode(p)
	}
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			cl := newClient()
			// Spread the clients over one period.
			if *every > 0 {
				time.Sleep(*every * time.Duration(c) / time.Duration(*clients))
			}
			var tick *time.Ticker
			if *every > 0 {
				tick = time.NewTicker(*every)
				defer tick.Stop()
			}
			q := small[c%len(small)]
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := do(cl, target(q.path))
				st.add(q.kind, time.Since(t0), err)
				if tick != nil {
					<-tick.C
				}
			}
		}(c)
	}
	for b := 0; b < *big; b++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := newClient()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := do(cl, target(*bigq))
				st.add("big", time.Since(t0), err)
			}
		}()
	}
	wg.Wait()
	if *big > 0 {
		kinds = append(kinds, "big")
	}
	secs := duration.Seconds()
	for _, k := range kinds {
		v := st.lat[k]
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		max := 0.0
		if len(v) > 0 {
			max = float64(v[len(v)-1].Microseconds()) / 1000
		}
		fmt.Printf("%s %d %d %.1f %.1f %.1f %.1f\n", k, len(v), st.errs[k], pct(v, 0.50), pct(v, 0.99), max,
			float64(len(v))/secs)
	}
}
