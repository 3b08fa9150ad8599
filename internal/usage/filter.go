package usage

import "time"

// Filter narrows a list of usage records. From and To bound
// period_start to [From, To); zero means unbounded.
type Filter struct {
	Metric   string
	Source   string
	From, To time.Time
}
