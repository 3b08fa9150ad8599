package cloudesire

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The lists of products, product versions, users, companies and
// categories, paged as the subscription list is (CMW-Page* headers) and
// ordered by sortField and sortDirection.

// Sort fields each list takes, by the name of the DTO's property.
var (
	productSorts = map[string]string{"id": mercato.SortID, "name": mercato.SortName, "published": mercato.SortUpdated}
	versionSorts = map[string]string{"id": mercato.SortID, "name": mercato.SortName}
	userSorts    = map[string]string{"id": mercato.SortID, "name": mercato.SortName, "email": mercato.SortEmail,
		"userName": mercato.SortEmail, "creationDate": mercato.SortCreated}
	companySorts = map[string]string{"id": mercato.SortID, "name": mercato.SortName, "emailAddress": mercato.SortEmail}
)

// sortedPage is page with sortField (one of sorts' keys) and sortDirection
// (ASC or DESC, in any case) read from the query.
func sortedPage(r *http.Request, sorts map[string]string) (mercato.NumberedPage, error) {
	pg, err := page(r)
	if err != nil {
		return pg, err
	}
	q := r.URL.Query()
	if f := q.Get("sortField"); f != "" {
		key, ok := sorts[f]
		if !ok {
			names := slices.Sorted(func(yield func(string) bool) {
				for k := range sorts {
					if !yield(k) {
						return
					}
				}
			})
			return pg, mercato.Invalid("invalid sort", mercato.FieldError{Path: "sortField", Message: "must be one of " + strings.Join(names, ", ")})
		}
		pg.Sort = key
	}
	switch d := strings.ToUpper(q.Get("sortDirection")); d {
	case "", "ASC":
	case "DESC":
		pg.Desc = true
	default:
		return pg, mercato.Invalid("invalid sort", mercato.FieldError{Path: "sortDirection", Message: "must be ASC or DESC"})
	}
	return pg, nil
}

// listed answers one page of items with the paging headers.
func listed[T, U any](w http.ResponseWriter, pg mercato.NumberedPage, items []T, total int, err error, of func(T) U) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	out := make([]U, 0, len(items))
	for _, it := range items {
		out = append(out, of(it))
	}
	pageHeaders(w, pg, total)
	return http.StatusOK, out, nil
}

func (h *Handler) listProducts(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	pg, err := sortedPage(r, productSorts)
	if err != nil {
		return 0, nil, err
	}
	items, total, err := h.Catalog.ProductPage(ctx, p, catalog.ProductFilter{}, pg)
	return listed(w, pg, items, total, err, productOf)
}

// listProductVersions lists the plans of the products the caller sees,
// of one product with ?product= (its id or product/{id}).
func (h *Handler) listProductVersions(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	pg, err := sortedPage(r, versionSorts)
	if err != nil {
		return 0, nil, err
	}
	var productID int64
	if v := strings.TrimPrefix(r.URL.Query().Get("product"), "product/"); v != "" {
		if productID, err = strconv.ParseInt(v, 10, 64); err != nil || productID < 1 {
			return 0, nil, mercato.Invalid("invalid filter", mercato.FieldError{Path: "product", Message: "must be a product id"})
		}
	}
	plans, total, err := h.Catalog.PlanPage(ctx, p, productID, pg)
	if err != nil {
		return 0, nil, err
	}
	products := map[int64]catalog.Product{}
	out := make([]ProductVersion, 0, len(plans))
	for _, pl := range plans {
		pr, ok := products[pl.ProductID]
		if !ok {
			if pr, err = h.Catalog.Product(ctx, p, pl.ProductID); err != nil {
				return 0, nil, err
			}
			products[pl.ProductID] = pr
		}
		out = append(out, productVersionOf(pl, pr))
	}
	pageHeaders(w, pg, total)
	return http.StatusOK, out, nil
}

func (h *Handler) listUsers(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	pg, err := sortedPage(r, userSorts)
	if err != nil {
		return 0, nil, err
	}
	items, total, err := h.Accounts.UserPage(ctx, p, pg)
	// The users listed are those of the caller's organizations, whose
	// kind is the caller's own (or, for a channel, its customers').
	return listed(w, pg, items, total, err, func(u mercato.User) User {
		kind := mercato.KindCustomer
		if u.OrganizationID == p.OrgID {
			kind = p.OrgKind
		}
		return userOf(u, kind)
	})
}

func (h *Handler) listCompanies(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	pg, err := sortedPage(r, companySorts)
	if err != nil {
		return 0, nil, err
	}
	items, total, err := h.Accounts.OrganizationPage(ctx, p, pg)
	return listed(w, pg, items, total, err, companyOf)
}

// listCategories answers an empty list: Mercato's products have a type
// but no categories (Cloudesire's category is a grouping of the catalog
// the operator curates), so no product refers to one.
func (h *Handler) listCategories(_ context.Context, _ mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	pg, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	pageHeaders(w, pg, 0)
	return http.StatusOK, []struct{}{}, nil
}
