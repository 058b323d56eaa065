// Command target is a small Go service used by pprofd's tests and benchmarks.
//
// In serve mode (the default) it binds 127.0.0.1 only, serves net/http/pprof
// under /debug/pprof/ plus /debug/healthz, and runs a workload that gives every
// Go profile type real, varied content:
//
//   - cpu: several distinct hot paths (hashing, sorting, JSON, regexp,
//     compression, matrix multiplication, a recursive function of varying depth)
//     run concurrently with idle time between bursts; -variant v2 adds
//     hotPathV2Only so a v1/v2 deployment diff has one clearly new function;
//   - heap/allocs: allocations of several size classes, some retained in bounded
//     rings (in-use heap stays well under 200 MB), some transient;
//   - mutex/block: a sync.Mutex contended by several goroutines, goroutines
//     blocking on channels, select, sync.Cond and sync.WaitGroup;
//   - goroutine: a few dozen goroutines parked forever in distinct stacks.
//
// After binding it prints exactly one line, "listening on 127.0.0.1:PORT", to
// stdout so scripts can discover the port when -listen asks for port 0.
//
// With -cpu-profiles N it does not serve: it runs the workload flat out and
// writes N CPU profiles, each -each long, sampled at -hz, to
// DIR/cpu-00000.pb.gz, DIR/cpu-00001.pb.gz, ... (-jobs processes in parallel),
// then exits 0.
//
// The process always exits by itself after -duration, so a test that forgets
// to stop it never leaves it running forever.
package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// childEnv marks a process started by runCPUProfilesParent to write a share
// of the CPU profiles.
const childEnv = "PPROFD_TARGET_CPU_PROFILE_CHILD"

// rateWarning is what the runtime prints when runtime/pprof.StartCPUProfile
// tries to set its fixed 100 Hz after we already set our own rate. The profile
// is fine (it records the rate that is in effect); the line is only noise.
const rateWarning = "runtime: cannot set cpu profile rate until previous profile has finished."

// sink keeps the results of the hot paths alive so the compiler cannot
// discard the work.
var sink atomic.Uint64

// options holds the command-line flags.
type options struct {
	listen     string
	variant    string
	duration   time.Duration
	load       float64
	cpuProfs   int
	out        string
	each       time.Duration
	hz         int
	jobs       int
	firstIndex int
	idle       bool
	flatout    bool
}

func main() {
	// More heap samples than the default one per 512 KiB, so short runs give
	// heap/allocs profiles with many stacks. Set before anything allocates much.
	runtime.MemProfileRate = 64 * 1024

	var o options
	flag.StringVar(&o.listen, "listen", "127.0.0.1:0", "address to serve on; the host must be 127.0.0.1 (or empty/localhost, meaning 127.0.0.1)")
	flag.StringVar(&o.variant, "variant", "v1", "workload variant: v1, or v2 which adds the hot path hotPathV2Only")
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "exit by itself after this long")
	flag.Float64Var(&o.load, "load", 0.6, "serve mode: CPU, in cores, the v1 hot paths aim to use (v2 adds 2/7 more)")
	flag.IntVar(&o.cpuProfs, "cpu-profiles", 0, "instead of serving, write this many CPU profiles to -out and exit")
	flag.StringVar(&o.out, "out", "", "directory for -cpu-profiles")
	flag.DurationVar(&o.each, "each", 100*time.Millisecond, "length of each profile written by -cpu-profiles")
	flag.IntVar(&o.hz, "hz", 1000, "sampling rate of the profiles written by -cpu-profiles")
	flag.IntVar(&o.jobs, "jobs", 1, "number of processes writing -cpu-profiles in parallel (Go allows one CPU profile per process)")
	flag.IntVar(&o.firstIndex, "first-index", 0, "number of the first file written by -cpu-profiles")
	flag.BoolVar(&o.idle, "idle", false, "serve mode: no workload, only the parked goroutines, so the goroutine count stays fixed")
	flag.BoolVar(&o.flatout, "flatout", false, "serve mode: the hot paths run flat out and count their calls at /debug/work (what profiling costs a busy service)")
	flag.Parse()

	if err := o.validate(); err != nil {
		fmt.Fprintf(os.Stderr, "target: %v\n", err)
		flag.Usage()
		os.Exit(2)
	}

	if o.cpuProfs > 0 {
		if os.Getenv(childEnv) != "" {
			os.Exit(runCPUProfilesChild(&o))
		}
		os.Exit(runCPUProfilesParent(&o))
	}
	os.Exit(serve(&o))
}

