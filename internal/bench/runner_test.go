package bench_test

import (
	"os"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/bench"
)

func TestParseBenchtime(t *testing.T) {
	for in, want := range map[string]bench.Benchtime{"300x": {N: 300}, "1x": {N: 1}, "2s": {D: 2 * time.Second}, "150ms": {D: 150 * time.Millisecond}} {
		if got, err := bench.ParseBenchtime(in); err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for _, in := range []string{"0x", "x", "-1s", "2", ""} {
		if _, err := bench.ParseBenchtime(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// A fixed count runs the body once with that N; metrics are the result.
func TestRunFixedCount(t *testing.T) {
	calls := 0
	r := bench.Run(func(b bench.B) {
		calls++
		for range b.N() {
		}
		b.ReportMetric(42, "things/s")
	}, bench.Benchtime{N: 300}, nil)
	if calls != 1 || r.N != 300 || r.Extra["things/s"] != 42 || r.Failed || r.Skipped {
		t.Fatalf("%d calls, %+v", calls, r)
	}
	r = bench.Run(func(b bench.B) {
		calls++
		n := 0
		for b.Loop() {
			n++
		}
		b.ReportMetric(float64(n), "loops")
	}, bench.Benchtime{N: 7}, nil)
	if r.N != 7 || r.Extra["loops"] != 7 {
		t.Fatalf("loop: %+v", r)
	}
}

// A duration grows N until a run lasts that long: a Loop body within one
// call, a b.N body over several calls, each a fresh start.
func TestRunDuration(t *testing.T) {
	const d = 30 * time.Millisecond
	calls := 0
	r := bench.Run(func(b bench.B) {
		calls++
		time.Sleep(5 * time.Millisecond) // setup, not timed
		b.ResetTimer()
		for b.Loop() {
			time.Sleep(time.Millisecond)
		}
	}, bench.Benchtime{D: d}, nil)
	if calls != 1 || r.N < 2 || r.T < d || r.NsPerOp() < int64(time.Millisecond) {
		t.Fatalf("loop: %d calls, %+v", calls, r)
	}
	calls = 0
	r = bench.Run(func(b bench.B) {
		calls++
		for range b.N() {
			time.Sleep(time.Millisecond)
		}
	}, bench.Benchtime{D: d}, nil)
	if calls < 2 || r.T < d || r.N < 2 {
		t.Fatalf("b.N: %d calls, %+v", calls, r)
	}
}

// Fatal and Skip end the body (and nothing after them runs); cleanups run
// and temporary directories go either way.
func TestRunFailAndSkip(t *testing.T) {
	var dir string
	cleaned, after := false, false
	r := bench.Run(func(b bench.B) {
		dir = b.TempDir()
		b.Cleanup(func() { cleaned = true })
		b.Fatalf("no database: %d", 7)
		after = true
	}, bench.Benchtime{N: 5}, nil)
	if !r.Failed || r.N != 0 || r.Reason != "no database: 7" || !cleaned || after {
		t.Fatalf("%+v cleaned %v after %v", r, cleaned, after)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s left: %v", dir, err)
	}
	r = bench.Run(func(b bench.B) { b.Skipf("PostgreSQL does not answer") }, bench.Benchtime{N: 5}, nil)
	if !r.Skipped || r.Failed || r.N != 0 || r.Reason != "PostgreSQL does not answer" {
		t.Fatalf("skip: %+v", r)
	}
	r = bench.Run(func(b bench.B) { b.Error("one request failed") }, bench.Benchtime{N: 5}, nil)
	if !r.Failed || r.N != 0 {
		t.Fatalf("error: %+v", r)
	}
}

// The load average is /proc/loadavg's first field; anything else is an error.
func TestParseLoadAverage(t *testing.T) {
	if got, err := bench.ParseLoadAverage("16.30 14.92 8.46 3/412 9876\n"); err != nil || got != 16.30 {
		t.Errorf("got %v %v, want 16.3", got, err)
	}
	for _, bad := range []string{"", "  \n", "high 1 2"} {
		if _, err := bench.ParseLoadAverage(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
