package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/mercato"
)

// register adds an operation whose handler's domain errors become problem
// bodies through the one mapping in problem.go.
func register[I, O any](s *Server, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	if op.DefaultStatus == 0 && op.Method == http.MethodPost {
		op.DefaultStatus = http.StatusCreated
	}
	op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusNotFound, http.StatusUnprocessableEntity)
	if op.Metadata[onlyReads] == true {
		s.reads = append(s.reads, op.Method+" "+op.Path)
	}
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return out, nil
	})
}

// onlyReads marks (in an operation's Metadata) an operation that is not a
// GET but changes nothing, so that the front door lets read-only roles
// call it.
const onlyReads = "mercato-only-reads"

// ListInput is the pagination of every list operation.
type ListInput struct {
	Cursor string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"page size"`
}

// page decodes the cursor into a store page.
func (l ListInput) page() (mercato.Page, error) {
	p := mercato.Page{Limit: l.Limit}
	if l.Cursor == "" {
		return p, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(l.Cursor)
	if err == nil {
		p.After, err = strconv.ParseInt(string(b), 10, 64)
	}
	if err != nil || p.After < 0 {
		return p, mercato.Invalid("invalid cursor", mercato.FieldError{Path: "cursor", Message: "not a cursor this API returned"})
	}
	return p, nil
}

// List is one page of a collection.
type List[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor" doc:"pass as cursor to get the next page; null on the last"`
}

// ListOutput is the response of every list operation.
type ListOutput[T any] struct {
	Body List[T]
}

// listPage fetches one page for in and converts it into a list response.
func listPage[D, T any](in ListInput, fetch func(mercato.Page) ([]D, int64, error), conv func(D) T) (*ListOutput[T], error) {
	page, err := in.page()
	if err != nil {
		return nil, err
	}
	items, next, err := fetch(page)
	if err != nil {
		return nil, err
	}
	return listOf(items, next, conv), nil
}

// listOf converts a page of domain values into a list response.
func listOf[D, T any](items []D, next int64, conv func(D) T) *ListOutput[T] {
	out := &ListOutput[T]{Body: List[T]{Items: make([]T, 0, len(items))}}
	for _, it := range items {
		out.Body.Items = append(out.Body.Items, conv(it))
	}
	if next > 0 {
		c := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(next, 10)))
		out.Body.NextCursor = &c
	}
	return out
}

// IDInput addresses one resource by its id.
type IDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

// Output wraps a response body.
type Output[T any] struct {
	Body T
}

func out[T any](v T) *Output[T] { return &Output[T]{Body: v} }

// NoContent is the response of deletions.
type NoContent struct{}