func (o *options) validate() error {
	switch {
	case flag.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", flag.Arg(0))
	case o.variant != "v1" && o.variant != "v2":
		return fmt.Errorf("-variant: want v1 or v2, got %q", o.variant)
	case o.duration <= 0:
		return fmt.Errorf("-duration: must be positive")
	case o.load <= 0 || o.load > 2:
		return fmt.Errorf("-load: want a value in (0, 2], got %v", o.load)
	case o.cpuProfs < 0:
		return fmt.Errorf("-cpu-profiles: must not be negative")
	case o.cpuProfs > 0 && o.out == "":
		return fmt.Errorf("-cpu-profiles needs -out DIR")
	case o.each <= 0:
		return fmt.Errorf("-each: must be positive")
	case o.hz < 1 || o.hz > 10000:
		return fmt.Errorf("-hz: want 1..10000, got %d", o.hz)
	case o.jobs < 1 || o.jobs > 64:
		return fmt.Errorf("-jobs: want 1..64, got %d", o.jobs)
	case o.firstIndex < 0:
		return fmt.Errorf("-first-index: must not be negative")
	}
	return nil
}

// ---------------------------------------------------------------------------
// Serve mode

// serve binds the loopback listener, starts the workload and serves HTTP until
// -duration has elapsed.
func serve(o *options) int {
	ln, err := listenLoopback(o.listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "target: -listen: %v\n", err)
		return 1
	}
	port := ln.Addr().(*net.TCPAddr).Port
	// os.Stdout is unbuffered: the line is out as soon as Fprintf returns.
	fmt.Fprintf(os.Stdout, "listening on 127.0.0.1:%d\n", port)

	time.AfterFunc(o.duration, func() {
		fmt.Fprintf(os.Stderr, "target: -duration %v elapsed, exiting\n", o.duration)
		os.Exit(0)
	})

	// Blocking and mutex profiling: record every blocking event of 100 µs or
	// more (shorter ones proportionally) and one contended unlock in 5. The
	// workload below blocks for milliseconds at a time, so both profiles fill
	// within a second at negligible cost.
	runtime.SetBlockProfileRate(100_000)
	runtime.SetMutexProfileFraction(5)

	if o.idle {
		startParkedGoroutines()
	} else {
		startWorkload(o.variant, o.load, o.flatout)
	}
	http.HandleFunc("/debug/work", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", workDone.Load())
	})

	http.HandleFunc("/debug/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok")
	})
	srv := &http.Server{
		Handler:           http.DefaultServeMux,
		ReadHeaderTimeout: 10 * time.Second,
	}
	err = srv.Serve(ln)
	fmt.Fprintf(os.Stderr, "target: serve: %v\n", err)
	return 1
}

// listenLoopback listens on 127.0.0.1 and the port of addr. Any other host is
// refused: the target must never be reachable from outside the machine.
func listenLoopback(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host != "" && host != "127.0.0.1" && host != "localhost" {
		return nil, fmt.Errorf("host %q refused: only 127.0.0.1 is allowed", host)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return nil, fmt.Errorf("bad port %q", port)
	}
	return net.Listen("tcp4", net.JoinHostPort("127.0.0.1", port))
}

// ---------------------------------------------------------------------------
// CPU-profile mode

