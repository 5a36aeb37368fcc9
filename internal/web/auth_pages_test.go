package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"kitei/internal/audit"
	"kitei/internal/auth"
	"kitei/internal/catalog"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
	"kitei/internal/web"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// cheapHash keeps tests fast; production uses auth.DefaultHashParams.
var cheapHash = auth.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// newAuth returns a sign-in service over its own store (so tests of other
// pages keep their audit trail to themselves) with a settable clock.
func newAuth(t *testing.T) (*auth.Service, *store.DB, *testClock) {
	t.Helper()
	db := storetest.SQLite(t)
	clk := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	svc := auth.NewService(db.Auth(), nil, audit.NewRecorder(db.Audit()))
	svc.Now, svc.Hash = clk.Now, cheapHash
	return svc, db, clk
}

// signedInAdmin returns a sign-in service and the session cookie of an
// administrator who has changed the one-time password and enrolled TOTP,
// going through the same service calls as the pages.
func signedInAdmin(t *testing.T) (*auth.Service, *http.Cookie) {
	t.Helper()
	svc, _, clk := newAuth(t)
	return svc, signIn(t, svc, clk, auth.NewUser{Login: "tester", Name: "試験 太郎", IsAdmin: true})
}

func signIn(t *testing.T, svc *auth.Service, clk *testClock, nu auth.NewUser) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	const pw = "Sample-Passw0rd!"
	u, otp, err := svc.CreateUser(ctx, nu)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.ChangePassword(ctx, u.ID, 0, otp, pw); err != nil {
		t.Fatal(err)
	}
	code := ""
	if nu.IsAdmin {
		setup, err := svc.BeginTOTP(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := totp.GenerateCode(setup.Secret, clk.Now())
		if err := svc.ConfirmTOTP(ctx, u.ID, c); err != nil {
			t.Fatal(err)
		}
		clk.Add(30 * time.Second)
		code, _ = totp.GenerateCode(setup.Secret, clk.Now())
	}
	res, err := svc.Login(ctx, nu.Login, pw, code, auth.Meta{IP: "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: web.SessionCookie, Value: res.Token}
}

// authEnv is a server over one store with a settable clock.
type authEnv struct {
	svc *auth.Service
	db  *store.DB
	clk *testClock
	srv *httptest.Server
}

func newAuthEnv(t *testing.T, tls bool, secure bool) *authEnv {
	t.Helper()
	svc, db, clk := newAuth(t)
	cat := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": testParser})
	s, err := web.New(withAPI(web.Deps{Store: db, Catalogs: cat, Audit: db.Audit(), Auth: svc, SecureCookies: secure,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", StoreName: "SQLite"}))
	if err != nil {
		t.Fatal(err)
	}
	var ts *httptest.Server
	if tls {
		ts = httptest.NewTLSServer(s.Handler())
	} else {
		ts = httptest.NewServer(s.Handler())
	}
	t.Cleanup(ts.Close)
	return &authEnv{svc: svc, db: db, clk: clk, srv: ts}
}

func (e *authEnv) client() *http.Client {
	c := e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

func (e *authEnv) do(t *testing.T, method, path string, form url.Values, cookie *http.Cookie, hdr ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == web.SessionCookie {
			return c
		}
	}
	return nil
}

func wantRedirect(t *testing.T, resp *http.Response, loc string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc {
		t.Fatalf("got %d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), loc)
	}
}

var secretRE = regexp.MustCompile(`<code>([A-Z2-7]{16,})</code>`)

func TestFirstSignInForcesPasswordThenTOTP(t *testing.T) {
	e := newAuthEnv(t, false, false)
	ctx := context.Background()
	otp, created, err := e.svc.Bootstrap(ctx)
	if err != nil || !created {
		t.Fatal(err)
	}
	resp, _ := e.do(t, "GET", "/catalogs", nil, nil)
	wantRedirect(t, resp, "/login?next=%2Fcatalogs")
	resp, body := e.do(t, "GET", "/login?next=%2Fcatalogs", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "許可された者が業務の目的でのみ利用") || !strings.Contains(body, `name="next" value="/catalogs"`) {
		t.Fatalf("login page %d:\n%s", resp.StatusCode, body)
	}
	// A wrong password and an unknown login get the same answer.
	_, wrong := e.do(t, "POST", "/login", url.Values{"login": {"admin"}, "password": {"nope"}}, nil)
	resp, unknown := e.do(t, "POST", "/login", url.Values{"login": {"nobody"}, "password": {"nope"}}, nil)
	msg := "ログインできませんでした。"
	if resp.StatusCode != 401 || !strings.Contains(wrong, msg) || !strings.Contains(unknown, msg) ||
		strings.Replace(wrong, `value="admin"`, `value="nobody"`, 1) != unknown {
		t.Fatalf("answers differ for a wrong password and an unknown login")
	}

	resp, _ = e.do(t, "POST", "/login", url.Values{"login": {"admin"}, "password": {otp}, "next": {"/catalogs"}}, nil)
	wantRedirect(t, resp, "/account/password")
	c := sessionCookie(resp)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || len(c.Value) < 43 {
		t.Fatalf("session cookie %+v", c)
	}
	// Nothing else until the password is changed, the API included.
	resp, _ = e.do(t, "GET", "/catalogs", nil, c)
	wantRedirect(t, resp, "/account/password")
	if resp, body := e.do(t, "GET", "/api/v1/me", nil, c); resp.StatusCode != 403 || !strings.Contains(body, `"error":"forbidden"`) {
		t.Fatalf("API before password change: %d %s", resp.StatusCode, body)
	}
	_, body = e.do(t, "GET", "/account/password", nil, c)
	if !strings.Contains(body, "パスワードを変更してください") || !strings.Contains(body, "12 文字以上") {
		t.Fatalf("password page:\n%s", body)
	}
	// 11 characters are too few for the (privileged) administrator.
	resp, body = e.do(t, "POST", "/account/password", url.Values{"current": {otp}, "new": {"Kitei-Pass1"}, "confirm": {"Kitei-Pass1"}}, c)
	if resp.StatusCode != 400 || !strings.Contains(body, "パスワードは 12 文字以上にしてください。") {
		t.Fatalf("short password: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = e.do(t, "POST", "/account/password", url.Values{"current": {otp}, "new": {"Kitei-Passw0rd"}, "confirm": {"Kitei-Passw0rd"}}, c)
	wantRedirect(t, resp, "/account/totp")

	// Then TOTP.
	resp, _ = e.do(t, "GET", "/", nil, c)
	wantRedirect(t, resp, "/account/totp")
	_, body = e.do(t, "GET", "/account/totp", nil, c)
	m := secretRE.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `src="data:image/png;base64,`) || !strings.Contains(body, "otpauth://totp/kitei:admin") {
		t.Fatalf("TOTP page:\n%s", body)
	}
	resp, _ = e.do(t, "POST", "/account/totp", url.Values{"code": {"123456"}}, c)
	if resp.StatusCode != 400 {
		t.Fatalf("wrong code: %d", resp.StatusCode)
	}
	code, _ := totp.GenerateCode(m[1], e.clk.Now())
	resp, _ = e.do(t, "POST", "/account/totp", url.Values{"code": {code}}, c)
	wantRedirect(t, resp, "/account?done=totp")

	// Now the pages open, and the first page shows the sign-in notice once.
	resp, body = e.do(t, "GET", "/", nil, c)
	if resp.StatusCode != 200 || !strings.Contains(body, "初めてのログインです。") || !strings.Contains(body, `action="/logout"`) ||
		!strings.Contains(body, `href="/admin/users"`) {
		t.Fatalf("home %d:\n%s", resp.StatusCode, body)
	}
	if _, body = e.do(t, "GET", "/", nil, c); strings.Contains(body, "初めてのログインです。") {
		t.Error("notice shown twice")
	}
	if resp, _ = e.do(t, "GET", "/catalogs", nil, c); resp.StatusCode != 200 {
		t.Fatalf("catalogs: %d", resp.StatusCode)
	}
	resp, _ = e.do(t, "POST", "/logout", url.Values{}, c)
	wantRedirect(t, resp, "/login")
	resp, _ = e.do(t, "GET", "/catalogs", nil, c)
	wantRedirect(t, resp, "/login?next=%2Fcatalogs")

	// The next sign-in needs the code and reports the last one and the failures since.
	e.do(t, "POST", "/login", url.Values{"login": {"admin"}, "password": {"wrong"}}, nil)
	e.clk.Add(time.Minute)
	resp, _ = e.do(t, "POST", "/login", url.Values{"login": {"admin"}, "password": {"Kitei-Passw0rd"}}, nil)
	if resp.StatusCode != 401 {
		t.Fatalf("sign-in without the code: %d", resp.StatusCode)
	}
	code, _ = totp.GenerateCode(m[1], e.clk.Now())
	resp, _ = e.do(t, "POST", "/login", url.Values{"login": {"admin"}, "password": {"Kitei-Passw0rd"}, "code": {code}, "next": {"/search"}}, nil)
	wantRedirect(t, resp, "/search")
	_, body = e.do(t, "GET", "/account", nil, sessionCookie(resp))
	if !strings.Contains(body, "最終ログイン：") || !strings.Contains(body, "ログイン失敗：2 回") {
		t.Fatalf("notice missing:\n%s", body)
	}
	// Every step is in the audit trail.
	for _, action := range []string{audit.ActionUserCreate, audit.ActionLogin, audit.ActionLoginFailed, auth.ActionPasswordChange, auth.ActionTOTPEnrol, audit.ActionLogout} {
		if n, _ := e.db.Audit().Count(ctx, audit.Filter{Action: action}); n == 0 {
			t.Errorf("no %s event", action)
		}
	}
}

func TestCookieSecureOnTLSOrWhenConfigured(t *testing.T) {
	for _, c := range []struct {
		name        string
		tls, secure bool
	}{{"tls", true, false}, {"flag", false, true}} {
		e := newAuthEnv(t, c.tls, c.secure)
		otp, _, _ := e.svc.Bootstrap(context.Background())
		resp, _ := e.do(t, "POST", "/login", url.Values{"login": {"admin"}, "password": {otp}}, nil)
		if ck := sessionCookie(resp); ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("%s: cookie %+v", c.name, ck)
		}
	}
}

func TestGuardSessionsTokensAndDisabling(t *testing.T) {
	e := newAuthEnv(t, false, false)
	ctx := context.Background()
	admin := signIn(t, e.svc, e.clk, auth.NewUser{Login: "chief", IsAdmin: true})
	staff := signIn(t, e.svc, e.clk, auth.NewUser{Login: "e7001"}) // no person, no grants

	// A signed-in user without the permission gets 403, recorded as authz.deny.
	resp, body := e.do(t, "GET", "/catalogs", nil, staff)
	if resp.StatusCode != 403 || !strings.Contains(body, "権限がありません") {
		t.Fatalf("staff on /catalogs: %d", resp.StatusCode)
	}
	if resp, _ = e.do(t, "GET", "/admin/users", nil, staff); resp.StatusCode != 403 {
		t.Fatalf("staff on /admin/users: %d", resp.StatusCode)
	}
	if evs, _ := e.db.Audit().List(ctx, audit.Filter{Action: audit.ActionDeny}); len(evs) != 2 || evs[0].Actor != "e7001" {
		t.Fatalf("deny events %+v", evs)
	}
	// Own account pages are open to every signed-in user.
	if resp, _ = e.do(t, "GET", "/account", nil, staff); resp.StatusCode != 200 {
		t.Fatalf("staff account page: %d", resp.StatusCode)
	}

	// The API answers JSON: 401 without credentials, 403 without permission.
	resp, body = e.do(t, "GET", "/api/v1/catalogs", nil, nil)
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"unauthorized"`) {
		t.Fatalf("API without credentials: %d %s", resp.StatusCode, body)
	}
	if resp, _ = e.do(t, "GET", "/api/v1/catalogs", nil, staff); resp.StatusCode != 403 {
		t.Fatalf("API without permission: %d", resp.StatusCode)
	}

	// An API token made on the account page works as a bearer token until revoked.
	resp, body = e.do(t, "POST", "/account/tokens", url.Values{"name": {"nightly"}}, admin)
	token := regexp.MustCompile(`<code>(kitei_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || token == nil {
		t.Fatalf("token page %d:\n%s", resp.StatusCode, body)
	}
	resp, body = e.do(t, "GET", "/api/v1/me", nil, nil, "Authorization", "Bearer "+token[1])
	if resp.StatusCode != 200 || !strings.Contains(body, `"login":"chief"`) || !strings.Contains(body, `"role":"administrator"`) {
		t.Fatalf("bearer: %d %s", resp.StatusCode, body)
	}
	if resp, _ = e.do(t, "GET", "/api/v1/catalogs", nil, nil, "Authorization", "Bearer "+token[1]); resp.StatusCode != 200 {
		t.Fatalf("bearer on catalogs: %d", resp.StatusCode)
	}
	// A bearer token is not a session for pages.
	if resp, _ = e.do(t, "GET", "/catalogs", nil, nil, "Authorization", "Bearer "+token[1]); resp.StatusCode != 303 {
		t.Fatalf("bearer on a page: %d", resp.StatusCode)
	}
	toks, _ := e.svc.Tokens(ctx, 1)
	resp, _ = e.do(t, "POST", "/account/tokens/"+itoa(toks[0].ID)+"/revoke", url.Values{}, admin)
	wantRedirect(t, resp, "/account?done=token_revoked")
	if resp, _ = e.do(t, "GET", "/api/v1/me", nil, nil, "Authorization", "Bearer "+token[1]); resp.StatusCode != 401 {
		t.Fatalf("revoked token: %d", resp.StatusCode)
	}

	// Idle timeout: 30 minutes without a request end the session.
	e.clk.Add(29 * time.Minute)
	if resp, _ = e.do(t, "GET", "/account", nil, staff); resp.StatusCode != 200 {
		t.Fatalf("after 29 idle minutes: %d", resp.StatusCode)
	}
	e.clk.Add(31 * time.Minute)
	resp, _ = e.do(t, "GET", "/account", nil, staff)
	wantRedirect(t, resp, "/login?next=%2Faccount")
	if ck := sessionCookie(resp); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("stale cookie not cleared: %+v", ck)
	}
	admin = signIn(t, e.svc, e.clk, auth.NewUser{Login: "chief2", IsAdmin: true})

	// A revoked session is refused.
	staff2 := signIn(t, e.svc, e.clk, auth.NewUser{Login: "e7002"})
	staffUser, _ := e.svc.UserByLogin(ctx, "e7002")
	sess, _ := e.svc.Sessions(ctx, staffUser.ID)
	resp, _ = e.do(t, "POST", "/admin/sessions/"+itoa(sess[0].ID)+"/revoke", url.Values{}, admin)
	if resp.StatusCode != 303 {
		t.Fatalf("admin revoke: %d", resp.StatusCode)
	}
	if resp, _ = e.do(t, "GET", "/account", nil, staff2); resp.StatusCode != 303 {
		t.Fatalf("revoked session: %d", resp.StatusCode)
	}

	// A disabled account is refused: its session ends and it cannot sign in.
	staff3 := signIn(t, e.svc, e.clk, auth.NewUser{Login: "e7003"})
	u3, _ := e.svc.UserByLogin(ctx, "e7003")
	resp, _ = e.do(t, "POST", "/admin/users/"+itoa(u3.ID)+"/disable", url.Values{}, admin)
	wantRedirect(t, resp, "/admin/users?done=disable")
	if resp, _ = e.do(t, "GET", "/account", nil, staff3); resp.StatusCode != 303 {
		t.Fatalf("disabled account's session: %d", resp.StatusCode)
	}
	if resp, _ = e.do(t, "POST", "/login", url.Values{"login": {"e7003"}, "password": {"Sample-Passw0rd!"}}, nil); resp.StatusCode != 401 {
		t.Fatalf("disabled account signed in: %d", resp.StatusCode)
	}
	// The admin pages list accounts and create one with a one-time password shown once.
	_, body = e.do(t, "GET", "/admin/users", nil, admin)
	if !strings.Contains(body, "e7003") || !strings.Contains(body, "無効") {
		t.Fatalf("users page:\n%s", body)
	}
	resp, body = e.do(t, "POST", "/admin/users", url.Values{"login": {"E7004"}, "name": {"新人"}}, admin)
	if resp.StatusCode != 200 || !strings.Contains(body, "e7004 のワンタイムパスワード") {
		t.Fatalf("create: %d\n%s", resp.StatusCode, body)
	}
	resp, body = e.do(t, "POST", "/admin/users", url.Values{"login": {"root"}}, admin)
	if resp.StatusCode != 400 {
		t.Fatalf("reserved login: %d", resp.StatusCode)
	}
	// Policy page: a weaker banner-less policy is stored; nonsense is refused.
	form := url.Values{"reuse_days": {"365"}, "totp_privileged": {"1"}, "idle_minutes": {"15"}, "lifetime_hours": {"8"}, "banner": {"許可された者のみ"}}
	for _, cl := range []string{"general", "privileged"} {
		form.Set(cl+"_min_length", "12")
		form.Set(cl+"_min_classes", "4")
		form.Set(cl+"_lock_after", "3")
		form.Set(cl+"_lock_minutes", "60")
		form.Set(cl+"_max_age_days", "0")
	}
	resp, _ = e.do(t, "POST", "/admin/policy", form, admin)
	wantRedirect(t, resp, "/admin/policy?done=1")
	if pol, _ := e.svc.Policy(ctx); pol.IdleMinutes != 15 || pol.General.MinLength != 12 || pol.Banner != "許可された者のみ" {
		t.Fatalf("policy %+v", pol)
	}
	form.Set("general_min_length", "4")
	if resp, _ = e.do(t, "POST", "/admin/policy", form, admin); resp.StatusCode != 400 {
		t.Fatalf("weak policy accepted: %d", resp.StatusCode)
	}
	if _, body = e.do(t, "GET", "/login", nil, nil); !strings.Contains(body, "許可された者のみ") {
		t.Error("new banner not shown")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
