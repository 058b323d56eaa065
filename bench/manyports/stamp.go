// Real Go services stamp each profile with the time it was taken; the
// fixture files carry the time they were made. Served as they are, every
// profile would be hours old, so the daemon would store each one as late
// for buckets its rollups have already built (extra rollup rows and
// compaction work no real fleet causes). The fleet serves the same
// profiles with time_nanos set to now instead, refreshed every second.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// stamped holds the bodies served: map[type][]gzip pprof, each file's
// time_nanos set to the last refresh.
var stamped atomic.Pointer[map[string][][]byte]

func refreshLoop() {
	for {
		m := map[string][][]byte{}
		now := time.Now().UnixNano()
		for t, list := range bodies {
			for _, b := range list {
				s, err := restamp(b, now)
				if err != nil {
					s = b // served as read: the daemon judges it like any other
				}
				m[t] = append(m[t], s)
			}
		}
		stamped.Store(&m)
		time.Sleep(time.Second)
	}
}

// restamp returns gz (a gzip pprof Profile) with its time_nanos (field 9,
// a varint) replaced by t; the other top-level fields are copied as read.
func restamp(gz []byte, t int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(raw)+12)
	for pos := 0; pos < len(raw); {
		key, n := binary.Uvarint(raw[pos:])
		if n <= 0 {
			return nil, fmt.Errorf("bad key at %d", pos)
		}
		end := pos + n
		switch key & 7 {
		case 0:
			_, m := binary.Uvarint(raw[end:])
			if m <= 0 {
				return nil, fmt.Errorf("bad varint at %d", end)
			}
			end += m
		case 1:
			end += 8
		case 2:
			l, m := binary.Uvarint(raw[end:])
			if m <= 0 {
				return nil, fmt.Errorf("bad length at %d", end)
			}
			end += m + int(l)
		case 5:
			end += 4
		default:
			return nil, fmt.Errorf("wire type %d at %d", key&7, pos)
		}
		if end > len(raw) {
			return nil, fmt.Errorf("field past the end at %d", pos)
		}
		if key != 9<<3 { // time_nanos, varint
			out = append(out, raw[pos:end]...)
		}
		pos = end
	}
	out = binary.AppendUvarint(out, 9<<3)
	out = binary.AppendUvarint(out, uint64(t))
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(out)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
