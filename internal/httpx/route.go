package httpx

import (
	"net/http"

	"kitei/internal/authz"
)

// Route is one endpoint with the permission the guard checks before the
// handler runs, and (for the REST API) its documentation.
type Route struct {
	Method, Path string // Path in ServeMux syntax, e.g. /api/v1/catalogs/{id}
	Perm         authz.Permission
	Summary      string
	Handler      http.HandlerFunc
	// Query parameters and request/response shapes for the OpenAPI document.
	Params   []Param
	Body     string // name of the request body schema, "" for none
	BodyType string // media type of the body (default application/json)
	Response string // name of the 200 response schema
}

// Pattern is the ServeMux pattern of the route ("GET /path").
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Param documents a query or path parameter.
type Param struct {
	Name, In, Type, Description string
	Required                    bool
}
