package oidc_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/oidc"
	"kitei/internal/oidc/oidctest"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

const base = "http://kitei.test"

type env struct {
	op    *oidctest.OP
	set   *oidc.Set
	kitei *oidc.Provider // client "kitei"
	other *oidc.Provider // client "other" at the same provider
	db    *store.DB
	auth  *auth.Service
	hana  auth.User
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	op := oidctest.Start(t, []oidctest.User{
		{ID: "u1", Username: "hana", Password: "pw-hana", Email: "hana@example.jp", EmployeeNo: "E1001", Groups: []string{"csirt"}},
		{ID: "u2", Username: "mfa", Password: "pw-mfa", Email: "mfa@example.jp", EmployeeNo: "E1002", AMR: []string{"pwd", "otp"}},
		{ID: "u3", Username: "stranger", Password: "pw-x", Email: "stranger@example.jp", EmployeeNo: "X999"},
	}, oidctest.Client{ID: "kitei", Secret: "kitei-secret", RedirectURI: base + "/login/oidc/corp/callback"},
		oidctest.Client{ID: "other", Secret: "other-secret", RedirectURI: base + "/login/oidc/other/callback"})

	db := storetest.SQLite(t)
	orgs := org.NewService(db.Org())
	u, err := orgs.CreateUnit(ctx, authz.System, org.Unit{Code: "A", Name: "総務部"})
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(db.Auth(), orgs, nil)
	svc.Hash = auth.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	var hana auth.User
	for _, p := range []org.Person{{EmployeeNo: "E1001", Name: "山田 花子", Email: "hana@example.jp", UnitID: u.ID},
		{EmployeeNo: "E1002", Name: "佐藤 多要素", Email: "mfa@example.jp", UnitID: u.ID}} {
		p, err := orgs.CreatePerson(ctx, authz.System, p)
		if err != nil {
			t.Fatal(err)
		}
		acc, _, err := svc.CreateUser(ctx, auth.NewUser{Login: strings.ToLower(p.EmployeeNo), PersonID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		if p.EmployeeNo == "E1001" {
			hana = acc
		}
	}
	cfg := oidc.ProviderConfig{Name: "corp", Issuer: op.Issuer, ClientID: "kitei", PersonClaim: "email", Match: "email",
		Scopes: []string{"openid", "email", "profile"}, MFAAMR: oidc.DefaultMFAAMR,
		GroupsClaim: "groups", GroupRoles: map[string][]string{"csirt": {authz.RoleCSIRTMember}}}
	set := &oidc.Set{Auth: svc}
	kitei := oidc.NewProvider(cfg, base)
	kitei.Config = cfg.WithSecret("kitei-secret")
	ocfg := cfg
	ocfg.Name, ocfg.ClientID = "other", "other"
	other := oidc.NewProvider(ocfg.WithSecret("other-secret"), base)
	set.Providers = []*oidc.Provider{kitei}
	return &env{op: op, set: set, kitei: kitei, other: other, db: db, auth: svc, hana: hana}
}

// token runs the browser flow (PKCE, nonce) at the provider as username
// for p and returns the raw ID token and the nonce.
func (e *env) token(t *testing.T, p *oidc.Provider, username, password string) (string, string) {
	t.Helper()
	ctx := context.Background()
	state, nonce, verifier := "st-"+username, "n-"+username, oauth2.GenerateVerifier()
	authURL, err := p.AuthURL(ctx, state, nonce, verifier)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := e.op.SignIn(authURL, username, password, base+"/login/oidc/")
	if err != nil {
		t.Fatal(err)
	}
	if cb.Query().Get("state") != state {
		t.Fatalf("state %q", cb.Query().Get("state"))
	}
	raw, err := p.Exchange(ctx, cb.Query().Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	return raw, nonce
}

func TestSignInThroughProvider(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	raw, nonce := e.token(t, e.kitei, "hana", "pw-hana")
	res, err := e.set.SignIn(ctx, e.kitei, raw, nonce, auth.Meta{IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Identity
	if id.User.ID != e.hana.ID || id.NeedsPassword {
		t.Fatalf("identity %+v", id)
	}
	// The provider reported only a password: kitei asks for TOTP (enrolment, as hana has none).
	if !id.NeedsTOTP || id.NeedsMFA {
		t.Fatalf("without the provider's MFA kitei must ask for TOTP: %+v", id)
	}
	// The group gave the CSIRT role for this session, also when the session is used again.
	again, err := e.auth.Authenticate(ctx, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	if !hasRole(again.Principal, authz.RoleCSIRTMember) || !hasRole(again.Principal, authz.RoleStaff) {
		t.Fatalf("grants %+v", again.Principal.Grants)
	}

	// amr with otp: the provider's second factor counts.
	raw, nonce = e.token(t, e.kitei, "mfa", "pw-mfa")
	res, err = e.set.SignIn(ctx, e.kitei, raw, nonce, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Identity.NeedsMFA || res.Identity.NeedsTOTP || res.Identity.NeedsPassword {
		t.Fatalf("MFA at the provider should finish the sign-in: %+v", res.Identity)
	}
}

func TestRefusals(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	sessions := func() int {
		var n int
		e.db.R.QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n)
		return n
	}

	t.Run("wrong audience", func(t *testing.T) {
		raw, nonce := e.token(t, e.other, "hana", "pw-hana") // issued to client "other"
		if _, err := e.set.SignIn(ctx, e.kitei, raw, nonce, auth.Meta{}); !errors.Is(err, oidc.ErrRefused) || !strings.Contains(err.Error(), "audience") {
			t.Fatalf("token for another client accepted: %v", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		raw, nonce := e.token(t, e.kitei, "hana", "pw-hana")
		late := oidc.NewProvider(e.kitei.Config, base)
		late.Now = func() time.Time { return time.Now().Add(3 * time.Hour) }
		if _, err := e.set.SignIn(ctx, late, raw, nonce, auth.Meta{}); !errors.Is(err, oidc.ErrRefused) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("expired token accepted: %v", err)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		raw, nonce := e.token(t, e.kitei, "hana", "pw-hana")
		parts := strings.Split(raw, ".")
		sig := []byte(parts[2])
		sig[10] ^= 1 // still base64url, another signature
		if sig[10] == '-' || sig[10] == '_' {
			sig[10] = 'A'
		}
		forged := parts[0] + "." + parts[1] + "." + string(sig)
		if _, err := e.set.SignIn(ctx, e.kitei, forged, nonce, auth.Meta{}); !errors.Is(err, oidc.ErrRefused) {
			t.Fatalf("bad signature accepted: %v", err)
		}
		// Claims changed under the original signature.
		forged = parts[0] + "." + parts[1][:len(parts[1])-2] + "AA." + parts[2]
		if _, err := e.set.SignIn(ctx, e.kitei, forged, nonce, auth.Meta{}); !errors.Is(err, oidc.ErrRefused) {
			t.Fatalf("edited claims accepted: %v", err)
		}
	})
	t.Run("wrong nonce", func(t *testing.T) {
		raw, _ := e.token(t, e.kitei, "hana", "pw-hana")
		if _, err := e.set.SignIn(ctx, e.kitei, raw, "another-nonce", auth.Meta{}); !errors.Is(err, oidc.ErrRefused) {
			t.Fatalf("replayed token accepted: %v", err)
		}
	})
	t.Run("unknown person", func(t *testing.T) {
		raw, nonce := e.token(t, e.kitei, "stranger", "pw-x")
		if _, err := e.set.SignIn(ctx, e.kitei, raw, nonce, auth.Meta{}); !errors.Is(err, oidc.ErrUnknownPerson) {
			t.Fatalf("unknown person signed in: %v", err)
		}
	})
	t.Run("disabled account", func(t *testing.T) {
		raw, nonce := e.token(t, e.kitei, "hana", "pw-hana")
		if err := e.auth.Disable(ctx, e.hana.ID, "test"); err != nil {
			t.Fatal(err)
		}
		defer e.auth.Enable(ctx, e.hana.ID)
		if _, err := e.set.SignIn(ctx, e.kitei, raw, nonce, auth.Meta{}); !errors.Is(err, auth.ErrCredentials) {
			t.Fatalf("disabled account signed in: %v", err)
		}
	})
	if n := sessions(); n != 0 {
		t.Fatalf("refused sign-ins created %d sessions", n)
	}
}

// TestLocalSignInOff: with local sign-in off only the break-glass
// administrator signs in with a password.
func TestLocalSignInOff(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	pw, err := e.auth.ResetPassword(ctx, e.hana.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.auth.LocalOff, e.auth.BreakGlass = true, map[string]bool{"admin": true}
	if _, err := e.auth.Login(ctx, e.hana.Login, pw, "", auth.Meta{}); !errors.Is(err, auth.ErrCredentials) {
		t.Fatalf("local sign-in while off: %v", err)
	}
	e.auth.BreakGlass["e1001"] = true
	if _, err := e.auth.Login(ctx, e.hana.Login, pw, "", auth.Meta{}); err != nil {
		t.Fatalf("break-glass login refused: %v", err)
	}
}

func hasRole(p interface{ Can(authz.Permission) bool }, role string) bool {
	pr, ok := p.(*authz.Principal)
	if !ok {
		return false
	}
	for _, g := range pr.Grants {
		if g.Role == role {
			return true
		}
	}
	return false
}

// TestTOTPAfterProviderWithoutMFA: an account with TOTP signs in at a
// provider that reports only a password; the session is held at /login/mfa
// until the right code, and a wrong code counts as a failure.
func TestTOTPAfterProviderWithoutMFA(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	setup, err := e.auth.BeginTOTP(ctx, e.hana.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(setup.Secret, time.Now().Add(-30*time.Second))
	if err := e.auth.ConfirmTOTP(ctx, e.hana.ID, code); err != nil {
		t.Fatal(err)
	}
	raw, nonce := e.token(t, e.kitei, "hana", "pw-hana")
	res, err := e.set.SignIn(ctx, e.kitei, raw, nonce, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.auth.Authenticate(ctx, res.Token)
	if err != nil || !id.NeedsMFA {
		t.Fatalf("session must owe a TOTP code: %+v %v", id, err)
	}
	if err := e.auth.CompleteMFA(ctx, id, "000000", auth.Meta{}); err == nil {
		t.Fatal("wrong code accepted")
	}
	if u, _ := e.auth.User(ctx, e.hana.ID); u.FailedCount != 1 {
		t.Fatalf("wrong code not counted: %d", u.FailedCount)
	}
	code, _ = totp.GenerateCode(setup.Secret, time.Now())
	if err := e.auth.CompleteMFA(ctx, id, code, auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	if id, err = e.auth.Authenticate(ctx, res.Token); err != nil || id.NeedsMFA || id.NeedsTOTP {
		t.Fatalf("after the code: %+v %v", id, err)
	}
}