// runCPUProfilesParent splits the profiles between o.jobs child processes
// (re-executions of this binary), forwards their stderr without the runtime's
// harmless rate warning, and reports how long it took.
func runCPUProfilesParent(o *options) int {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "target: -out: %v\n", err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "target: %v\n", err)
		return 1
	}
	start := time.Now()
	jobs := o.jobs
	if jobs > o.cpuProfs {
		jobs = o.cpuProfs
	}

	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []string
		cmds   []*exec.Cmd
	)
	next := o.firstIndex
	for j := 0; j < jobs; j++ {
		n := o.cpuProfs / jobs
		if j < o.cpuProfs%jobs {
			n++
		}
		cmd := exec.Command(self,
			"-cpu-profiles", strconv.Itoa(n),
			"-first-index", strconv.Itoa(next),
			"-out", o.out,
			"-each", o.each.String(),
			"-hz", strconv.Itoa(o.hz),
			"-variant", o.variant,
			"-duration", o.duration.String())
		next += n
		cmd.Env = append(os.Environ(), childEnv+"=1")
		cmd.Stdout = os.Stdout
		// A child dies with its parent, whatever kills the parent.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			fmt.Fprintf(os.Stderr, "target: %v\n", err)
			return 1
		}
		if err := cmd.Start(); err != nil {
			fmt.Fprintf(os.Stderr, "target: starting job %d: %v\n", j, err)
			killAll(cmds)
			return 1
		}
		cmds = append(cmds, cmd)
		wg.Add(1)
		go func(j int, cmd *exec.Cmd, stderr io.Reader) {
			defer wg.Done()
			forwardStderr(stderr)
			if err := cmd.Wait(); err != nil {
				mu.Lock()
				failed = append(failed, fmt.Sprintf("job %d: %v", j, err))
				mu.Unlock()
			}
		}(j, cmd, stderr)
	}

	time.AfterFunc(o.duration, func() {
		fmt.Fprintf(os.Stderr, "target: -duration %v elapsed before all CPU profiles were written\n", o.duration)
		killAll(cmds)
		os.Exit(1)
	})
	wg.Wait()
	if len(failed) > 0 {
		fmt.Fprintf(os.Stderr, "target: writing CPU profiles failed: %s\n", strings.Join(failed, "; "))
		return 1
	}
	el := time.Since(start)
	fmt.Fprintf(os.Stderr, "target: wrote %d CPU profiles (%v each, %d Hz, %d jobs) to %s in %v (%v per profile)\n",
		o.cpuProfs, o.each, o.hz, jobs, o.out, el.Round(time.Millisecond),
		(el / time.Duration(o.cpuProfs)).Round(time.Millisecond))
	return 0
}

func killAll(cmds []*exec.Cmd) {
	for _, c := range cmds {
		c.Process.Kill()
	}
}

// forwardStderr copies a child's stderr to ours, dropping rateWarning lines.
func forwardStderr(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if sc.Text() == rateWarning {
			continue
		}
		fmt.Fprintln(os.Stderr, sc.Text())
	}
}

// runCPUProfilesChild runs the workload flat out and writes its share of the
// profiles one after another.
func runCPUProfilesChild(o *options) int {
	time.AfterFunc(o.duration, func() {
		fmt.Fprintf(os.Stderr, "target: -duration %v elapsed before all CPU profiles were written\n", o.duration)
		os.Exit(1)
	})
	startWorkload(o.variant, o.load, true)
	time.Sleep(200 * time.Millisecond) // let every worker get going

	for i := 0; i < o.cpuProfs; i++ {
		path := filepath.Join(o.out, fmt.Sprintf("cpu-%05d.pb.gz", o.firstIndex+i))
		if err := writeCPUProfile(path, o.each, o.hz); err != nil {
			fmt.Fprintf(os.Stderr, "target: %s: %v\n", path, err)
			return 1
		}
	}
	return 0
}

// writeCPUProfile writes one CPU profile of length d sampled at hz to path
// (through a temporary file, so a reader never sees a partial profile).
func writeCPUProfile(path string, d time.Duration, hz int) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	// runtime/pprof.StartCPUProfile hard-codes 100 Hz. Setting the rate first
	// makes its own attempt fail (with rateWarning on stderr) and keep ours;
	// the profile records the rate in effect, so its period is 1e9/hz ns.
	if hz != 100 {
		runtime.SetCPUProfileRate(hz)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		if hz != 100 {
			runtime.SetCPUProfileRate(0)
		}
		f.Close()
		return err
	}
	time.Sleep(d)
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ---------------------------------------------------------------------------
// Workload

// scratch is the per-goroutine state of a hot path: its own random source
// and reusable buffers, so hot paths never contend with each other.
type scratch struct {
	rng   *rand.Rand
	buf   []byte
	ints  []int
	mat   [3][]float64
	text  []byte
	comp  bytes.Buffer
	fw    *flate.Writer
	fr    io.ReadCloser
	lines []string
}

