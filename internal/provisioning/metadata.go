package provisioning

import (
	"context"
	"fmt"
	"regexp"
	"sort"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Limits of a subscription's integration metadata.
const (
	maxMetadataKeys  = 50
	maxMetadataValue = 4096
)

var metadataKeyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$`)

// Metadata returns a subscription's integration metadata; everyone who
// sees the subscription reads it.
func (s *Service) Metadata(ctx context.Context, p mercato.Principal, id int64) (map[string]string, error) {
	return s.reads.SubscriptionMetadata(ctx, p, id)
}

// SetMetadata replaces a subscription's integration metadata as a whole.
// Only its provider (the product's vendor) and the platform write it; it
// is bookkeeping of the integration, so it records no lifecycle event (a
// connector writing it is not notified of its own write).
func (s *Service) SetMetadata(ctx context.Context, p mercato.Principal, id int64, m map[string]string) (map[string]string, error) {
	if len(m) > maxMetadataKeys {
		return nil, mercato.Invalid("invalid metadata", mercato.FieldError{Path: "metadata", Message: fmt.Sprintf("at most %d keys", maxMetadataKeys)})
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !metadataKeyRE.MatchString(k) {
			return nil, mercato.Invalid("invalid metadata", mercato.FieldError{Path: "metadata." + k, Message: "keys are 1 to 100 letters, digits, _ . : -, starting with a letter or digit"})
		}
		if len(m[k]) > maxMetadataValue {
			return nil, mercato.Invalid("invalid metadata", mercato.FieldError{Path: "metadata." + k, Message: fmt.Sprintf("at most %d bytes", maxMetadataValue)})
		}
	}
	err := s.inTx(ctx, func(tx Tx) error {
		v, err := tx.SubscriptionParties(ctx, p, id)
		if err != nil {
			return err
		}
		if !p.IsPlatform() && !(p.OrgKind == mercato.KindVendor && p.OrgID == v.VendorID) {
			return mercato.Errorf(mercato.EFORBIDDEN, "only the subscription's provider or the platform sets its metadata")
		}
		if !p.CanWrite() {
			return mercato.Errorf(mercato.EFORBIDDEN, "your role only reads")
		}
		return tx.ReplaceMetadata(ctx, id, m)
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}
