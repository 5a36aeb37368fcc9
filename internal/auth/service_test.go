package auth_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/auth"
	"kitei/internal/authz"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeDir is a directory of people: grants per person, and who has left.
type fakeDir struct {
	grants map[int64][]authz.Grant
	left   map[int64]bool
}

func (d *fakeDir) Grants(_ context.Context, id int64, _ time.Time) (string, []authz.Grant, bool, error) {
	return "/1/", d.grants[id], !d.left[id], nil
}

// cheap hashing keeps the tests fast; production uses DefaultHashParams.
var cheap = auth.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type fixture struct {
	db  *store.DB
	svc *auth.Service
	clk *clock
	dir *fakeDir
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	clk := &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	dir := &fakeDir{grants: map[int64][]authz.Grant{}, left: map[int64]bool{}}
	svc := auth.NewService(db.Auth(), dir, audit.NewRecorder(db.Audit()))
	svc.Now, svc.Hash = clk.Now, cheap
	return &fixture{db: db, svc: svc, clk: clk, dir: dir}
}

// addPerson inserts a unit and a person directly (the org package owns them).
func addPerson(t *testing.T, db *store.DB, no string) int64 {
	t.Helper()
	ctx := context.Background()
	var unit, id int64
	now := "2026-01-01T00:00:00Z"
	if err := db.W.QueryRowContext(ctx, `INSERT INTO units (code, name, path, created_at, updated_at) VALUES ($1, $2, '/', $3, $3) RETURNING id`,
		"U"+no, "総務課", now).Scan(&unit); err != nil {
		t.Fatal(err)
	}
	if err := db.W.QueryRowContext(ctx, `INSERT INTO people (employee_no, name, unit_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		no, "社員"+no, unit, now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// user creates an account and gives it password pw (no forced change).
func (f *fixture) user(t *testing.T, nu auth.NewUser, pw string) auth.User {
	t.Helper()
	ctx := context.Background()
	u, otp, err := f.svc.CreateUser(ctx, nu)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ChangePassword(ctx, u.ID, 0, otp, pw); err != nil {
		t.Fatalf("set password: %v", err)
	}
	return u
}

func TestBootstrapOnce(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	pw, created, err := f.svc.Bootstrap(ctx)
	if err != nil || !created {
		t.Fatalf("bootstrap: %v %v", created, err)
	}
	if len(pw) < 16 || auth.DefaultPolicy().Privileged.Check(pw, "admin") != nil {
		t.Fatalf("one-time password %q does not meet the privileged policy", pw)
	}
	if _, created, _ := f.svc.Bootstrap(ctx); created {
		t.Fatal("second bootstrap created another administrator")
	}
	res, err := f.svc.Login(ctx, "admin", pw, "", auth.Meta{IP: "192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Identity
	if !id.NeedsPassword || !id.NeedsTOTP || !id.Principal.Can(authz.UserAdmin) || !id.Principal.Privileged {
		t.Fatalf("first admin identity %+v", id)
	}
	// Reserved names are refused for new accounts.
	for _, login := range []string{"admin", "Root", "administrator", "guest"} {
		if _, _, err := f.svc.CreateUser(ctx, auth.NewUser{Login: login}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("login %q accepted: %v", login, err)
		}
	}
}

func TestPasswordPolicyGeneralAndPrivileged(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	general, otpG, _ := f.svc.CreateUser(ctx, auth.NewUser{Login: "e2001"})
	priv, otpP, _ := f.svc.CreateUser(ctx, auth.NewUser{Login: "e2002", IsAdmin: true})

	check := func(u auth.User, otp, pw, wantKey string) {
		t.Helper()
		err := f.svc.ChangePassword(ctx, u.ID, 0, otp, pw)
		pe, _ := auth.IsPolicyError(err)
		switch {
		case wantKey == "" && err != nil:
			t.Errorf("%s: %q refused: %v", u.Login, pw, err)
		case wantKey != "" && (pe == nil || pe.Key != wantKey):
			t.Errorf("%s: %q: got %v, want %s", u.Login, pw, err, wantKey)
		}
	}
	check(general, otpG, "Abcdefg1!", "password.err.short") // 9 characters
	check(general, otpG, "abcdefgh12!", "password.err.classes")
	check(general, otpG, "Xe2001yz1!", "password.err.login")
	check(priv, otpP, "Abcdefgh1!x", "password.err.short") // 11 characters for a privileged account
	check(general, "wrong-current", "Abcdefgh1!", "password.err.current")
	check(general, otpG, "Abcdefgh1!", "") // 10 characters, four classes
	check(priv, otpP, "Abcdefgh1!xy", "")

	// Privileged through a role held in the directory, not only as admin.
	person := addPerson(t, f.db, "E2003")
	f.dir.grants[person] = []authz.Grant{{Role: authz.RoleChiefISO, Privileged: true}}
	chief, otpC, err := f.svc.CreateUser(ctx, auth.NewUser{Login: "e2003", PersonID: person})
	if err != nil {
		t.Fatal(err)
	}
	if chief.Name != "社員E2003" || chief.EmployeeNo != "E2003" {
		t.Errorf("person not joined: %+v", chief)
	}
	check(chief, otpC, "Abcdefgh1!x", "password.err.short")
	// One account per person.
	if _, _, err := f.svc.CreateUser(ctx, auth.NewUser{Login: "e2003b", PersonID: person}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("second account for a person: %v", err)
	}
}

func TestLockoutAndUnlock(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.svc.SetPolicy(ctx, func() auth.Policy { p := auth.DefaultPolicy(); p.TOTPPrivileged = false; return p }())
		u := f.user(t, auth.NewUser{Login: "e3001"}, "Correct-Horse1")
		for i := 1; i <= 5; i++ {
			if _, err := f.svc.Login(ctx, "e3001", "wrong-Pass1!", "", auth.Meta{}); err != auth.ErrCredentials {
				t.Fatalf("wrong password %d: %v", i, err)
			}
			got, _ := f.svc.User(ctx, u.ID)
			if locked := got.Locked(f.clk.Now()); locked != (i == 5) {
				t.Fatalf("after %d failures locked = %v", i, locked)
			}
		}
		// Locked for an hour: even the right password is refused, with the same answer.
		f.clk.Add(59 * time.Minute)
		if _, err := f.svc.Login(ctx, "e3001", "Correct-Horse1", "", auth.Meta{}); err != auth.ErrCredentials {
			t.Fatalf("sixth attempt during the lock: %v", err)
		}
		f.clk.Add(time.Minute)
		res, err := f.svc.Login(ctx, "e3001", "Correct-Horse1", "", auth.Meta{})
		if err != nil {
			t.Fatalf("after an hour: %v", err)
		}
		if !res.Identity.Session.NoticePending || res.Identity.Session.PrevFailed != 5 {
			t.Errorf("notice: %+v", res.Identity.Session)
		}
		if n, _ := db.Audit().Count(ctx, audit.Filter{Action: auth.ActionLock}); n != 1 {
			t.Errorf("lock events = %d", n)
		}
		if n, _ := db.Audit().Count(ctx, audit.Filter{Action: audit.ActionLoginFailed}); n != 6 {
			t.Errorf("failed sign-in events = %d", n)
		}
		// A privileged account locks after three failures, for six hours.
		a := f.user(t, auth.NewUser{Login: "e3002", IsAdmin: true}, "Privileged-Pass1")
		for i := 0; i < 3; i++ {
			f.svc.Login(ctx, "e3002", "nope", "", auth.Meta{})
		}
		got, _ := f.svc.User(ctx, a.ID)
		if !got.LockedUntil.Equal(f.clk.Now().Add(6 * time.Hour)) {
			t.Fatalf("privileged lock until %v", got.LockedUntil)
		}
		// Unknown logins get the same answer.
		if _, err := f.svc.Login(ctx, "nobody", "x", "", auth.Meta{}); err != auth.ErrCredentials {
			t.Fatalf("unknown login: %v", err)
		}
	})
}

func TestPasswordReuseWithinAYear(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	u := f.user(t, auth.NewUser{Login: "e4001"}, "First-Passw0rd")
	f.clk.Add(24 * time.Hour)
	if err := f.svc.ChangePassword(ctx, u.ID, 0, "First-Passw0rd", "Second-Passw0rd"); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(300 * 24 * time.Hour)
	err := f.svc.ChangePassword(ctx, u.ID, 0, "Second-Passw0rd", "First-Passw0rd")
	if pe, _ := auth.IsPolicyError(err); pe == nil || pe.Key != "password.err.reused" {
		t.Fatalf("reuse within a year: %v", err)
	}
	if pe, _ := auth.IsPolicyError(f.svc.ChangePassword(ctx, u.ID, 0, "Second-Passw0rd", "Second-Passw0rd")); pe == nil {
		t.Fatal("same password accepted")
	}
	f.clk.Add(70 * 24 * time.Hour) // more than a year after First-Passw0rd was replaced
	if err := f.svc.ChangePassword(ctx, u.ID, 0, "Second-Passw0rd", "First-Passw0rd"); err != nil {
		t.Fatalf("after a year: %v", err)
	}
}

func TestTOTPEnrolmentLoginAndReplay(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	u := f.user(t, auth.NewUser{Login: "e5001", IsAdmin: true}, "Privileged-Pass1")
	setup, err := f.svc.BeginTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(setup.URI, "otpauth://totp/kitei:e5001?") || !strings.HasPrefix(setup.QRPNG, "data:image/png;base64,") {
		t.Fatalf("setup %q", setup.URI)
	}
	again, _ := f.svc.BeginTOTP(ctx, u.ID)
	if again.Secret != setup.Secret {
		t.Fatal("reloading enrolment changed the secret")
	}
	if err := f.svc.ConfirmTOTP(ctx, u.ID, "000000"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("wrong code confirmed: %v", err)
	}
	code, _ := totp.GenerateCode(setup.Secret, f.clk.Now())
	if err := f.svc.ConfirmTOTP(ctx, u.ID, code); err != nil {
		t.Fatal(err)
	}
	// The enrolment code cannot be used again to sign in (replay).
	if _, err := f.svc.Login(ctx, "e5001", "Privileged-Pass1", code, auth.Meta{}); err != auth.ErrCredentials {
		t.Fatalf("replayed code: %v", err)
	}
	if _, err := f.svc.Login(ctx, "e5001", "Privileged-Pass1", "", auth.Meta{}); err != auth.ErrCredentials {
		t.Fatalf("missing code: %v", err)
	}
	f.clk.Add(30 * time.Second)
	code, _ = totp.GenerateCode(setup.Secret, f.clk.Now())
	res, err := f.svc.Login(ctx, "e5001", "Privileged-Pass1", code, auth.Meta{})
	if err != nil || res.Identity.NeedsTOTP || res.Identity.NeedsPassword {
		t.Fatalf("login with code: %v %+v", err, res)
	}
	// A code one step old still works (clock drift), two steps old does not.
	f.clk.Add(60 * time.Second)
	old, _ := totp.GenerateCode(setup.Secret, f.clk.Now().Add(-30*time.Second))
	if _, err := f.svc.Login(ctx, "e5001", "Privileged-Pass1", old, auth.Meta{}); err != nil {
		t.Fatalf("code one step old: %v", err)
	}
	f.clk.Add(60 * time.Second)
	old, _ = totp.GenerateCode(setup.Secret, f.clk.Now().Add(-60*time.Second))
	if _, err := f.svc.Login(ctx, "e5001", "Privileged-Pass1", old, auth.Meta{}); err == nil {
		t.Fatal("code two steps old accepted")
	}
	if n, _ := f.db.Audit().Count(ctx, audit.Filter{Action: auth.ActionTOTPEnrol}); n != 1 {
		t.Errorf("enrolment events = %d", n)
	}
}

func TestSessionsTokensAndDisabling(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		person := addPerson(t, db, "E6001")
		f.dir.grants[person] = []authz.Grant{{Role: authz.RoleStaff, UnitPath: "/1/"}}
		u := f.user(t, auth.NewUser{Login: "e6001", PersonID: person}, "Staff-Passw0rd")
		res, err := f.svc.Login(ctx, "e6001", "Staff-Passw0rd", "", auth.Meta{IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Identity.Principal.Can(authz.CatalogRead) || res.Identity.Principal.Can(authz.UserAdmin) {
			t.Fatalf("principal %+v", res.Identity.Principal)
		}
		// Activity keeps the session; 30 idle minutes end it.
		for i := 0; i < 4; i++ {
			f.clk.Add(20 * time.Minute)
			if _, err := f.svc.Authenticate(ctx, res.Token); err != nil {
				t.Fatalf("active session refused after %d min: %v", (i+1)*20, err)
			}
		}
		f.clk.Add(31 * time.Minute)
		if _, err := f.svc.Authenticate(ctx, res.Token); err != auth.ErrNoSession {
			t.Fatalf("idle session: %v", err)
		}
		// Absolute lifetime: 12 hours however active.
		res, _ = f.svc.Login(ctx, "e6001", "Staff-Passw0rd", "", auth.Meta{})
		for i := 0; i < 12*3; i++ {
			f.clk.Add(20 * time.Minute)
			f.svc.Authenticate(ctx, res.Token)
		}
		if _, err := f.svc.Authenticate(ctx, res.Token); err != auth.ErrNoSession {
			t.Fatalf("session past its lifetime: %v", err)
		}
		// Revoked sessions are refused.
		res, _ = f.svc.Login(ctx, "e6001", "Staff-Passw0rd", "", auth.Meta{})
		list, _ := f.svc.Sessions(ctx, u.ID)
		if len(list) != 1 {
			t.Fatalf("sessions = %d", len(list))
		}
		if err := f.svc.RevokeSession(ctx, u.ID, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, res.Token); err != auth.ErrNoSession {
			t.Fatalf("revoked session: %v", err)
		}
		// API tokens resolve to the same principal; revoked ones do not.
		token, tk, err := f.svc.CreateToken(ctx, u.ID, "nightly export")
		if err != nil || !strings.HasPrefix(token, "kitei_") {
			t.Fatal(err)
		}
		id, err := f.svc.AuthenticateToken(ctx, token)
		if err != nil || id.User.ID != u.ID || !id.Principal.Can(authz.CatalogRead) {
			t.Fatalf("token: %v", err)
		}
		if _, err := f.svc.AuthenticateToken(ctx, token+"x"); err == nil {
			t.Fatal("altered token accepted")
		}
		f.svc.RevokeToken(ctx, u.ID, tk.ID)
		if _, err := f.svc.AuthenticateToken(ctx, token); err != auth.ErrNoSession {
			t.Fatalf("revoked token: %v", err)
		}
		// An administrator disables the account: sessions end, sign-in refused.
		res, _ = f.svc.Login(ctx, "e6001", "Staff-Passw0rd", "", auth.Meta{})
		f.svc.Disable(ctx, u.ID, "admin")
		if _, err := f.svc.Authenticate(ctx, res.Token); err != auth.ErrNoSession {
			t.Fatalf("session of a disabled account: %v", err)
		}
		if _, err := f.svc.Login(ctx, "e6001", "Staff-Passw0rd", "", auth.Meta{}); err != auth.ErrCredentials {
			t.Fatalf("disabled account signed in: %v", err)
		}
		f.svc.Enable(ctx, u.ID)
		res, err = f.svc.Login(ctx, "e6001", "Staff-Passw0rd", "", auth.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		// The person leaves: the directory says so and the account is disabled.
		f.dir.left[person] = true
		if _, err := f.svc.Authenticate(ctx, res.Token); err != auth.ErrNoSession {
			t.Fatalf("session of a person who left: %v", err)
		}
		got, _ := f.svc.User(ctx, u.ID)
		if !got.Disabled() || got.DisabledReason != "left" {
			t.Fatalf("account of a person who left: %+v", got)
		}
	})
}