func newScratch(seed int64) *scratch {
	s := &scratch{
		rng:  rand.New(rand.NewSource(seed)),
		buf:  make([]byte, 16<<10),
		ints: make([]int, 4096),
	}
	s.rng.Read(s.buf)
	for i := range s.mat {
		s.mat[i] = make([]float64, matrixN*matrixN)
		for j := range s.mat[i] {
			s.mat[i][j] = s.rng.Float64()
		}
	}
	s.text = makeText(s.rng, 16<<10)
	s.fw, _ = flate.NewWriter(&s.comp, flate.DefaultCompression)
	s.fr = flate.NewReader(bytes.NewReader(nil))
	s.lines = makeLogLines(s.rng, 256)
	return s
}

// hotPath is one CPU-bound code path and its relative share of the CPU.
type hotPath struct {
	name   string
	weight int
	fn     func(*scratch)
}

func hotPaths(variant string) []hotPath {
	paths := []hotPath{
		{"workHash", 1, workHash},
		{"workSort", 1, workSort},
		{"workJSON", 1, workJSON},
		{"workRegexp", 1, workRegexp},
		{"workCompress", 1, workCompress},
		{"workMatrixMultiply", 1, workMatrixMultiply},
		{"workRecursive", 1, runRecursive},
	}
	if variant == "v2" {
		// The "new release": an extra path as heavy as two of the others.
		paths = append(paths, hotPath{"hotPathV2Only", 2, hotPathV2Only})
	}
	return paths
}

// v1Weight is the total weight of the v1 hot paths; -load is spread over it.
const v1Weight = 7

// tick is the cycle of the duty-cycled workers: each burst of work is followed
// by sleep until the next tick.
const tick = 20 * time.Millisecond

// startWorkload starts every part of the workload in the background. With
// full set (CPU-profile mode) the hot paths run without pauses, weight
// goroutines each; otherwise each runs a share of load cores.
func startWorkload(variant string, load float64, full bool) {
	seed := time.Now().UnixNano()
	for i, p := range hotPaths(variant) {
		if full {
			for k := 0; k < p.weight; k++ {
				p, s := p, newScratch(seed+int64(100*i+k)) // Go 1.19: loop variables are shared
				go labelled(p, func() { runFlatOut(p, s) })
			}
			continue
		}
		busy := time.Duration(float64(tick) * load * float64(p.weight) / v1Weight)
		if busy > tick {
			busy = tick
		}
		p, s := p, newScratch(seed+int64(100*i))
		go labelled(p, func() { runDutyCycled(p, s, busy) })
	}

	go workAllocRetain(rand.New(rand.NewSource(seed + 1)))
	go workAllocTransient(rand.New(rand.NewSource(seed + 2)))

	g := newGate()
	go g.run(10 * time.Millisecond)
	for i := 0; i < 4; i++ {
		go workMutexContention(g, rand.New(rand.NewSource(seed+int64(10+i))))
	}
	go workChannelBlock()
	go workWaitGroupFanOut(rand.New(rand.NewSource(seed + 3)))
	go workSelectTimeout()
	startParkedGoroutines()
}

// labelled runs fn with the pprof label path=<hot path name>, as services
// label their work with pprof.Do: CPU and goroutine profiles carry it.
func labelled(p hotPath, fn func()) {
	pprof.Do(context.Background(), pprof.Labels("path", p.name), func(context.Context) { fn() })
}

// workDone counts the hot-path calls of flat-out workers: a service's
// throughput, for the target-cost benchmark.
var workDone atomic.Uint64

func runFlatOut(p hotPath, s *scratch) {
	for {
		p.fn(s)
		workDone.Add(1)
	}
}

func runDutyCycled(p hotPath, s *scratch, busy time.Duration) {
	next := time.Now()
	for {
		start := time.Now()
		for time.Since(start) < busy {
			p.fn(s)
		}
		// Sleep until the next tick; after an overrun, start afresh rather
		// than catch up, so load never exceeds its share for long.
		next = next.Add(tick)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		} else {
			next = time.Now()
		}
	}
}

// --- CPU hot paths ---------------------------------------------------------
// Each call takes roughly 20-300 µs. //go:noinline keeps every named function
// a frame of its own, so stacks are stable across builds.

