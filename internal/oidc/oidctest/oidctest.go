// Package oidctest starts a real OpenID provider in the test process:
// zitadel/oidc's op package with its example storage and login form, which
// signs ID tokens with its own RSA key and publishes it (JWKS), checks
// client secrets, redirect URIs and PKCE. It adds the claims kitei's tests
// need (employee number, groups) and lets a test choose the amr a user's
// sign-in reports. For tests only.
package oidctest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person at the provider.
type User struct {
	ID, Username, Password, Email, EmployeeNo string
	Groups                                    []string
	AMR                                       []string // nil: the provider's own ("pwd")
}

// Client is a relying party registered at the provider.
type Client struct{ ID, Secret, RedirectURI string }

// OP is a running provider.
type OP struct {
	Issuer string
	Server *httptest.Server
}

type store struct {
	*storage.Storage
	users map[string]User
}

// SetUserinfoFromRequest adds the employee number and groups to the ID token.
func (s *store) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, token, scopes); err != nil {
		return err
	}
	u := s.users[token.GetSubject()]
	ui.AppendClaims("employee_number", u.EmployeeNo)
	if u.Groups != nil {
		ui.AppendClaims("groups", u.Groups)
	}
	return nil
}

type claimsClient struct{ op.Client }

// IDTokenUserinfoClaimsAssertion puts the user's claims into the ID token.
func (claimsClient) IDTokenUserinfoClaimsAssertion() bool { return true }

func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return claimsClient{c}, nil
}

type amrRequest struct {
	op.AuthRequest
	amr []string
}

func (a amrRequest) GetAMR() []string { return a.amr }

func (s *store) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if amr := s.users[r.GetSubject()].AMR; amr != nil {
		return amrRequest{r, amr}, nil
	}
	return r, nil
}

// Start runs a provider with users and clients until the test ends.
func Start(t testing.TB, users []User, clients ...Client) *OP {
	t.Helper()
	file := map[string]*storage.User{}
	byID := map[string]User{}
	for _, u := range users {
		file[u.ID] = &storage.User{ID: u.ID, Username: u.Username, Password: u.Password, FirstName: u.Username,
			LastName: "Test", Email: u.Email, EmailVerified: true}
		byID[u.ID] = u
	}
	b, _ := json.Marshal(file)
	path := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	us, err := storage.StoreFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		storage.RegisterClients(storage.WebClient(c.ID, c.Secret, c.RedirectURI))
	}
	st := &store{Storage: storage.NewStorage(us), users: byID}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	prev := slog.Default()
	srv.Config.Handler = exampleop.SetupServer(issuer, st, quiet, false)
	slog.SetDefault(prev) // SetupServer replaces the process logger
	srv.Start()
	t.Cleanup(srv.Close)
	return &OP{Issuer: issuer, Server: srv}
}

var idRE = regexp.MustCompile(`name="id" value="([^"]+)"`)

// SignIn follows authURL with a fresh browser-like client, signs in as
// username at the provider's form and returns the URL the provider
// redirects to under stopAt (the relying party's callback with code and
// state), without requesting it.
func (o *OP) SignIn(authURL, username, password, stopAt string) (*url.URL, error) {
	jar, _ := cookiejar.New(nil)
	return o.SignInWith(jar, authURL, username, password, stopAt)
}

// SignInWith is SignIn with the cookies of jar (the relying party's too).
func (o *OP) SignInWith(jar http.CookieJar, authURL, username, password, stopAt string) (*url.URL, error) {
	var stopped *url.URL
	c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), stopAt) {
			stopped = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(authURL)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := idRE.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no login form at %s (%d): %.300s", resp.Request.URL, resp.StatusCode, body)
	}
	resp, err = c.PostForm(o.Issuer+"/login/username", url.Values{"id": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		return nil, err
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if stopped == nil {
		return nil, fmt.Errorf("the provider did not redirect to %s (%d): %.300s", stopAt, resp.StatusCode, body)
	}
	return stopped, nil
}
