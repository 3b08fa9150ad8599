// Package webhook signs, verifies and parses the syndication webhooks that
// Mercato (and Cloudesire before it) sends to the vendors of SaaS products.
//
// Mercato tells a vendor of every lifecycle event (a subscription created,
// modified or deleted, an invoice, a user, a plan) by POSTing a small JSON
// notification to the vendor's endpoint:
//
//	{"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}
//
// The body only says that something changed: the vendor then fetches the
// entity from the marketplace API (entityUrl is relative to its /api/ base)
// and never acts on the body alone.
//
// # Signatures
//
// Every delivery carries two signatures, made with the endpoint's secret
// ("whsec_" followed by the standard base64 encoding of 24 to 64 random
// bytes, see [NewSecret]):
//
//   - Cloudesire's scheme, kept so that existing integrations work unchanged:
//     header CMW-Event-Signature: sha1=<lowercase hex HMAC-SHA1>, keyed with
//     the secret's full text as shown ("whsec_…"), over the raw body. It has
//     no timestamp, so it cannot tell a replayed delivery from a fresh one.
//   - Standard Webhooks (https://www.standardwebhooks.com): headers
//     webhook-id (the message id, the same on every retry of one event),
//     webhook-timestamp (unix seconds) and webhook-signature: v1,<base64
//     HMAC-SHA256>, keyed with the bytes base64-decoded from the part after
//     "whsec_", over "<webhook-id>.<webhook-timestamp>.<body>". When a secret
//     is rotated, the old and the new secret both sign during a grace period
//     and webhook-signature holds one space-separated v1 entry per secret.
//
// A [Verifier] checks the Standard Webhooks signature whenever the webhook-*
// headers are present (rejecting timestamps more than [Verifier.Tolerance]
// away from its clock, in either direction, against replays), and the
// Cloudesire signature otherwise. All comparisons are constant-time.
// A verifier holding several secrets accepts a delivery signed by any of
// them, which is how a vendor rolls a rotated secret without losing events.
//
// # Receiving
//
// A vendor's receiver is usually a [Handler]: it verifies, parses and hands
// the [Notification] to a function, answering 204 when the function
// succeeds and 500 when it fails, so that the marketplace retries later:
//
//	v := &webhook.Verifier{Secrets: []string{os.Getenv("MERCATO_WEBHOOK_SECRET")}}
//	http.Handle("/mercato/events", webhook.Handler(v, // answers 405 to any method but POST
//		func(ctx context.Context, n webhook.Notification) error {
//			if n.Entity != webhook.EntitySubscription {
//				return nil
//			}
//			// GET /api/subscription/{n.ID}, provision when it is PENDING and paid…
//			return nil
//		}))
//
// Deliveries are at-least-once: the same event may arrive more than once
// (always with the same webhook-id and eventId), so the function should be
// idempotent. Receivers that need more control call [Verifier.Verify] and
// [Parse] themselves.
//
// # Sending
//
// The marketplace signs its deliveries with [Sign] (or [SignCMW] and
// [SignStandard]), so signing and verifying are one piece of code.
//
// # Beside this package
//
// The module (github.com/mercato-market/mercato/pkg/webhook, Go 1.21, the
// standard library only) also holds package vendorapi, a client of the
// Cloudesire-compatible API a vendor calls back after a notification, and
// package webhooktest, which builds deliveries signed exactly as Mercato
// signs them and sends them to a vendor's handler in its tests.
package webhook
