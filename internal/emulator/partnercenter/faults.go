package partnercenter

import (
	"encoding/json"
	"net/http"
	"path"
	"strings"
	"time"
)

// FaultKind is a failure the emulator can inject.
type FaultKind string

// The faults.
const (
	// FaultThrottle answers 429 with Retry-After.
	FaultThrottle FaultKind = "throttle"
	// FaultServerError answers a 5xx (Status, default 500).
	FaultServerError FaultKind = "server_error"
	// FaultSlow waits Delay before answering normally.
	FaultSlow FaultKind = "slow"
	// FaultDropAfterCommit performs the request (an order is placed) and
	// then closes the connection without an answer.
	FaultDropAfterCommit FaultKind = "drop_after_commit"
	// FaultDropBeforeCommit closes the connection without doing anything.
	FaultDropBeforeCommit FaultKind = "drop_before_commit"
)

// Fault is an injected failure for the next Count requests matching Method
// and Path (a path.Match pattern such as /v1/customers/*/orders; empty
// matches any).
type Fault struct {
	Kind       FaultKind     `json:"kind"`
	Method     string        `json:"method,omitempty"`
	Path       string        `json:"path,omitempty"`
	Count      int           `json:"count"`
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	Delay      time.Duration `json:"delay,omitempty"`
	Status     int           `json:"status,omitempty"`
}

// InjectFault adds a fault; faults are consumed in the order added.
func (e *Emulator) InjectFault(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	e.mu.Lock()
	e.faults = append(e.faults, &f)
	e.mu.Unlock()
}

// ClearFaults removes every pending fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	e.faults = nil
	e.mu.Unlock()
}

func (e *Emulator) takeFault(r *http.Request) *Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" {
			if ok, _ := path.Match(f.Path, r.URL.Path); !ok {
				continue
			}
		}
		f.Count--
		if f.Count <= 0 {
			e.faults = append(e.faults[:i], e.faults[i+1:]...)
		}
		e.stats.FaultsInjected++
		c := *f
		return &c
	}
	return nil
}

// postFault is POST /_emulator/faults {"kind","method","path","count",
// "retry_after_seconds","delay_ms","status"} for tests in other processes.
func (e *Emulator) postFault(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fault
		RetryAfterSeconds int `json:"retry_after_seconds"`
		DelayMS           int `json:"delay_ms"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Kind == "" {
		writeError(w, http.StatusBadRequest, "400", "want {\"kind\":…}")
		return
	}
	f := in.Fault
	if in.RetryAfterSeconds > 0 {
		f.RetryAfter = time.Duration(in.RetryAfterSeconds) * time.Second
	}
	if in.DelayMS > 0 {
		f.Delay = time.Duration(in.DelayMS) * time.Millisecond
	}
	e.InjectFault(f)
	w.WriteHeader(http.StatusNoContent)
}
