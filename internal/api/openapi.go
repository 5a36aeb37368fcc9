package api

import (
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog"
)

// schemaTypes names the Go types behind the documented request and
// response bodies; their JSON Schemas are derived by reflection so the
// document cannot drift from the code.
var schemaTypes = map[string]any{
	"CatalogList":     []CatalogSummary{},
	"ImportResult":    CatalogSummary{},
	"CatalogDocument": CatalogDocument{},
	"EditionList":     []catalog.Edition{},
	"SearchResult":    SearchResult{},
}

// errorBodySchema documents httpx.ErrorBody, the one shape of every API
// error (the guard's 401 and 403 included).
var errorBodySchema = map[string]any{
	"type":     "object",
	"required": []string{"error", "message"},
	"properties": map[string]any{
		"error": map[string]any{"type": "string", "description": "the error's code",
			"enum": []string{string(apperr.BadRequest), string(apperr.Unauthorized), string(apperr.Forbidden), string(apperr.NotFound),
				string(apperr.Conflict), string(apperr.TooLarge), string(apperr.Invalid), string(apperr.Internal)}},
		"key":     map[string]any{"type": "string", "description": "the message key in kitei's catalogs, for clients with their own texts"},
		"message": map[string]any{"type": "string", "description": "the message for people, in the request's language (?lang=, the kitei_lang cookie, else Japanese)"},
	},
}

// RegisterSchema adds a named body type for the OpenAPI document (used by
// capability packages that add routes).
func RegisterSchema(name string, v any) { schemaTypes[name] = v }

func (a *API) openapi(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.Document())
}

// Document builds the OpenAPI 3.1 description of every route.
func (a *API) Document() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range a.Routes() {
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
			"responses":   responses(rt),
		}
		if rt.Perm != authz.Public {
			op["security"] = []map[string][]string{{"bearer": {}}, {"session": {}}}
			op["x-kitei-permission"] = string(rt.Perm)
		} else {
			op["security"] = []map[string][]string{}
		}
		var params []map[string]any
		for _, p := range rt.Params {
			params = append(params, map[string]any{
				"name": p.Name, "in": p.In, "required": p.Required || p.In == "path",
				"description": p.Description, "schema": map[string]any{"type": p.Type},
			})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Body != "" {
			mt := rt.BodyType
			if mt == "" {
				mt = "application/json"
			}
			var schema any = map[string]any{"$ref": "#/components/schemas/" + rt.Body}
			if mt == "application/octet-stream" {
				schema = map[string]any{"type": "string", "contentEncoding": "binary"}
			}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{mt: map[string]any{"schema": schema}}}
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	schemas := map[string]any{}
	for name, v := range schemaTypes {
		schemas[name] = schemaOf(reflect.TypeOf(v))
	}
	schemas["ErrorBody"] = errorBodySchema
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "kitei API",
			"version":     a.Version,
			"description": "REST API of kitei, the information-security policy platform. Authenticate with a personal API token (Authorization: Bearer …) or a browser session.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "kitei_session"},
			},
		},
	}
}

func operationID(rt Route) string {
	parts := []string{strings.ToLower(rt.Method)}
	for _, seg := range strings.Split(strings.TrimPrefix(rt.Path, "/api/v1/"), "/") {
		seg = strings.Trim(seg, "{}")
		seg = strings.TrimSuffix(seg, ".json")
		if seg != "" {
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, "_")
}

func responses(rt Route) map[string]any {
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/ErrorBody"}}}}
	}
	ok := map[string]any{"description": "OK"}
	if rt.Response != "" {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + rt.Response}}}
	} else {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
	}
	for _, p := range rt.Params {
		if p.Name == "after" && p.In == "query" {
			ok["headers"] = map[string]any{
				"X-Next-Cursor": map[string]any{"description": "The cursor of the next page (pass it as after=); absent on the last page",
					"schema": map[string]any{"type": "string"}},
				"Link": map[string]any{"description": `The next page's URL with rel="next"; absent on the last page`,
					"schema": map[string]any{"type": "string"}},
			}
		}
	}
	out := map[string]any{"200": ok,
		"400": errResp("The request cannot be read (malformed JSON, an unknown field, a bad query parameter)"),
		"404": errResp("Not found, or outside the caller's scope"),
		"409": errResp("Conflicts with the record's state"),
		"422": errResp("Breaks a rule of the capability (validation)"),
	}
	if rt.Method == "POST" || rt.Method == "PUT" {
		out["413"] = errResp("Too large")
	}
	if rt.Method == "POST" {
		out["201"] = ok
	}
	if rt.Perm != authz.Public {
		out["401"] = errResp("Not signed in")
		out["403"] = errResp("Permission denied")
	}
	return out
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf derives a JSON Schema from a Go type using its json tags.
func schemaOf(t reflect.Type) map[string]any {
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		collectFields(t, props, &required)
		sort.Strings(required)
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
	return map[string]any{}
}

func collectFields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			collectFields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type)
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}
