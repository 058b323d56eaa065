// flamegen writes a CPU profile with N distinct stacks (default 50,000) for
// the UI's flame-graph benchmark: stacks 6 to 30 frames deep drawn from a
// pool of functions in several packages, sharing prefixes as real programs
// do, with values spread over four orders of magnitude.
//
//	flamegen -stacks 50000 -out flame.pb.gz
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"time"

	"github.com/google/pprof/profile"
)

func main() {
	n := flag.Int("stacks", 50000, "distinct stacks")
	out := flag.String("out", "flame.pb.gz", "output file (gzip pprof)")
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()
	rng := rand.New(rand.NewSource(*seed))

	p := &profile.Profile{
		SampleType:    []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType:    &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:        10000000,
		TimeNanos:     time.Now().UnixNano(),
		DurationNanos: 10e9,
	}
	m := &profile.Mapping{ID: 1, Start: 0x400000, Limit: 0x4000000, File: "/bin/flame", HasFunctions: true}
	p.Mapping = []*profile.Mapping{m}
	const nfuncs = 3000
	locs := make([]*profile.Location, nfuncs)
	for i := 0; i < nfuncs; i++ {
		f := &profile.Function{
			ID:       uint64(i + 1),
			Name:     fmt.Sprintf("github.com/acme/service/pkg%02d.(*T%d).Method%d", i%40, i%97, i),
			Filename: fmt.Sprintf("/src/pkg%02d/file%d.go", i%40, i%13),
		}
		p.Function = append(p.Function, f)
		locs[i] = &profile.Location{ID: uint64(i + 1), Mapping: m, Address: 0x400000 + uint64(i)*0x40,
			Line: []profile.Line{{Function: f, Line: int64(10 + i%500)}}}
	}
	p.Location = locs
	seen := map[string]bool{}
	// A few dozen roots and shared prefixes: stack k extends a random
	// earlier prefix, so the tree is bushy like a server's.
	var prefixes [][]int
	for len(seen) < *n {
		var stack []int
		if len(prefixes) > 0 && rng.Intn(4) != 0 {
			base := prefixes[rng.Intn(len(prefixes))]
			stack = append(stack, base[:1+rng.Intn(len(base))]...)
		} else {
			stack = []int{rng.Intn(30)}
		}
		depth := 6 + rng.Intn(25)
		for len(stack) < depth {
			stack = append(stack, rng.Intn(nfuncs))
		}
		key := fmt.Sprint(stack)
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(prefixes) < 5000 {
			prefixes = append(prefixes, stack)
		}
		s := &profile.Sample{}
		for i := len(stack) - 1; i >= 0; i-- { // leaf first
			s.Location = append(s.Location, locs[stack[i]])
		}
		count := int64(1 + rng.ExpFloat64()*float64(1+rng.Intn(1000)))
		s.Value = []int64{count, count * p.Period}
		p.Sample = append(p.Sample, s)
	}
	f, err := os.Create(*out)
	if err == nil {
		err = p.Write(f)
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flamegen:", err)
		os.Exit(1)
	}
}
