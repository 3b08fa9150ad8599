package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// B is what a benchmark body needs of whoever runs it: the methods of
// *testing.B (which the go test wrappers adapt, see internal/bench/benchtest)
// with its field N as a method, and the runner below, which `mercato bench`
// uses so that the production binary does not link the testing package.
type B interface {
	storetest.TB
	Error(args ...any)
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	// N is the number of operations to measure (testing.B's N).
	N() int
	Loop() bool
	ResetTimer()
	StartTimer()
	StopTimer()
	ReportMetric(n float64, unit string)
}

// Result is what one benchmark measured.
type Result struct {
	N     int           // operations measured; 0 when the benchmark failed or skipped
	T     time.Duration // time on the timer
	Extra map[string]float64
	// Failed or Skipped, with Reason, end a benchmark without a result.
	Failed, Skipped bool
	Reason          string
}

// NsPerOp is the time per operation.
func (r Result) NsPerOp() int64 {
	if r.N <= 0 {
		return 0
	}
	return r.T.Nanoseconds() / int64(r.N)
}

// Benchtime is how long a benchmark runs: a number of operations ("300x")
// or a duration ("2s"), as go test's -benchtime.
type Benchtime struct {
	N int           // fixed count when > 0
	D time.Duration // otherwise, at least this long
}

// ParseBenchtime reads "300x" or "2s".
func ParseBenchtime(s string) (Benchtime, error) {
	if n, ok := strings.CutSuffix(s, "x"); ok {
		c, err := strconv.Atoi(n)
		if err != nil || c < 1 {
			return Benchtime{}, fmt.Errorf("benchtime %q: want a positive count before x", s)
		}
		return Benchtime{N: c}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return Benchtime{}, fmt.Errorf("benchtime %q: want a count (300x) or a duration (2s)", s)
	}
	return Benchtime{D: d}, nil
}

// maxN bounds the operations of one run, as go test does.
const maxN = 1_000_000_000

// Run measures body as go test -bench would: with a fixed count it runs
// body once with that N; with a duration it grows N from 1 until a run
// lasts that long. A body that uses Loop runs once and grows its own loop.
// Log lines (Logf, and the reasons of failures) go to log when it is not nil.
func Run(body func(B), bt Benchtime, log io.Writer) Result {
	n := 1
	if bt.N > 0 {
		n = bt.N
	}
	for {
		r := runOnce(body, n, bt, log)
		if r.failed || r.skipped {
			return Result{Failed: r.failed, Skipped: r.skipped, Reason: r.reason}
		}
		if r.looped || bt.N > 0 || r.elapsed >= bt.D || r.n >= maxN {
			return Result{N: r.n, T: r.elapsed, Extra: r.extra}
		}
		n = predictN(bt.D.Nanoseconds(), int64(r.n), r.elapsed.Nanoseconds(), int64(r.n))
	}
}

// predictN is go test's: the next N aiming at goal, 1.2× the estimate,
// growing at most 100× and at least by one.
func predictN(goalns, prevIters, prevns, last int64) int {
	if prevns == 0 {
		prevns = 1
	}
	n := goalns * prevIters / prevns
	n += n / 5
	n = min(n, 100*last)
	n = max(n, last+1)
	return int(min(n, maxN))
}

// runner runs one call of a body: the B it is given.
type runner struct {
	bt  Benchtime
	log io.Writer

	n       int
	timerOn bool
	start   time.Time
	elapsed time.Duration
	extra   map[string]float64

	looped         bool // Loop was called
	loopN, loopI   int
	mu             sync.Mutex
	failed         bool
	skipped        bool
	reason         string
	cleanups       []func()
	tempDirs       int
	tempDirsParent string
}

