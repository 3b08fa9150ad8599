package azure

import (
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mercato-market/mercato/internal/telemetry"
)

// callCounter is an SDK pipeline policy counting every attempt to Azure
// (Resource Manager and Entra ID) by operation and outcome, for /metrics.
type callCounter struct{}

func (callCounter) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	outcome := "error"
	switch {
	case err != nil:
	case resp.StatusCode < 400:
		outcome = "ok"
	case resp.StatusCode == http.StatusTooManyRequests:
		outcome = "throttled"
	case resp.StatusCode >= 500:
		outcome = "server_error"
	default:
		outcome = "refused"
	}
	telemetry.ConnectorCalls.WithLabelValues("azure", req.Raw().Method+" "+collection(req.Raw().URL.Path), outcome).Inc()
	return resp, err
}

// collection names what a Resource Manager path addresses by its last
// collection (resourcegroups, deployments, agreements…), so that the
// metric's labels stay few.
func collection(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) >= 2 && len(segs)%2 == 0 {
		return segs[len(segs)-2]
	}
	return segs[len(segs)-1]
}