// workHash hashes 32 KiB with SHA-256 and 2 KiB with FNV-1a.
//
//go:noinline
func workHash(s *scratch) {
	h := sha256.New()
	for i := 0; i < 8; i++ {
		binary.LittleEndian.PutUint64(s.buf[i*8:], s.rng.Uint64())
		h.Write(s.buf[:4096])
	}
	var sum [sha256.Size]byte
	f := fnv.New64a()
	f.Write(s.buf[:2048])
	sink.Add(uint64(h.Sum(sum[:0])[0]) ^ f.Sum64())
}

// workSort sorts a few thousand random ints and a slice of structs.
//
//go:noinline
func workSort(s *scratch) {
	xs := s.ints[:1000+s.rng.Intn(3000)]
	for i := range xs {
		xs[i] = s.rng.Int()
	}
	sort.Ints(xs)
	type kv struct {
		k string
		v int
	}
	kvs := make([]kv, 200)
	for i := range kvs {
		kvs[i] = kv{s.lines[s.rng.Intn(len(s.lines))][:8], s.rng.Intn(1000)}
	}
	sort.Slice(kvs, func(i, j int) bool {
		if kvs[i].k != kvs[j].k {
			return kvs[i].k < kvs[j].k
		}
		return kvs[i].v < kvs[j].v
	})
	sink.Add(uint64(xs[0] ^ kvs[0].v))
}

// order is the payload of workJSON.
type order struct {
	ID       int64             `json:"id"`
	Customer string            `json:"customer"`
	Items    []orderItem       `json:"items"`
	Tags     []string          `json:"tags,omitempty"`
	Attrs    map[string]string `json:"attrs"`
	Total    float64           `json:"total"`
}

type orderItem struct {
	SKU   string  `json:"sku"`
	Qty   int     `json:"qty"`
	Price float64 `json:"price"`
}

// workJSON builds a batch of orders, marshals it and unmarshals it back.
//
//go:noinline
func workJSON(s *scratch) {
	batch := make([]order, 8+s.rng.Intn(8))
	for i := range batch {
		o := &batch[i]
		o.ID = s.rng.Int63()
		o.Customer = "customer-" + strconv.Itoa(s.rng.Intn(10000))
		o.Items = make([]orderItem, 1+s.rng.Intn(5))
		for j := range o.Items {
			o.Items[j] = orderItem{SKU: "sku-" + strconv.Itoa(s.rng.Intn(500)), Qty: 1 + s.rng.Intn(9), Price: s.rng.Float64() * 100}
			o.Total += float64(o.Items[j].Qty) * o.Items[j].Price
		}
		if s.rng.Intn(2) == 0 {
			o.Tags = []string{"express", "gift"}
		}
		o.Attrs = map[string]string{"region": "eu-" + strconv.Itoa(s.rng.Intn(4)), "channel": "web"}
	}
	data, err := json.Marshal(batch)
	if err != nil {
		panic(err)
	}
	var back []order
	if err := json.Unmarshal(data, &back); err != nil {
		panic(err)
	}
	sink.Add(uint64(len(data) + len(back)))
}

var (
	accessLogRE = regexp.MustCompile(`^(\d+\.\d+\.\d+\.\d+) - (\w+) \[([^\]]+)\] "(GET|POST|PUT|DELETE) (/[^ ]*) HTTP/1\.[01]" (\d{3}) (\d+) "([^"]*)"$`)
	apiPathRE   = regexp.MustCompile(`/api/v(\d+)/(users|orders|items)/(\d+)(?:/(\w+))?`)
)

// workRegexp parses a batch of access-log lines.
//
//go:noinline
func workRegexp(s *scratch) {
	n := 0
	for i := 0; i < 24; i++ {
		line := s.lines[s.rng.Intn(len(s.lines))]
		if m := accessLogRE.FindStringSubmatch(line); m != nil {
			if p := apiPathRE.FindStringSubmatch(m[5]); p != nil {
				n += len(p[3])
			}
			n += len(m[8])
		}
	}
	sink.Add(uint64(n))
}

// workCompress deflates 16 KiB of text (with a few random edits, so the
// output varies) and inflates it back.
//
//go:noinline
func workCompress(s *scratch) {
	for i := 0; i < 16; i++ {
		s.text[s.rng.Intn(len(s.text))] = byte('a' + s.rng.Intn(26))
	}
	s.comp.Reset()
	s.fw.Reset(&s.comp)
	s.fw.Write(s.text)
	s.fw.Close()
	s.fr.(flate.Resetter).Reset(bytes.NewReader(s.comp.Bytes()), nil)
	n, _ := io.Copy(io.Discard, s.fr)
	sink.Add(uint64(n))
}