func runOnce(body func(B), n int, bt Benchtime, log io.Writer) *runner {
	r := &runner{bt: bt, log: log, n: n, extra: map[string]float64{}}
	runtime.GC()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			// Cleanups run whatever happened, the last registered first.
			for i := len(r.cleanups) - 1; i >= 0; i-- {
				r.cleanups[i]()
			}
			if r.tempDirsParent != "" {
				_ = os.RemoveAll(r.tempDirsParent)
			}
		}()
		r.StartTimer()
		body(r)
		r.StopTimer()
	}()
	<-done // a Fatal or Skip ends the goroutine with runtime.Goexit
	return r
}

func (r *runner) N() int {
	if r.looped {
		return r.loopN
	}
	return r.n
}

func (r *runner) StartTimer() {
	if !r.timerOn {
		r.start = time.Now()
		r.timerOn = true
	}
}

func (r *runner) StopTimer() {
	if r.timerOn {
		r.elapsed += time.Since(r.start)
		r.timerOn = false
	}
}

func (r *runner) ResetTimer() {
	if r.timerOn {
		r.start = time.Now()
	}
	r.elapsed = 0
}

func (r *runner) now() time.Duration {
	if r.timerOn {
		return r.elapsed + time.Since(r.start)
	}
	return r.elapsed
}

// Loop is testing.B's: true for each operation to measure, the timer reset
// at the first call and stopped after the last.
func (r *runner) Loop() bool {
	if !r.looped {
		r.looped = true
		r.loopN = 1
		if r.bt.N > 0 {
			r.loopN = r.bt.N
		}
		r.StartTimer()
		r.ResetTimer()
		r.loopI = 1
		return true
	}
	if r.loopI < r.loopN {
		r.loopI++
		return true
	}
	if r.bt.N == 0 && r.loopN < maxN {
		if t := r.now(); t < r.bt.D {
			r.loopN = predictN(r.bt.D.Nanoseconds(), int64(r.loopN), t.Nanoseconds(), int64(r.loopN))
			r.loopI++
			return true
		}
	}
	r.StopTimer()
	r.n = r.loopN
	return false
}

func (r *runner) ReportMetric(v float64, unit string) { r.extra[unit] = v }

func (r *runner) Helper() {}

func (r *runner) Cleanup(f func()) {
	r.mu.Lock()
	r.cleanups = append(r.cleanups, f)
	r.mu.Unlock()
}

// TempDir returns a new directory, removed when the run ends.
func (r *runner) TempDir() string {
	r.mu.Lock()
	if r.tempDirsParent == "" {
		parent, err := os.MkdirTemp("", "mercato-bench-")
		if err != nil {
			r.mu.Unlock()
			r.Fatalf("temp dir: %v", err)
		}
		r.tempDirsParent = parent
	}
	r.tempDirs++
	dir := filepath.Join(r.tempDirsParent, fmt.Sprintf("%03d", r.tempDirs))
	r.mu.Unlock()
	if err := os.Mkdir(dir, 0o700); err != nil {
		r.Fatalf("temp dir: %v", err)
	}
	return dir
}

func (r *runner) Logf(format string, args ...any) {
	if r.log != nil {
		r.mu.Lock()
		fmt.Fprintf(r.log, "    "+format+"\n", args...)
		r.mu.Unlock()
	}
}

func (r *runner) fail(skip bool, msg string) {
	r.mu.Lock()
	if skip {
		r.skipped = true
	} else {
		r.failed = true
	}
	if r.reason == "" {
		r.reason = msg
	}
	r.mu.Unlock()
}

func (r *runner) Error(args ...any)                 { r.fail(false, fmt.Sprint(args...)) }
func (r *runner) Errorf(format string, args ...any) { r.fail(false, fmt.Sprintf(format, args...)) }
func (r *runner) Fatal(args ...any)                 { r.fail(false, fmt.Sprint(args...)); runtime.Goexit() }
func (r *runner) Fatalf(format string, args ...any) {
	r.fail(false, fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (r *runner) Skipf(format string, args ...any) {
	r.fail(true, fmt.Sprintf(format, args...))
	runtime.Goexit()
}
