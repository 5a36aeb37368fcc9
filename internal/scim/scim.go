// Package scim lets the organisation's directory (Entra ID, Keycloak, an
// HR system) provision kitei over SCIM 2.0 (RFC 7643/7644), served by
// elimity-com/scim at /scim/v2 behind a bearer token (KITEI_SCIM_TOKEN).
//
// A SCIM User is a person of kitei's directory together with their
// account: userName is the login, the enterprise extension's
// employeeNumber the employee number and department the kitei unit code;
// displayName (or name.formatted) the name, the primary e-mail the address.
// active false — by PUT, PATCH or DELETE — records that the person left and
// disables the account, which revokes its sessions and API tokens in the
// same transaction: the next request with them is refused. Nothing is ever
// deleted (ids are not reused).
//
// A SCIM Group is a kitei role (id = role key); its members are the people
// holding it today. Adding a member appoints the person (an organisation
// role organisation-wide, a unit role in their own unit) from today;
// removing one ends the appointment today.
package scim

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/elimity-com/scim"
	scimerr "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/httpx"
	"kitei/internal/notify"
	"kitei/internal/org"
)

const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// Service provisions people and accounts for a SCIM client.
type Service struct {
	Org  *org.Service
	Auth *auth.Service
	// Token is the bearer token the SCIM client sends ("" : SCIM off).
	Token string
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Module serves /scim/v2 when a token is configured.
func (s *Service) Module() capability.Module {
	m := capability.Module{Name: "scim"}
	if s.Token == "" {
		return m
	}
	h, err := s.Handler()
	if err != nil {
		m.Serve = func(context.Context, notify.Mailer) error { return err }
		return m
	}
	// Public for the page guard: the SCIM client is no kitei user; the
	// handler checks its own bearer token.
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		m.Pages = append(m.Pages, httpx.Route{Method: method, Path: "/scim/v2/", Perm: authz.Public, Handler: h.ServeHTTP})
	}
	return m
}

// Handler is the SCIM server behind the bearer-token check, for /scim/v2/.
func (s *Service) Handler() (http.Handler, error) {
	srv, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{SupportPatch: true, MaxResults: 200,
			AuthenticationSchemes: []scim.AuthenticationScheme{{Type: scim.AuthenticationTypeOauthBearerToken,
				Name: "Bearer token", Description: "KITEI_SCIM_TOKEN", Primary: true}}},
		ResourceTypes: []scim.ResourceType{
			{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users", Description: optional.NewString("kitei person and account"),
				Schema: schema.CoreUserSchema(), SchemaExtensions: []scim.SchemaExtension{{Schema: schema.ExtensionEnterpriseUser()}},
				Handler: users{s}},
			{ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups", Description: optional.NewString("kitei role"),
				Schema: schema.CoreGroupSchema(), Handler: groups{s}},
		},
	})
	if err != nil {
		return nil, err
	}
	inner := http.StripPrefix("/scim/v2", srv)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kitei scim"`)
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"bearer token required"}`)
			return
		}
		ctx := audit.WithActor(r.Context(), audit.Actor{Login: "scim", IP: clientIP(r)})
		inner.ServeHTTP(w, r.WithContext(ctx))
	}), nil
}

func clientIP(r *http.Request) string {
	if i := strings.LastIndex(r.RemoteAddr, ":"); i > 0 {
		return strings.Trim(r.RemoteAddr[:i], "[]")
	}
	return r.RemoteAddr
}

// scimError turns a kitei error into the SCIM error of its kind.
func scimError(err error, id string) error {
	switch apperr.CodeOf(err) {
	case apperr.NotFound:
		return scimerr.ScimErrorResourceNotFound(id)
	case apperr.Conflict:
		return scimerr.ScimError{ScimType: scimerr.ScimTypeUniqueness, Detail: err.Error(), Status: http.StatusConflict}
	case apperr.Invalid:
		return scimerr.ScimErrorBadRequest(err.Error())
	}
	return err
}

func parseID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, scimerr.ScimErrorResourceNotFound(id)
	}
	return n, nil
}
