package vendorapi_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/mercato-market/mercato/pkg/webhook/vendorapi"
)

// A vendor's provisioning after a Subscription CREATED notification: read
// the subscription, provision when it is ready, tell the marketplace where
// the service is, report DEPLOYED.
func ExampleClient() {
	// The marketplace: here a replay of Mercato's recorded answers; in real
	// code, its URL ending in /api/ and your vendor token.
	mercato := newReplay()
	defer mercato.Close()
	ctx := context.Background()

	c, err := vendorapi.New(mercato.URL+"/api/", vendorapi.Credentials{Token: "test-token-vendora-0123456789abcdef"})
	if err != nil {
		panic(err)
	}
	sub, err := c.Subscription(ctx, 1) // the notification's ID
	if err != nil {
		fmt.Println(err)
		return
	}
	tenant, _ := sub.Parameter("subdomain")
	fmt.Println(sub.DeploymentStatus, sub.Paid, sub.ReadyToProvision(), tenant)
	if !sub.ReadyToProvision() {
		return // wait for the next notification
	}

	// … create the tenant, then:
	_, err = c.SetEndpoints(ctx, sub.ID, []vendorapi.Endpoint{
		{Endpoint: "https://acme.crm.example/", Description: "Your CRM", Category: vendorapi.CategoryApp},
		{Endpoint: "https://acme.crm.example/reset", Description: "Reset your password", Category: vendorapi.CategoryPasswordReset},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sub, err = c.SetDeploymentStatus(ctx, sub.ID, vendorapi.StatusDeployed)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sub.DeploymentStatus, sub.Endpoints[0].Endpoint)
	// Output:
	// PENDING true true acme
	// DEPLOYED https://acme.crm.example/
}

// Errors carry the marketplace's errorHolders.
func ExampleError() {
	mercato := newReplay()
	defer mercato.Close()
	c, _ := vendorapi.New(mercato.URL+"/api/", vendorapi.Credentials{Token: "test-token-vendora-0123456789abcdef"})

	_, err := c.Subscription(context.Background(), 1001)
	fmt.Println(errors.Is(err, vendorapi.ErrNotFound))
	var ae *vendorapi.Error
	if errors.As(err, &ae) {
		fmt.Println(ae.StatusCode, ae.Holders[0].Key, ae.Holders[0].Error)
	}
	fmt.Println(err)
	// Output:
	// true
	// 404 notFound subscription 1001 not found
	// vendorapi: GET subscription/1001: 404 Not Found: notFound: subscription 1001 not found
}
