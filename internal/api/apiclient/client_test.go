package apiclient_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/api/apiclient"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestGeneratedClientIsCurrent regenerates the spec and the client as
// go generate does and fails when a committed file differs: after an API
// change, run go generate ./internal/api/apiclient/.
func TestGeneratedClientIsCurrent(t *testing.T) {
	spec, err := api.Document(api.New(api.Services{}, slog.New(slog.DiscardHandler)).OpenAPI(), "3.0")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "openapi-3.0.json", spec)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi-3.0.json"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	// The committed configuration, writing into dir.
	cfg, err := os.ReadFile("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "client.gen.go")
	cfg = bytes.Replace(cfg, []byte("\noutput: client.gen.go\n"), []byte("\noutput: "+out+"\n"), 1)
	if err := os.WriteFile(filepath.Join(dir, "oapi-codegen.yaml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", filepath.Join(dir, "oapi-codegen.yaml"), filepath.Join(dir, "openapi-3.0.json"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, stderr.String())
	}
	client, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "client.gen.go", client)
}

func same(t *testing.T, name string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate ./internal/api/apiclient/", name)
	}
}

// TestClientFlow drives the real API server with the generated client: a
// customer lists products and plans, quotes, orders, and reads its
// subscription; the vendor reports it deployed; the platform reads the
// events. Every answer is decoded into the generated types.
func TestClientFlow(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			st := storetest.Open(t, engine)
			st.Now = storetest.Clock(storetest.Epoch)
			w := storetest.NewWorld(t, st)
			ts := httptest.NewServer(app.NewAPI(st, slog.New(slog.NewTextHandler(io.Discard, nil))))
			t.Cleanup(ts.Close)
			ctx := context.Background()
			as := func(token string) *apiclient.ClientWithResponses {
				c, err := apiclient.NewClientWithResponses(ts.URL, apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
					r.Header.Set("Authorization", "Bearer "+token)
					return nil
				}))
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			customer, vendor, platform := as(w.C1.Token), as(w.VendorA.Token), as(w.Platform.Token)

			products, err := customer.ListProductsWithResponse(ctx, &apiclient.ListProductsParams{Limit: ptr(int64(200))})
			if err != nil || products.JSON200 == nil {
				t.Fatalf("list products: %v %s", err, body(products))
			}
			var found bool
			for _, p := range products.JSON200.Items {
				found = found || p.Id == w.ProductA.ID
				if p.Id == w.DraftA.ID {
					t.Fatalf("a customer sees vendor A's draft %d", p.Id)
				}
			}
			if !found {
				t.Fatalf("product A (%d) is not listed: %s", w.ProductA.ID, products.Body)
			}
			plans, err := customer.ListPlansWithResponse(ctx, w.ProductA.ID, nil)
			if err != nil || plans.JSON200 == nil || len(plans.JSON200.Items) == 0 {
				t.Fatalf("list plans: %v %s", err, body(plans))
			}

			quote, err := customer.CreateQuoteWithResponse(ctx, apiclient.CreateQuoteJSONRequestBody{PlanId: w.PlanA.ID, Quantity: 3})
			if err != nil || quote.JSON200 == nil {
				t.Fatalf("quote: %v %s", err, body(quote))
			}
			if len(quote.JSON200.Lines) == 0 || len(quote.JSON200.Shares) < 2 || quote.JSON200.Currency != "EUR" {
				t.Fatalf("quote: %+v", *quote.JSON200)
			}

			config := map[string]any{"subdomain": "acme"}
			order, err := customer.CreateOrderWithResponse(ctx, &apiclient.CreateOrderParams{IdempotencyKey: ptr("client-flow-1")},
				apiclient.CreateOrderJSONRequestBody{PlanId: w.PlanA.ID, Quantity: 3, Configuration: &config})
			if err != nil || order.JSON201 == nil {
				t.Fatalf("order: %v %s", err, body(order))
			}
			if order.JSON201.Total != quote.JSON200.Total || order.JSON201.Type != apiclient.NEW {
				t.Fatalf("order %+v, quote total %s", *order.JSON201, quote.JSON200.Total)
			}
			id := order.JSON201.SubscriptionId

			sub, err := customer.GetSubscriptionWithResponse(ctx, id)
			if err != nil || sub.JSON200 == nil {
				t.Fatalf("get subscription: %v %s", err, body(sub))
			}
			if sub.JSON200.DeploymentStatus != apiclient.SubscriptionDeploymentStatusPENDING || !sub.JSON200.Paid || sub.JSON200.Quantity != 3 || sub.JSON200.Renewal == nil {
				t.Fatalf("subscription: %+v", *sub.JSON200)
			}
			deployed := apiclient.SubscriptionUpdateDeploymentStatusDEPLOYED
			upd, err := vendor.UpdateSubscriptionWithResponse(ctx, id, apiclient.UpdateSubscriptionJSONRequestBody{DeploymentStatus: &deployed})
			if err != nil || upd.JSON200 == nil || upd.JSON200.DeploymentStatus != apiclient.SubscriptionDeploymentStatusDEPLOYED {
				t.Fatalf("deploy: %v %s", err, body(upd))
			}

			events, err := platform.ListEventsWithResponse(ctx, &apiclient.ListEventsParams{Entity: ptr(apiclient.ListEventsParamsEntitySubscription), EntityId: &id})
			if err != nil || events.JSON200 == nil {
				t.Fatalf("events: %v %s", err, body(events))
			}
			var types []apiclient.EventType
			for _, e := range events.JSON200.Items {
				types = append(types, e.Type)
			}
			if len(types) < 2 || types[0] != apiclient.CREATED || types[len(types)-1] != apiclient.MODIFIED {
				t.Fatalf("events of subscription %d: %v", id, types)
			}

			// Errors decode as problems too: the other channel sees nothing.
			other, err := as(w.C2.Token).GetSubscriptionWithResponse(ctx, id)
			if err != nil || other.StatusCode() != http.StatusNotFound || other.ApplicationproblemJSON404 == nil || other.ApplicationproblemJSON404.Status == nil ||
				*other.ApplicationproblemJSON404.Status != http.StatusNotFound {
				t.Fatalf("foreign subscription: %v %s", err, body(other))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// body is an answer's status and body for failure messages.
func body(r interface {
	StatusCode() int
	GetBody() []byte
}) string {
	if r == nil {
		return "no answer"
	}
	return http.StatusText(r.StatusCode()) + ": " + string(r.GetBody())
}
