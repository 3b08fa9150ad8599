package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Order is a purchase (or change, or renewal) priced when it was placed.
type Order struct {
	ID             int64          `json:"id"`
	Type           string         `json:"type" enum:"NEW,CHANGE,RENEWAL"`
	CustomerID     int64          `json:"customer_id"`
	PlanID         int64          `json:"plan_id"`
	SubscriptionID int64          `json:"subscription_id"`
	Quantity       int64          `json:"quantity"`
	Configuration  map[string]any `json:"configuration"`
	Currency       string         `json:"currency"`
	Total          string         `json:"total"`
	Lines          []Line         `json:"lines"`
	Coupon         string         `json:"coupon,omitempty" doc:"the coupon code the order redeemed; its discount is a line of kind discount"`
	CreatedAt      time.Time      `json:"created_at"`
}

func orderOf(o subscription.Order) Order {
	return Order{ID: o.ID, Type: string(o.Type), CustomerID: o.CustomerID, PlanID: o.PlanID, SubscriptionID: o.SubscriptionID, Quantity: o.Quantity,
		Configuration: o.Configuration, Currency: o.Currency, Total: money(o.Total, o.Currency), Lines: linesOf(o.Lines, o.Currency), Coupon: o.Coupon, CreatedAt: o.CreatedAt}
}

// OrderCreate is the body of POST /api/v1/orders.
type OrderCreate struct {
	CustomerID    int64          `json:"customer_id,omitempty" minimum:"1" doc:"required unless you are the customer (or a vendor's sandbox order)"`
	PlanID        int64          `json:"plan_id" minimum:"1"`
	Quantity      int64          `json:"quantity" minimum:"1" maximum:"1000000000"` // the schema shows subscription.MaxQuantity, which the services enforce
	Configuration map[string]any `json:"configuration,omitempty" doc:"values for the product's configuration parameters"`
	Coupon        string         `json:"coupon,omitempty" maxLength:"64" doc:"a coupon code to redeem (case-insensitive); one that is unknown, expired, used up or not applicable is refused with 422 naming coupon"`
	AcceptTerms   bool           `json:"accept_terms,omitempty" doc:"the buyer accepts the product's publisher terms (the links in its metadata terms.license_link, terms.privacy_link, terms.marketplace_link and terms.summary); required true for a product that has them (every azure_marketplace_vm): without it the order is refused with 422 naming accept_terms. The acceptance (user, organization, time, the terms' version) is recorded with the order and shown on the subscription as terms_acceptance"`
}

func (s *Server) registerOrders() {
	tags := []string{"Orders"}
	register(s, huma.Operation{OperationID: "create-order", Description: "Places an order for a plan: validates the customer, the published product, the quantity and the configuration, prices it through the channel, and creates the order, its subscription and a Subscription CREATED event in one transaction. Customers order for themselves, resellers and distributors for their customers, a vendor only a sandbox order of its own product. With Idempotency-Key a retry answers the first order. A coupon code is redeemed in the same transaction (its redemption limit holds under concurrent orders) and its discount shown as a line.", Method: http.MethodPost, Path: "/api/v1/orders", Summary: "Place an order; it creates a subscription", Tags: tags},
		func(ctx context.Context, in *struct {
			IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"a retry with the same key and body returns the first answer"`
			Body           OrderCreate
		}) (*Output[Order], error) {
			b := in.Body
			o, err := s.services.Orders.PlaceOrder(ctx, principal(ctx), subscription.OrderRequest{
				CustomerID: b.CustomerID, PlanID: b.PlanID, Quantity: b.Quantity, Configuration: b.Configuration, Coupon: b.Coupon, AcceptTerms: b.AcceptTerms, IdempotencyKey: in.IdempotencyKey,
			})
			if err != nil {
				return nil, err
			}
			return out(orderOf(o)), nil
		})
	register(s, huma.Operation{OperationID: "list-orders", Description: "Lists the orders (new, change, renewal) the caller can see, one page at a time, optionally of one customer or subscription. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/orders", Summary: "List orders you can see", Tags: tags},
		func(ctx context.Context, in *struct {
			ListInput
			CustomerID     int64 `query:"customer_id" minimum:"0"`
			SubscriptionID int64 `query:"subscription_id" minimum:"0"`
		}) (*ListOutput[Order], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]subscription.Order, int64, error) {
				return s.services.Orders.ListOrders(ctx, principal(ctx), subscription.OrderFilter{CustomerID: in.CustomerID, SubscriptionID: in.SubscriptionID}, p)
			}, orderOf)
		})
	register(s, huma.Operation{OperationID: "get-order", Description: "Returns one order as it was priced when placed, with its lines. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/orders/{id}", Summary: "Get an order", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Order], error) {
			o, err := s.services.Orders.Order(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(orderOf(o)), nil
		})
}
