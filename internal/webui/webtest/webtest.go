// Package webtest serves requests to the web handler in tests as a
// principal already signed in, the way the sign-in middleware leaves it.
package webtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"kitei/internal/authz"
)

// Do serves one request to h as p: without a form (nil) a plain request,
// with one a form post (application/x-www-form-urlencoded).
func Do(ctx context.Context, h http.Handler, p *authz.Principal, method, path string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body).WithContext(authz.WithPrincipal(ctx, p))
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
