package cloudesire

import "github.com/danielgtaylor/huma/v2"

// OpenAPI describes the API.
func OpenAPI() *huma.OpenAPI { return &huma.OpenAPI{OpenAPI: "3.1.0", Info: &huma.Info{Title: "x", Version: "1"}} }
