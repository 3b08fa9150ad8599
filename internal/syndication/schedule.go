package syndication

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Schedule is the wait before each retry of a failed delivery: the one
// Standard Webhooks suggests, about 80 hours in all, so that an endpoint
// down for three days still gets every event. After the last retry fails
// the endpoint is disabled and its owner told; its deliveries wait for it
// to be enabled again.
var Schedule = []time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	14 * time.Hour,
	20 * time.Hour,
	24 * time.Hour,
}

// Span is how long a delivery that keeps failing is retried by schedule:
// the sum of its waits (without jitter).
func Span(schedule []time.Duration) time.Duration {
	var total time.Duration
	for _, d := range schedule {
		total += d
	}
	return total
}

// Timeout is how long a receiver has to answer.
const Timeout = 15 * time.Second

// Backoff returns the wait before retry number attempt (1 for the first
// retry), with ±10% jitter so that a recovering endpoint is not hit by every
// delivery at once; ok is false when the schedule is exhausted.
func Backoff(attempt int, schedule []time.Duration) (time.Duration, bool) {
	if attempt < 1 || attempt > len(schedule) {
		return 0, false
	}
	d := schedule[attempt-1]
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + jitter, true
}

// Outcome is what an answer (or its absence) means for a delivery.
type Outcome int

// Outcomes.
const (
	Delivered  Outcome = iota // 2xx
	Retry                     // anything else: try again on the schedule
	RetryAfter                // 429 with a Retry-After: try again then
	Gone                      // 410: the receiver asks to be disabled
)

// Classify reads a receiver's answer; err is a transport error (no answer).
// For RetryAfter it returns the wait the receiver asked for (at most a day).
func Classify(status int, header http.Header, err error, now time.Time) (Outcome, time.Duration) {
	switch {
	case err != nil:
		return Retry, 0
	case status >= 200 && status < 300:
		return Delivered, 0
	case status == http.StatusGone:
		return Gone, 0
	case status == http.StatusTooManyRequests:
		if d, ok := parseRetryAfter(header.Get("Retry-After"), now); ok {
			return RetryAfter, min(d, 24*time.Hour)
		}
	}
	return Retry, 0
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
