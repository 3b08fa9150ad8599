package partnercenter

import (
	"context"
	"net/http"
	"net/url"
)

// OrderLineProvisioning is the provisioning state of one line of an
// order ("pending", "fulfilled", …).
type OrderLineProvisioning struct {
	LineItemNumber                  int    `json:"lineItemNumber"`
	Status                          string `json:"status"`
	QuantityProvisioningInformation []struct {
		Quantity int    `json:"quantity"`
		Status   string `json:"status"`
	} `json:"quantityProvisioningInformation"`
}

// GetOrder reads an order.
func (c *Client) GetOrder(ctx context.Context, customerID, orderID string) (Order, error) {
	var out Order
	_, _, err := c.do(ctx, call{method: http.MethodGet, out: &out,
		path: "/customers/" + url.PathEscape(customerID) + "/orders/" + url.PathEscape(orderID)})
	return out, err
}

// OrderProvisioningStatus reads the provisioning state of an order's lines.
func (c *Client) OrderProvisioningStatus(ctx context.Context, customerID, orderID string) ([]OrderLineProvisioning, error) {
	var out collection[OrderLineProvisioning]
	_, _, err := c.do(ctx, call{method: http.MethodGet, out: &out,
		path: "/customers/" + url.PathEscape(customerID) + "/orders/" + url.PathEscape(orderID) + "/provisioningstatus"})
	return out.Items, err
}
