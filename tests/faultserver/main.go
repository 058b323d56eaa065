// Command faultserver is an HTTP server that misbehaves on purpose, for the
// tests of pprofd's fetcher (scraper/). It binds a loopback address only,
// prints exactly one line, "listening on 127.0.0.1:PORT", to stdout once the
// listener is bound, and exits by itself after -duration.
//
// Endpoints:
//
//	/ok           200, a valid gzip pprof heap profile (captured at start)
//	/debug/pprof/heap  the same
//	/truncated    200, the first half of that body (Content-Length matches)
//	/notfound     404 "Unknown profile" (as net/http/pprof, X-Go-Pprof: 1)
//	/error500     500 text
//	/cpu-in-use   500 "Could not enable CPU profiling: cpu profiling already in use"
//	/hang         200 headers, then no body until the client goes away (or 60 s)
//	/drip         200, one byte per second (60 bytes)
//	/huge         200, 2 GiB of bytes, streamed (chunked; ?cl=1 sends Content-Length)
//	/bomb         200, a gzip member of about 1.3 MiB that inflates to 1 GiB of zeros
//	              (built in the background at start)
//	/html         200, an HTML page
//	/empty        200, no body
//	/ratelimited  429, Retry-After: 7
//	/unavailable  503, Retry-After as an HTTP date 10 s ahead
//	/slowheaders  answers after 30 s (or when the client goes away)
//	/redirect     302 to /ok
//	/reset        closes the connection with a TCP RST, no answer
//	/echo         200, the request's User-Agent, Accept-Encoding and Authorization
//	/slowcpu      a CPU profile that ignores its client: 200 after ?seconds= + 2 s;
//	              500 "cpu profiling already in use" while one runs
//	/cpu-overlaps how many /slowcpu requests came while one ran, as text
//	/count        requests served so far (this one included), as text
//	/conns        TCP connections accepted so far, as text
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"time"
)

var (
	requests    atomic.Int64
	conns       atomic.Int64
	cpuBusy     atomic.Bool
	cpuOverlaps atomic.Int64
	okBody      []byte
	bomb        []byte
	bombDone    = make(chan struct{})
)

// makeBomb compresses 1 GiB of zeros through a fixed 1 MiB buffer: only the
// compressed bytes (about 1.3 MiB at BestSpeed, which takes half a second
// where BestCompression takes two) are ever held.
func makeBomb() []byte {
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	if err != nil {
		panic(err)
	}
	zeros := make([]byte, 1<<20)
	for i := 0; i < 1024; i++ {
		if _, err := zw.Write(zeros); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return out.Bytes()
}

func goError(w http.ResponseWriter, status int, txt string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Go-Pprof", "1")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, txt)
}

func binary(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="profile"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// wait returns when the client has gone away or d has passed.
func wait(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-t.C:
	}
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func routes(mux *http.ServeMux) {
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		binary(w, okBody)
	})
	// The same heap profile where a Go service serves it, for the tests
	// of the target set and captures, which scrape Go's paths.
	mux.HandleFunc("/debug/pprof/heap", func(w http.ResponseWriter, r *http.Request) {
		binary(w, okBody)
	})
	mux.HandleFunc("/truncated", func(w http.ResponseWriter, r *http.Request) {
		binary(w, okBody[:len(okBody)/2])
	})
	mux.HandleFunc("/notfound", func(w http.ResponseWriter, r *http.Request) {
		goError(w, http.StatusNotFound, "Unknown profile")
	})
	mux.HandleFunc("/error500", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "internal error: \x01the\tdatabase is on fire\nsecond line\n")
	})
	mux.HandleFunc("/cpu-in-use", func(w http.ResponseWriter, r *http.Request) {
		goError(w, http.StatusInternalServerError,
			"Could not enable CPU profiling: cpu profiling already in use")
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		flush(w)
		wait(r, 60*time.Second)
	})
	mux.HandleFunc("/drip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		for i := 0; i < 60; i++ {
			if _, err := w.Write([]byte{'d'}); err != nil {
				return
			}
			flush(w)
			wait(r, time.Second)
			if r.Context().Err() != nil {
				return
			}
		}
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		const total = 2 << 30
		w.Header().Set("Content-Type", "application/octet-stream")
		if r.URL.Query().Get("cl") == "1" {
			w.Header().Set("Content-Length", strconv.Itoa(total))
		}
		chunk := bytes.Repeat([]byte{'x'}, 32<<10)
		for sent := 0; sent < total; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		<-bombDone
		binary(w, bomb)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>Login</title></head>"+
			"<body><p>Please sign in.</p></body></html>\n")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("/ratelimited", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		http.Error(w, "too many requests", http.StatusTooManyRequests)
	})
	mux.HandleFunc("/unavailable", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(10*time.Second).UTC().Format(http.TimeFormat))
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/slowheaders", func(w http.ResponseWriter, r *http.Request) {
		wait(r, 30*time.Second)
		binary(w, okBody)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusFound)
	})
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "no hijack", http.StatusInternalServerError)
			return
		}
		c, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "ua=%s\nae=%s\nauth=%s\n", r.UserAgent(),
			r.Header.Get("Accept-Encoding"), r.Header.Get("Authorization"))
	})
	// A CPU profile endpoint of a target too busy to notice that its
	// client went away: it answers after ?seconds= (default 1) plus 2 s
	// whatever the client does, and, like Go, refuses a second profile
	// while one runs; /cpu-overlaps counts those refusals.
	mux.HandleFunc("/slowcpu", func(w http.ResponseWriter, r *http.Request) {
		if !cpuBusy.CompareAndSwap(false, true) {
			cpuOverlaps.Add(1)
			goError(w, http.StatusInternalServerError,
				"Could not enable CPU profiling: cpu profiling already in use")
			return
		}
		secs, err := strconv.Atoi(r.URL.Query().Get("seconds"))
		if err != nil || secs < 1 {
			secs = 1
		}
		time.Sleep(time.Duration(secs)*time.Second + 2*time.Second)
		cpuBusy.Store(false)
		binary(w, okBody)
	})
	mux.HandleFunc("/cpu-overlaps", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", cpuOverlaps.Load())
	})
	mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", requests.Load())
	})
	mux.HandleFunc("/conns", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", conns.Load())
	})
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on")
	duration := flag.Duration("duration", 5*time.Minute, "exit after this long")
	flag.Parse()

	host, _, err := net.SplitHostPort(*listen)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "faultserver: -listen %q: need a loopback IP address\n", *listen)
		os.Exit(2)
	}
	var prof bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&prof, 0); err != nil {
		fmt.Fprintf(os.Stderr, "faultserver: heap profile: %v\n", err)
		os.Exit(1)
	}
	okBody = prof.Bytes()
	go func() {
		bomb = makeBomb()
		close(bombDone)
	}()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "faultserver: %v\n", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	routes(mux)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			mux.ServeHTTP(w, r)
		}),
		ConnState: func(c net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
	}
	time.AfterFunc(*duration, func() { os.Exit(0) })
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(os.Stderr, "faultserver: %v\n", err)
		os.Exit(1)
	}
}
