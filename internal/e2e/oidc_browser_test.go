package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/cli"
	"kitei/internal/oidc/oidctest"
	"kitei/internal/org"
	"kitei/internal/store"
)

// TestOIDCSignInBrowser: an existing person signs in through an OpenID
// provider running in the test process (a real one: signed tokens, PKCE)
// by pressing the button on kitei's sign-in page, typing their password at
// the provider, and lands on kitei's home page with their roles — the
// directory's (事務局) and the one their provider group maps to (CSIRT).
func TestOIDCSignInBrowser(t *testing.T) {
	ctx := browser(t)
	bg := context.Background()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "k.db")

	// A free port, so the redirect URI can be registered before serve starts.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr

	op := oidctest.Start(t, []oidctest.User{
		{ID: "p1", Username: "suzuki", Password: "Idp-Passw0rd", Email: "suzuki@example.jp", EmployeeNo: "E3001",
			Groups: []string{"kitei-csirt"}, AMR: []string{"pwd", "mfa"}},
	}, oidctest.Client{ID: "kitei-e2e", Secret: "e2e-secret", RedirectURI: base + "/login/oidc/corp/callback"})

	kitei(t, "user", "list", "--db", dsn) // migrate and seed the roles
	db, err := store.Open(bg, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	orgs := org.NewService(db.Org())
	unit, err := orgs.CreateUnit(bg, authz.System, org.Unit{Code: "SEC", Name: "情報セキュリティ室"})
	if err != nil {
		t.Fatal(err)
	}
	person, err := orgs.CreatePerson(bg, authz.System, org.Person{EmployeeNo: "E3001", Name: "鈴木 一郎", Email: "suzuki@example.jp", UnitID: unit.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orgs.Appoint(bg, authz.System, org.Assignment{PersonID: person.ID, RoleKey: authz.RoleSecOffice, StartsOn: "2020-01-01"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.NewService(db.Auth(), orgs, nil).CreateUser(bg, auth.NewUser{Login: "e3001", PersonID: person.ID}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	cfg := fmt.Sprintf(`base_url: %s
local_login: false
break_glass: [admin]
providers:
  - name: corp
    label: 組織アカウントでログイン
    issuer: %s
    client_id: kitei-e2e
    client_secret_env: E2E_OIDC_SECRET
    person_claim: employee_number
    groups_claim: groups
    group_roles:
      kitei-csirt: [csirt_member]
`, base, op.Issuer)
	cfgFile := filepath.Join(dir, "oidc.yaml")
	os.WriteFile(cfgFile, []byte(cfg), 0o600)
	t.Setenv("KITEI_OIDC_CONFIG", cfgFile)
	t.Setenv("E2E_OIDC_SECRET", "e2e-secret")
	serveAt(t, dsn, addr)

	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`a.oidc-button`)),
	)
	shot(t, ctx, "oidc_login")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`a.oidc-button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)), // the provider's own form
		chromedp.SetValue(chromedp.CSS(`input[name=username]`), "suzuki"),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), "Idp-Passw0rd"),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
	shot(t, ctx, "oidc_home")
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/" {
		t.Fatalf("landed on %s, not the home page", loc)
	}
	// The 事務局 role shows the organisation card on the home page.
	if !eval[bool](t, ctx, `!!document.querySelector('.cards a[href="/org"]')`) {
		t.Fatal("home page without the person's organisation card")
	}
	do(t, ctx, chromedp.Navigate(base+"/api/v1/me"))
	me := eval[string](t, ctx, `document.body.innerText`)
	for _, want := range []string{`"login": "e3001"`, `"role": "security_office"`, `"role": "csirt_member"`} {
		if !strings.Contains(strings.ReplaceAll(me, `":"`, `": "`), want) {
			t.Errorf("/api/v1/me lacks %s: %s", want, me)
		}
	}
}

// serveAt starts serve on addr with the process environment (KITEI_OIDC_CONFIG).
func serveAt(t *testing.T, dsn, addr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var out, errb bytes.Buffer
	env := &cli.Env{Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Ready: func(a string) { ready <- a }}
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, env, []string{"serve", "--addr", addr, "--db", dsn, "--log-level", "warn"})
	}()
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errb.String())
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// TestOIDCRefusedOverHTTP: through kitei's own pages (no browser), a
// person the provider knows but kitei's directory does not is refused with
// the explanation and no session; a callback with a forged state is refused.
func TestOIDCRefusedOverHTTP(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "k.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	op := oidctest.Start(t, []oidctest.User{
		{ID: "x1", Username: "outsider", Password: "Idp-Passw0rd", Email: "outsider@example.jp", EmployeeNo: "Z9"},
	}, oidctest.Client{ID: "kitei-http", Secret: "http-secret", RedirectURI: base + "/login/oidc/corp/callback"})
	cfgFile := filepath.Join(dir, "oidc.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf("base_url: %s\nproviders:\n  - name: corp\n    issuer: %s\n    client_id: kitei-http\n    client_secret_env: E2E_HTTP_SECRET\n", base, op.Issuer)), 0o600)
	t.Setenv("KITEI_OIDC_CONFIG", cfgFile)
	t.Setenv("E2E_HTTP_SECRET", "http-secret")
	serveAt(t, dsn, addr)

	jar, _ := cookiejar.New(nil)
	cb, err := op.SignInWith(jar, base+"/login/oidc/corp", "outsider", "Idp-Passw0rd", base+"/login/oidc/corp/callback")
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "組織名簿に見つからない") {
		t.Fatalf("unknown person: %d %.400s", resp.StatusCode, body)
	}
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "kitei_session" && ck.Value != "" {
			t.Fatal("a session cookie was set for an unknown person")
		}
	}
	// A callback whose state is not the one this browser started with.
	resp, err = c.Get(base + "/login/oidc/corp/callback?code=x&state=forged")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged state: %d", resp.StatusCode)
	}
}