const matrixN = 40

// workMatrixMultiply multiplies two 40x40 matrices, naively.
//
//go:noinline
func workMatrixMultiply(s *scratch) {
	a, b, c := s.mat[0], s.mat[1], s.mat[2]
	for i := 0; i < matrixN; i++ {
		for j := 0; j < matrixN; j++ {
			var acc float64
			for k := 0; k < matrixN; k++ {
				acc += a[i*matrixN+k] * b[k*matrixN+j]
			}
			c[i*matrixN+j] = acc
		}
	}
	a[s.rng.Intn(len(a))] = s.rng.Float64()
	sink.Add(uint64(c[0]))
}

// runRecursive calls workRecursive several times with random depths, so CPU
// stacks through it have many different lengths.
//
//go:noinline
func runRecursive(s *scratch) {
	var x uint64
	for i := 0; i < 8; i++ {
		x ^= workRecursive(2+s.rng.Intn(30), s.rng.Uint64())
	}
	sink.Add(x)
}

// workRecursive recurses depth levels, mixing bits at each level and more at
// the leaf; every third level branches into a second, shallower subtree.
//
//go:noinline
func workRecursive(depth int, x uint64) uint64 {
	for i := 0; i < 40; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	if depth <= 0 {
		for i := 0; i < 2000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
			x ^= x >> 31
		}
		return x
	}
	if depth%3 == 0 {
		return workRecursive(depth-1, x) ^ workRecursive(depth/3, x+1)
	}
	return workRecursive(depth-1, x)
}

// hotPathV2Only exists only in -variant v2: a deliberately naive checksum
// over 16 KiB, twelve times (about as long as a call of the other hot paths,
// so it keeps its share when the machine is too busy for more than one call
// per tick), the regression a deployment diff should point at.
//
//go:noinline
func hotPathV2Only(s *scratch) {
	var acc uint64 = 14695981039346656037
	for round := 0; round < 12; round++ {
		for i, b := range s.buf {
			acc ^= uint64(b) + uint64(i)
			acc *= 1099511628211
		}
	}
	s.buf[s.rng.Intn(len(s.buf))] = byte(acc)
	sink.Add(acc)
}

// --- Allocations -----------------------------------------------------------

// ring retains the last len(slots) allocations of one size class, so in-use
// heap is non-trivial but bounded.
type ring struct {
	slots [][]byte
	next  int
}

func newRing(n int) *ring { return &ring{slots: make([][]byte, n)} }

func (r *ring) put(b []byte) {
	r.slots[r.next] = b
	r.next = (r.next + 1) % len(r.slots)
}

// Ring sizes; the largest objects bound in-use heap from the rings to
// 16384*256 B + 4096*8 KiB + 128*256 KiB = 68 MiB (about 40 MiB on average).
var (
	smallRing  = newRing(16384)
	mediumRing = newRing(4096)
	largeRing  = newRing(128)
)

//go:noinline
func retainSmall(rng *rand.Rand) {
	b := make([]byte, 32+rng.Intn(224))
	b[0] = 1
	smallRing.put(b)
}

//go:noinline
func retainMedium(rng *rand.Rand) {
	b := make([]byte, 1024+rng.Intn(7*1024))
	b[0] = 1
	mediumRing.put(b)
}

//go:noinline
func retainLarge(rng *rand.Rand) {
	b := make([]byte, 64*1024+rng.Intn(192*1024))
	b[0] = 1
	largeRing.put(b)
}

// sessionCache is a bounded map cache: another kind of retained memory.
var sessionCache = make(map[int][]int)

//go:noinline
func retainCacheEntry(rng *rand.Rand) {
	if len(sessionCache) >= 2000 {
		for k := range sessionCache { // evict an arbitrary entry
			delete(sessionCache, k)
			break
		}
	}
	sessionCache[rng.Int()] = make([]int, 8+rng.Intn(120))
}

