package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Metadata keys of a publisher's terms: the links and a short summary the
// buyer reads at checkout (for an Azure Marketplace VM offer, those of
// Microsoft.MarketplaceOrdering's agreement of its plan). The vendor enters
// them, or the Azure connector fills them in from the agreements API.
const (
	MetaTermsLicense     = "terms.license_link"
	MetaTermsPrivacy     = "terms.privacy_link"
	MetaTermsMarketplace = "terms.marketplace_link"
	MetaTermsSummary     = "terms.summary"
)

// MaxTermsSummary bounds the summary of a publisher's terms.
const MaxTermsSummary = 4000

// PublisherTerms are the terms a buyer accepts to order a product.
type PublisherTerms struct {
	LicenseLink     string
	PrivacyLink     string
	MarketplaceLink string
	Summary         string
}

// Version identifies these terms' text and links: an acceptance is of one
// version, and changed terms are another.
func (t PublisherTerms) Version() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{t.LicenseLink, t.PrivacyLink, t.MarketplaceLink, t.Summary}, "\n")))
	return hex.EncodeToString(sum[:8])
}

// Links lists the terms' links that are set, license first.
func (t PublisherTerms) Links() []string {
	var out []string
	for _, l := range []string{t.LicenseLink, t.PrivacyLink, t.MarketplaceLink} {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Terms returns the publisher's terms a buyer must accept to order p, and
// whether there are any: every Azure Marketplace VM offer has them (Azure
// refuses to deploy its image until they are accepted), and any product
// whose metadata carries terms.
func (p Product) Terms() (PublisherTerms, bool) {
	t := PublisherTerms{LicenseLink: p.Metadata[MetaTermsLicense], PrivacyLink: p.Metadata[MetaTermsPrivacy],
		MarketplaceLink: p.Metadata[MetaTermsMarketplace], Summary: p.Metadata[MetaTermsSummary]}
	return t, p.Type == TypeAzureMarketplaceVM || t != PublisherTerms{}
}

// validateTerms checks the terms' metadata: https links, a bounded
// summary.
func validateTerms(fe *mercato.FieldErrors, m map[string]string) {
	for _, k := range []string{MetaTermsLicense, MetaTermsPrivacy, MetaTermsMarketplace} {
		v, ok := m[k]
		if !ok {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			fe.Add("metadata."+k, "must be an https URL")
		}
	}
	if len(m[MetaTermsSummary]) > MaxTermsSummary {
		fe.Add("metadata."+MetaTermsSummary, "at most 4000 characters")
	}
}

// TermsAcceptance records that a buyer accepted a product's publisher
// terms when it ordered: who, for which organization, when, and which
// terms.
type TermsAcceptance struct {
	OrderID        int64
	SubscriptionID int64
	UserID         int64 // 0: an organization's API token, no user
	OrganizationID int64
	AcceptedAt     time.Time
	Terms          PublisherTerms
	Version        string
}
