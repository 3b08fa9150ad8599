package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/secretbox"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// TestSecretsAtRest checks that webhook secrets and credential values are
// stored sealed, and that a key rotation re-seals them all under the new key
// so the old one can be dropped.
func TestSecretsAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		oldKey, _ := secretbox.ParseKey(secretbox.Generate())
		st.SetSecretKeys(oldKey)
		if err := st.LoadSecrets(ctx); err != nil {
			t.Fatal(err)
		}
		secret, _ := webhook.NewSecret()
		ep, err := webhooks.New(st, store.TxFunc[webhooks.Tx](st)).CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://192.0.32.9/h", Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		o, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := provisioning.New(st, store.TxFunc[provisioning.Tx](st)).AddCredentials(ctx, w.VendorA.Principal, o.SubscriptionID, []subscription.Credential{{Key: "password", Value: "hunter2-but-longer"}}); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := st.DB().QueryRow("SELECT secret FROM webhook_endpoints WHERE id = $1", ep.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw, secret) || !strings.HasPrefix(raw, "sb1:"+oldKey.ID()+":") {
			t.Fatalf("stored secret %q is not sealed with the key", raw)
		}
		got, err := st.Endpoint(ctx, w.VendorA.Principal, ep.ID)
		if err != nil || got.Secret != secret {
			t.Fatalf("endpoint secret %q, %v", got.Secret, err)
		}

		// Rotation: a new first key, the old one kept to open; re-seal.
		newKey, _ := secretbox.ParseKey(secretbox.Generate())
		st.SetSecretKeys(newKey, oldKey)
		n, err := st.RotateSecrets(ctx)
		if err != nil || n != 2 {
			t.Fatalf("rotate: %d values, %v", n, err)
		}
		// The old key is gone: everything still opens.
		st.SetSecretKeys(newKey)
		if got, err := st.Endpoint(ctx, w.VendorA.Principal, ep.ID); err != nil || got.Secret != secret {
			t.Fatalf("after rotation: %q %v", got.Secret, err)
		}
		creds, err := provisioning.New(st, store.TxFunc[provisioning.Tx](st)).Credentials(ctx, w.C1.Principal, o.SubscriptionID)
		if err != nil || len(creds) != 1 || creds[0].Value != "hunter2-but-longer" {
			t.Fatalf("credentials after rotation: %+v %v", creds, err)
		}
		if n, err := st.RotateSecrets(ctx); err != nil || n != 0 {
			t.Fatalf("second rotation rewrote %d values (%v)", n, err)
		}
	})
}

// TestBackup copies a SQLite database in use and reads the copy back.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	w := storetest.NewWorld(t, st)
	if _, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/copy.db"
	if err := st.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := st.Backup(ctx, path); err == nil {
		t.Fatal("a backup overwrote a file")
	}
	cp, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if err := cp.Ready(ctx); err != nil {
		t.Fatalf("the copy is not a ready database: %v", err)
	}
	subs, _, err := cp.ListSubscriptions(ctx, w.Platform.Principal, store.SubscriptionFilter{}, store.Page{})
	if err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions in the copy: %d %v", len(subs), err)
	}
}