// workAllocRetain allocates into the rings every 10 ms (about 7 MB/s).
//
//go:noinline
func workAllocRetain(rng *rand.Rand) {
	for n := 0; ; n++ {
		for i := 0; i < 40; i++ {
			retainSmall(rng)
		}
		for i := 0; i < 8; i++ {
			retainMedium(rng)
		}
		if n%5 == 0 {
			retainLarge(rng)
		}
		for i := 0; i < 4; i++ {
			retainCacheEntry(rng)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

//go:noinline
func allocTransientSlice(rng *rand.Rand) int {
	xs := make([]int, 16+rng.Intn(4096))
	for i := range xs {
		xs[i] = i
	}
	return len(xs)
}

//go:noinline
func allocTransientStrings(rng *rand.Rand) int {
	var parts []string
	for i := 0; i < 20; i++ {
		parts = append(parts, fmt.Sprintf("key%d=%x", i, rng.Int63()))
	}
	return len(strings.Join(parts, "&"))
}

//go:noinline
func allocTransientMap(rng *rand.Rand) int {
	m := make(map[string]int)
	for i := 0; i < 64; i++ {
		m[strconv.Itoa(rng.Intn(1000))]++
	}
	return len(m)
}

// workAllocTransient allocates garbage of several shapes every 5 ms.
//
//go:noinline
func workAllocTransient(rng *rand.Rand) {
	for {
		n := allocTransientSlice(rng) + allocTransientStrings(rng) + allocTransientMap(rng)
		sink.Add(uint64(n))
		time.Sleep(5 * time.Millisecond)
	}
}

// --- Blocking and contention ----------------------------------------------

// gate wakes every waiter at once on each tick (sync.Cond.Broadcast), which
// both blocks goroutines in sync.Cond.Wait and makes them hit the contended
// mutex at the same moment.
type gate struct {
	mu   sync.Mutex
	cond *sync.Cond
	gen  uint64
}

func newGate() *gate {
	g := &gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *gate) run(every time.Duration) {
	for range time.Tick(every) {
		g.mu.Lock()
		g.gen++
		g.mu.Unlock()
		g.cond.Broadcast()
	}
}

//go:noinline
func (g *gate) waitForGate() {
	g.mu.Lock()
	gen := g.gen
	for g.gen == gen {
		g.cond.Wait()
	}
	g.mu.Unlock()
}

// contended is the mutex the workMutexContention goroutines fight over.
var contended struct {
	sync.Mutex
	counts map[int]int
}

// lockedUpdate holds the contended mutex for ~100 µs, mostly sleeping, so
// contention is real but cheap in CPU.
//
//go:noinline
func lockedUpdate(rng *rand.Rand) {
	contended.Lock()
	if contended.counts == nil {
		contended.counts = make(map[int]int)
	}
	for i := 0; i < 100; i++ {
		contended.counts[rng.Intn(64)]++
	}
	time.Sleep(20 * time.Microsecond)
	contended.Unlock()
}

// lockedSnapshot is a second, shorter critical section on the same mutex,
// so the mutex profile has more than one stack.
//
//go:noinline
func lockedSnapshot() int {
	contended.Lock()
	total := 0
	for _, v := range contended.counts {
		total += v
	}
	time.Sleep(10 * time.Microsecond)
	contended.Unlock()
	return total
}

// workMutexContention: on every gate tick, take the shared mutex a few times.
//
//go:noinline
func workMutexContention(g *gate, rng *rand.Rand) {
	for {
		g.waitForGate()
		for i := 0; i < 3; i++ {
			lockedUpdate(rng)
		}
		sink.Add(uint64(lockedSnapshot()))
	}
}

// workChannelBlock: consumers block receiving from an unbuffered channel fed
// every 2 ms, and a bursty producer blocks sending into a small buffer that a
// slow consumer drains.
//
//go:noinline
func workChannelBlock() {
	events := make(chan int)
	for i := 0; i < 3; i++ {
		go consumeEvents(events)
	}
	queue := make(chan int, 4)
	go consumeSlowly(queue)
	go produceBursts(queue)
	for n := 0; ; n++ {
		time.Sleep(2 * time.Millisecond)
		events <- n
	}
}

//go:noinline
func consumeEvents(events <-chan int) {
	for n := range events {
		sink.Add(uint64(n))
	}
}

//go:noinline
func consumeSlowly(queue <-chan int) {
	for n := range queue {
		sink.Add(uint64(n))
		time.Sleep(2 * time.Millisecond)
	}
}

//go:noinline
func produceBursts(queue chan<- int) {
	for {
		for i := 0; i < 16; i++ {
			queue <- i // blocks once the buffer is full
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// workWaitGroupFanOut fans a request out to a few goroutines every 20 ms and
// waits for all of them.
//
//go:noinline
func workWaitGroupFanOut(rng *rand.Rand) {
	for {
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			d := time.Duration(1+rng.Intn(3)) * time.Millisecond
			go fanOutTask(&wg, d)
		}
		wg.Wait()
		time.Sleep(20 * time.Millisecond)
	}
}

//go:noinline
func fanOutTask(wg *sync.WaitGroup, d time.Duration) {
	defer wg.Done()
	time.Sleep(d)
	sink.Add(uint64(d))
}

// workSelectTimeout waits in select for a signal that rarely comes.
//
//go:noinline
func workSelectTimeout() {
	signal := make(chan struct{}, 1)
	for n := 0; ; n++ {
		if n%10 == 0 {
			signal <- struct{}{}
		}
		select {
		case <-signal:
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// --- Parked goroutines -----------------------------------------------------
// About forty goroutines that never wake up, parked in six different ways at
// depths 0-3 of parkAtDepth, so the goroutine profile has many distinct stacks.

var (
	parkChan   = make(chan struct{})
	parkMu     sync.Mutex // locked forever by startParkedGoroutines
	parkCond   = sync.NewCond(&sync.Mutex{})
	parkWG     sync.WaitGroup
	parkSelect = make(chan int)
)

func startParkedGoroutines() {
	parkMu.Lock()
	parkWG.Add(1)
	kinds := []struct {
		n  int
		fn func()
	}{
		{12, parkedOnChannel},
		{8, parkedInSelect},
		{6, parkedOnCond},
		{6, parkedOnWaitGroup},
		{4, parkedOnMutex},
		{4, parkedSleeping},
	}
	for _, k := range kinds {
		for i := 0; i < k.n; i++ {
			go parkAtDepth(i%4, k.fn)
		}
	}
}

//go:noinline
func parkAtDepth(depth int, park func()) {
	if depth > 0 {
		parkAtDepth(depth-1, park)
		return
	}
	park()
}

//go:noinline
func parkedOnChannel() { <-parkChan }

//go:noinline
func parkedInSelect() {
	select {
	case <-parkChan:
	case <-parkSelect:
	}
}

//go:noinline
func parkedOnCond() {
	parkCond.L.Lock()
	for {
		parkCond.Wait()
	}
}

//go:noinline
func parkedOnWaitGroup() { parkWG.Wait() }

//go:noinline
func parkedOnMutex() { parkMu.Lock() }

//go:noinline
func parkedSleeping() { time.Sleep(1000 * time.Hour) }

// makeText returns n bytes of word-like text for workCompress.
func makeText(rng *rand.Rand, n int) []byte {
	words := []string{"profile", "sample", "stack", "goroutine", "heap", "mutex", "latency", "request", "scrape", "target", "label", "series"}
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[rng.Intn(len(words))])
		if rng.Intn(8) == 0 {
			b.WriteString(strconv.Itoa(rng.Intn(100000)))
		}
		b.WriteByte(" \n"[rng.Intn(2)])
	}
	return b.Bytes()[:n]
}

// makeLogLines returns n access-log lines for workRegexp.
func makeLogLines(rng *rand.Rand, n int) []string {
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	kinds := []string{"users", "orders", "items"}
	lines := make([]string, n)
	for i := range lines {
		path := fmt.Sprintf("/api/v%d/%s/%d", 1+rng.Intn(3), kinds[rng.Intn(len(kinds))], rng.Intn(1e6))
		if rng.Intn(2) == 0 {
			path += "/details"
		}
		lines[i] = fmt.Sprintf(`10.%d.%d.%d - user%d [21/Nov/2024:10:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "Mozilla/5.0 (X11; Linux x86_64) client/%d"`,
			rng.Intn(256), rng.Intn(256), rng.Intn(256), rng.Intn(100), rng.Intn(60), rng.Intn(60),
			methods[rng.Intn(len(methods))], path, []int{200, 201, 404, 500}[rng.Intn(4)], rng.Intn(1e5), rng.Intn(10))
	}
	return lines
}
