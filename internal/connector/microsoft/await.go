package microsoft

import (
	"context"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/partnercenter"
)

// subscriptionOf is the subscription of a completed order's first line,
// or "" while the order is pending.
func subscriptionOf(o partnercenter.Order) string {
	if !o.Completed() || len(o.LineItems) == 0 {
		return ""
	}
	return o.LineItems[0].SubscriptionID
}

// awaitOrder waits for Microsoft to provision an order (it is pending
// after it is placed) and returns its subscription id. It reads the order
// again after a wait that doubles from PollMin to PollMax, until
// ProvisioningTimeout has passed on the connector's clock; then the
// webhook fails and its next delivery waits again for the same order
// (recorded in the subscription's metadata), never placing another.
func (c *Connector) awaitOrder(ctx context.Context, customerID, orderID string) (string, error) {
	deadline := c.now().Add(c.cfg.ProvisioningTimeout)
	wait := c.cfg.PollMin
	for {
		o, err := c.pc.GetOrder(ctx, customerID, orderID)
		if err != nil {
			return "", classify(err, "Microsoft could not find the order.")
		}
		if id := subscriptionOf(o); id != "" {
			return id, nil
		}
		if !c.now().Before(deadline) {
			return "", fmt.Errorf("partner center order %s is still %s after %s", orderID, o.Status, c.cfg.ProvisioningTimeout)
		}
		c.log.DebugContext(ctx, "microsoft connector: order not provisioned yet", "order", orderID, "status", o.Status, "wait", wait)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return "", err
		}
		wait = min(2*wait, c.cfg.PollMax)
	}
}

func (c *Connector) now() time.Time { return c.cfg.Now() }
