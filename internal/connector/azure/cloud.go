package azure

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// ManagementAudience is the audience of ARM tokens.
const ManagementAudience = "https://management.core.windows.net/"

// Endpoints say where Azure is and who the connector is there: the public
// cloud by default, or emulators (whose self-signed certificates CACertPEM
// trusts).
type Endpoints struct {
	// ResourceManager is ARM's URL; default https://management.azure.com.
	ResourceManager string
	// Authority is Entra ID's URL; default https://login.microsoftonline.com/.
	Authority string
	// CACertPEM, when set, is the only certificate authority trusted (an
	// emulator's self-signed certificate).
	CACertPEM []byte
	// TenantID, ClientID and ClientSecret are the app the connector signs
	// in as (client credentials).
	TenantID, ClientID, ClientSecret string
}

// SDKConfig returns the azidentity credential and the ARM client options
// for the endpoints: the same code path for Azure and for the emulators,
// which differ only in cloud.Configuration and the trusted certificate.
func SDKConfig(e Endpoints) (azcore.TokenCredential, arm.ClientOptions, error) {
	if e.TenantID == "" || e.ClientID == "" || e.ClientSecret == "" {
		return nil, arm.ClientOptions{}, errors.New("azure: tenant id, client id and client secret are required")
	}
	cfg := cloud.AzurePublic
	if e.ResourceManager != "" || e.Authority != "" {
		cfg = cloud.Configuration{ActiveDirectoryAuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: {
				Endpoint: "https://management.azure.com", Audience: ManagementAudience}}}
		if e.ResourceManager != "" {
			cfg.Services[cloud.ResourceManager] = cloud.ServiceConfiguration{Endpoint: strings.TrimSuffix(e.ResourceManager, "/"), Audience: ManagementAudience}
		}
		if e.Authority != "" {
			cfg.ActiveDirectoryAuthorityHost = strings.TrimSuffix(e.Authority, "/") + "/"
		}
	}
	client := policy.ClientOptions{Cloud: cfg, PerRetryPolicies: []policy.Policy{callCounter{}}}
	if len(e.CACertPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(e.CACertPEM) {
			return nil, arm.ClientOptions{}, errors.New("azure: no certificate in the CA file")
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		client.Transport = &http.Client{Transport: tr, Timeout: time.Minute}
	}
	cred, err := azidentity.NewClientSecretCredential(e.TenantID, e.ClientID, e.ClientSecret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: client, DisableInstanceDiscovery: e.Authority != ""})
	if err != nil {
		return nil, arm.ClientOptions{}, fmt.Errorf("azure credential: %w", err)
	}
	// Emulators have no resource providers to register.
	return cred, arm.ClientOptions{ClientOptions: client, DisableRPRegistration: e.ResourceManager != ""}, nil
}
