package api

import (
	"crypto/sha256"
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// WithRateLimit limits every API token to perSecond requests a second, with
// bursts of burst; 0 (the default) means no limit.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Server) {
		if perSecond > 0 {
			s.limits = &limiter{every: rate.Limit(perSecond), burst: max(burst, 1), buckets: map[[32]byte]*bucket{}}
		}
	}
}

// limiter keeps a token bucket per API token, keyed by the token's hash so
// that no secret stays in memory longer than its request.
type limiter struct {
	every   rate.Limit
	burst   int
	mu      sync.Mutex
	buckets map[[32]byte]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// allow reports whether the token may make a request now, and if not, how
// long it should wait.
func (l *limiter) allow(token string, now time.Time) (bool, time.Duration) {
	key := sha256.Sum256([]byte(token))
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > 10*time.Minute {
		// Forget tokens idle for long: their buckets are full again anyway.
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}
