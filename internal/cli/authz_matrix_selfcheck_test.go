package cli

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

// The matrix's own negative checks: a server with one route broken — its
// permission weakened, strengthened or gone, its unit scope or its
// relationship rule ignored, or a route nobody described — must make the
// check report that route, and only it.

// tamperAPI changes the API route pattern before the server is built.
func tamperAPI(t *testing.T, pattern string, change func(*httpx.Route)) func(*web.Deps) {
	return func(d *web.Deps) {
		api := slices.Clone(d.API)
		found := false
		for i := range api {
			if api[i].Pattern() == pattern {
				change(&api[i])
				found = true
			}
		}
		if !found {
			t.Fatalf("no API route %s", pattern)
		}
		d.API = api
	}
}

// everywhere is p with every grant made organisation-wide: what a handler
// or service that forgets the unit scope would act on.
func everywhere(p *authz.Principal) *authz.Principal {
	q := *p
	q.Grants = nil
	for _, g := range p.Grants {
		g.UnitPath, g.System = "", ""
		q.Grants = append(q.Grants, g)
	}
	return &q
}

func TestAuthorizationMatrixCatchesBrokenRoutes(t *testing.T) {
	const unit = "GET /api/v1/units/{id}"                // org.read, unit-scoped
	const request = "GET /api/v1/requests/{id}"          // request.file, applicant / deciders / reporters
	const suggest = "POST /api/v1/crosswalk/suggestions" // crosswalk.write, checked by the guard only
	for _, c := range []struct {
		name    string
		pattern string
		tamper  func(t *testing.T) func(*web.Deps)
		want    []string // each must be reported
	}{
		// The service checks org.read in the unit again, so only the
		// declaration gives the weakening away here…
		{"permission weakened", unit, func(t *testing.T) func(*web.Deps) {
			return tamperAPI(t, unit, func(r *httpx.Route) { r.Perm = authz.CatalogRead })
		}, []string{
			unit + " declares catalog.read, the matrix expects org.read",
		}},
		// …while here the guard is all there is, and people get through.
		{"permission weakened, guard only", suggest, func(t *testing.T) func(*web.Deps) {
			return tamperAPI(t, suggest, func(r *httpx.Route) { r.Perm = authz.CrosswalkRead })
		}, []string{
			suggest + " declares crosswalk.read, the matrix expects crosswalk.write",
			suggest + " as area_iso (own unit true): allowed (status 200) but crosswalk.write is not granted there",
			suggest + " as staff (own unit false): allowed",
		}},
		{"permission strengthened", unit, func(t *testing.T) func(*web.Deps) {
			return tamperAPI(t, unit, func(r *httpx.Route) { r.Perm = authz.UserAdmin })
		}, []string{
			unit + " declares user.admin, the matrix expects org.read",
			unit + " as ciso (own unit false): refused (status 403) although org.read is granted there",
			unit + " as division_iso (own unit true): refused (status 403)",
		}},
		{"handler refuses everyone", unit, func(t *testing.T) func(*web.Deps) {
			return tamperAPI(t, unit, func(r *httpx.Route) {
				r.Handler = func(w http.ResponseWriter, r *http.Request) {
					httpx.WriteError(w, r, apperr.E(apperr.Forbidden, "error.forbidden"), nil)
				}
			})
		}, []string{
			unit + " as chief_iso (own unit true): refused (status 403) although org.read is granted there",
			unit + " as iso (own unit true): refused",
		}},
		{"unit scope ignored", unit, func(t *testing.T) func(*web.Deps) {
			return tamperAPI(t, unit, func(r *httpx.Route) {
				next := r.Handler
				r.Handler = func(w http.ResponseWriter, r *http.Request) {
					next(w, r.WithContext(authz.WithPrincipal(r.Context(), everywhere(authz.From(r.Context())))))
				}
			})
		}, []string{
			unit + " as iso (own unit false): allowed (status 200) but org.read is not granted there",
			unit + " as division_iso (own unit false): allowed",
		}},
		{"relationship ignored", request, func(t *testing.T) func(*web.Deps) {
			return tamperAPI(t, request, func(r *httpx.Route) {
				r.Handler = func(w http.ResponseWriter, _ *http.Request) { httpx.WriteJSON(w, http.StatusOK, map[string]any{}) }
			})
		}, []string{
			request + " as staff (own unit false): allowed (status 200) but request.file is not granted there",
			request + " as iso (own unit false): allowed",
		}},
		{"route not described", "GET /api/v1/matrix-probe", func(t *testing.T) func(*web.Deps) {
			return func(d *web.Deps) {
				d.API = append(slices.Clone(d.API), httpx.Route{Method: "GET", Path: "/api/v1/matrix-probe", Perm: authz.CatalogRead,
					Handler: func(w http.ResponseWriter, _ *http.Request) {}})
			}
		}, []string{`route "GET /api/v1/matrix-probe" (catalog.read) is not in the authorization matrix`}},
		{"route opened without saying so", "GET /api/v1/matrix-probe", func(t *testing.T) func(*web.Deps) {
			return func(d *web.Deps) {
				d.API = append(slices.Clone(d.API), httpx.Route{Method: "GET", Path: "/api/v1/matrix-probe", Perm: authz.Authenticated,
					Handler: func(w http.ResponseWriter, _ *http.Request) {}})
			}
		}, []string{`route "GET /api/v1/matrix-probe" is open (authenticated) but not listed as such`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMatrix(t, storetest.SQLite(t), c.tamper(t))
			problems, _ := m.check([]string{c.pattern})
			if len(problems) == 0 {
				t.Fatalf("the matrix reports nothing for %s", c.pattern)
			}
			for _, w := range c.want {
				if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, w) }) {
					t.Errorf("not reported: %s\ngot:\n%s", w, strings.Join(problems, "\n"))
				}
			}
			for _, p := range problems {
				if !strings.Contains(p, c.pattern) {
					t.Errorf("reported about another route: %s", p)
				}
			}
		})
	}
	// The same routes on an untouched server: nothing to report.
	m := newMatrix(t, storetest.SQLite(t), nil)
	if problems, checked := m.check([]string{unit, request}); len(problems) > 0 || checked == 0 {
		t.Errorf("untouched server: %d cases, problems:\n%s", checked, strings.Join(problems, "\n"))
	}
}
