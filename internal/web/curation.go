package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The Catalog page of a distributor's reseller: which products and plans
// the reseller may sell (catalog.Curation), everything the distributor
// sells or only what is checked; the channel service decides who may and
// what is valid, as it does for the API.

type curatedPlan struct {
	Plan    catalog.Plan
	Checked bool
	Error   string
}

type curatedProduct struct {
	Product catalog.Product
	Checked bool // every plan of it
	Error   string
	Plans   []curatedPlan
}

type curationData struct {
	Reseller mercato.Organization
	All      bool
	Products []curatedProduct
	Errors   map[string]string
}

// curationData reads the reseller and everything the caller sells, each
// checked as c lists it.
func (s *Server) curationData(r *http.Request, v *view, c catalog.Curation) (*curationData, error) {
	if err := only(v.P, mercato.KindDistributor, mercato.KindPlatform); err != nil {
		return nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	reseller, err := s.services.Accounts.Organization(r.Context(), v.P, id)
	if err != nil {
		return nil, err
	}
	if c.ResellerID == 0 {
		if c, err = s.services.Channel.Curation(r.Context(), v.P, id); err != nil {
			return nil, err
		}
	}
	published := true
	prods, _, err := s.services.Catalog.ListProducts(r.Context(), v.P, catalog.ProductFilter{Published: &published}, mercato.Page{Limit: 200})
	if err != nil {
		return nil, err
	}
	d := &curationData{Reseller: reseller, All: c.All, Errors: map[string]string{}}
	for _, prod := range prods {
		plans, _, err := s.services.Catalog.ListPlans(r.Context(), v.P, prod.ID, mercato.Page{Limit: 200})
		if err != nil {
			return nil, err
		}
		cp := curatedProduct{Product: prod, Checked: contains(c.ProductIDs, prod.ID)}
		for _, pl := range plans {
			cp.Plans = append(cp.Plans, curatedPlan{Plan: pl, Checked: contains(c.PlanIDs, pl.ID)})
		}
		d.Products = append(d.Products, cp)
	}
	return d, nil
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// curationPage shows a reseller's catalog to its distributor.
func (s *Server) curationPage(w http.ResponseWriter, r *http.Request, v *view) {
	d, err := s.curationData(r, v, catalog.Curation{})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	v.Title, v.Active, v.Data = s.say(r, "Catalog of %v", d.Reseller.Name), "/channel/organizations", d
	s.render(w, r, http.StatusOK, "curation.html", v)
}

// formIDs reads the numeric values of a repeated form field, in order.
func formIDs(r *http.Request, name string) []int64 {
	var out []int64
	for _, v := range r.Form[name] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// saveCuration sets a reseller's catalog: everything, or only what is
// checked; refused fields are shown beside their checkbox.
func (s *Server) saveCuration(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, v, mercato.Invalid("invalid form"))
		return
	}
	c := catalog.Curation{ResellerID: id, All: r.FormValue("scope") != "only", ProductIDs: formIDs(r, "product"), PlanIDs: formIDs(r, "plan")}
	if c.All {
		c.ProductIDs, c.PlanIDs = nil, nil
	}
	to := "/channel/organizations/" + strconv.FormatInt(id, 10) + "/catalog"
	_, err = s.services.Channel.SetCuration(r.Context(), v.P, c)
	if err == nil {
		s.back(w, r, to, s.say(r, "The catalog is saved."))
		return
	}
	if mercato.ErrorCode(err) != mercato.EINVALID {
		s.fail(w, r, v, err)
		return
	}
	d, derr := s.curationData(r, v, c)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	// Each refused id is shown beside its checkbox.
	byProduct, byPlan := map[int64]string{}, map[int64]string{}
	for _, f := range mercato.Fields(err) {
		var i int
		switch {
		case parseIndex(f.Path, "product_ids", &i) && i < len(c.ProductIDs):
			byProduct[c.ProductIDs[i]] = f.Message
		case parseIndex(f.Path, "plan_ids", &i) && i < len(c.PlanIDs):
			byPlan[c.PlanIDs[i]] = f.Message
		default:
			d.Errors[""] = f.Path + ": " + f.Message
		}
	}
	if len(mercato.Fields(err)) == 0 {
		d.Errors[""] = mercato.ErrorMessage(err)
	}
	for i := range d.Products {
		p := &d.Products[i]
		p.Error = byProduct[p.Product.ID]
		for j := range p.Plans {
			p.Plans[j].Error = byPlan[p.Plans[j].Plan.ID]
		}
	}
	// An id no longer for sale has no checkbox: say so at the top.
	if len(byProduct)+len(byPlan) > 0 && d.Errors[""] == "" {
		d.Errors[""] = s.say(r, "Some of the products or plans checked are no longer for sale.")
	}
	v.Title, v.Active, v.Data = s.say(r, "Catalog of %v", d.Reseller.Name), "/channel/organizations", d
	s.render(w, r, http.StatusUnprocessableEntity, "curation.html", v)
}

// parseIndex reads i from a field path "name[i]".
func parseIndex(path, name string, i *int) bool {
	rest, ok := strings.CutPrefix(path, name+"[")
	if !ok {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	*i = n
	return err == nil && strings.HasSuffix(rest, "]")
}
