package store_test

import (
	"context"
	"testing"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/auth"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func TestAuthStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := db.Auth()
		t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

		if n, err := st.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("count = %d %v", n, err)
		}
		u, err := st.CreateUser(ctx, auth.User{Login: "e1001", Name: "山田", PasswordHash: "h1", PasswordChangedAt: t0,
			CreatedAt: t0, MustChangePassword: true}, &audit.Event{Action: audit.ActionUserCreate, ObjectType: "user"})
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Name != "山田" || !u.MustChangePassword || u.PasswordHash != "h1" || !u.CreatedAt.Equal(t0) {
			t.Fatalf("created %+v", u)
		}
		if _, err := st.CreateUser(ctx, auth.User{Login: "e1001", PasswordHash: "x", PasswordChangedAt: t0, CreatedAt: t0}, nil); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("duplicate login: %v", err)
		}
		if _, err := st.CreateUser(ctx, auth.User{Login: "e1002", PersonID: 99, PasswordHash: "x", PasswordChangedAt: t0, CreatedAt: t0}, nil); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown person: %v", err)
		}
		if _, err := st.UserByLogin(ctx, "nobody"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown login: %v", err)
		}
		// The creation is in the audit trail with the new id.
		evs, err := db.Audit().List(ctx, audit.Filter{Action: audit.ActionUserCreate})
		if err != nil || len(evs) != 1 || evs[0].ObjectID == "" {
			t.Fatalf("audit = %+v %v", evs, err)
		}

		// Failures count up and lock at the threshold; an expired lock restarts the count.
		for i := 1; i <= 3; i++ {
			n, until, err := st.LoginFailed(ctx, u.ID, t0, 3, time.Hour, &audit.Event{Action: audit.ActionLoginFailed, Actor: "e1001"})
			if err != nil || n != i || (i < 3) != until.IsZero() {
				t.Fatalf("failure %d: %d %v %v", i, n, until, err)
			}
		}
		got, _ := st.User(ctx, u.ID)
		if !got.Locked(t0.Add(59*time.Minute)) || got.Locked(t0.Add(time.Hour)) || got.FailedSinceLogin != 3 {
			t.Fatalf("lock = %v, since login %d", got.LockedUntil, got.FailedSinceLogin)
		}
		if n, _ := db.Audit().Count(ctx, audit.Filter{Action: auth.ActionLock}); n != 1 {
			t.Fatalf("lock events = %d", n)
		}
		if n, until, _ := st.LoginFailed(ctx, u.ID, t0.Add(2*time.Hour), 3, time.Hour, nil); n != 1 || !until.IsZero() {
			t.Fatalf("after the lock ran out: %d %v", n, until)
		}

		// A successful sign-in resets the counts and creates a session.
		sess := auth.Session{UserID: u.ID, TokenHash: "th1", CreatedAt: t0, LastSeenAt: t0, IdleExpiresAt: t0.Add(30 * time.Minute),
			ExpiresAt: t0.Add(12 * time.Hour), IP: "192.0.2.1", NoticePending: true, PrevFailed: 4}
		if err := st.LoginSucceeded(ctx, u.ID, &sess, nil); err != nil || sess.ID == 0 {
			t.Fatalf("login: %v", err)
		}
		got, _ = st.User(ctx, u.ID)
		if got.FailedCount != 0 || got.FailedSinceLogin != 0 || !got.LastLoginAt.Equal(t0) || got.LastLoginIP != "192.0.2.1" || !got.LockedUntil.IsZero() {
			t.Fatalf("after login %+v", got)
		}
		ss, err := st.Session(ctx, "th1")
		if err != nil || ss.ID != sess.ID || !ss.NoticePending || ss.PrevFailed != 4 || !ss.Active(t0.Add(29*time.Minute)) || ss.Active(t0.Add(31*time.Minute)) {
			t.Fatalf("session %+v %v", ss, err)
		}
		if err := st.TouchSession(ctx, ss.ID, t0.Add(20*time.Minute), t0.Add(50*time.Minute)); err != nil {
			t.Fatal(err)
		}
		st.NoticeShown(ctx, ss.ID)
		ss, _ = st.Session(ctx, "th1")
		if !ss.Active(t0.Add(45*time.Minute)) || ss.NoticePending {
			t.Fatalf("after touch %+v", ss)
		}
		list, _ := st.SessionsOf(ctx, u.ID, t0.Add(time.Minute))
		if len(list) != 1 {
			t.Fatalf("sessions = %d", len(list))
		}
		if err := st.RevokeSession(ctx, ss.ID, u.ID+1, t0, nil); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("revoking someone else's session: %v", err)
		}
		if err := st.RevokeSession(ctx, ss.ID, u.ID, t0.Add(time.Minute), nil); err != nil {
			t.Fatal(err)
		}
		if ss, _ = st.Session(ctx, "th1"); ss.Active(t0.Add(2 * time.Minute)) {
			t.Fatal("revoked session still active")
		}

		// Password history and TOTP step replay.
		if err := st.SetPassword(ctx, u.ID, "h2", false, t0.Add(24*time.Hour), nil); err != nil {
			t.Fatal(err)
		}
		if h, _ := st.PasswordHistory(ctx, u.ID, t0); len(h) != 2 || h[0] != "h2" {
			t.Fatalf("history = %v", h)
		}
		if h, _ := st.PasswordHistory(ctx, u.ID, t0.Add(time.Hour)); len(h) != 1 {
			t.Fatalf("history since = %v", h)
		}
		if err := st.SetTOTPSecret(ctx, u.ID, "SECRET", t0, 100, nil); err != nil {
			t.Fatal(err)
		}
		if ok, _ := st.UseTOTPStep(ctx, u.ID, 100); ok {
			t.Fatal("step reused")
		}
		if ok, _ := st.UseTOTPStep(ctx, u.ID, 101); !ok {
			t.Fatal("next step refused")
		}
		got, _ = st.User(ctx, u.ID)
		if !got.TOTPEnabled || got.TOTPSecret != "SECRET" || got.MustChangePassword {
			t.Fatalf("totp %+v", got)
		}

		// Tokens; disabling revokes sessions and tokens.
		tok, err := st.CreateToken(ctx, auth.APIToken{UserID: u.ID, Name: "script", TokenHash: "tk1", Prefix: "kitei_ab", CreatedAt: t0}, nil)
		if err != nil || tok.ID == 0 {
			t.Fatal(err)
		}
		sess2 := auth.Session{UserID: u.ID, TokenHash: "th2", CreatedAt: t0, LastSeenAt: t0, IdleExpiresAt: t0.Add(time.Hour), ExpiresAt: t0.Add(time.Hour)}
		st.LoginSucceeded(ctx, u.ID, &sess2, nil)
		if err := st.SetDisabled(ctx, u.ID, t0.Add(time.Minute), "left", nil); err != nil {
			t.Fatal(err)
		}
		if tk, _ := st.Token(ctx, "tk1"); tk.RevokedAt.IsZero() {
			t.Fatal("token survives disabling")
		}
		if s2, _ := st.Session(ctx, "th2"); s2.Active(t0.Add(2 * time.Minute)) {
			t.Fatal("session survives disabling")
		}
		got, _ = st.User(ctx, u.ID)
		if !got.Disabled() || got.DisabledReason != "left" {
			t.Fatalf("disabled %+v", got)
		}
		st.SetDisabled(ctx, u.ID, time.Time{}, "", nil)
		if got, _ = st.User(ctx, u.ID); got.Disabled() {
			t.Fatal("still disabled")
		}
		users, _ := st.Users(ctx)
		if len(users) != 1 || users[0].PasswordHash != "" || users[0].TOTPSecret != "" {
			t.Fatalf("users leak secrets: %+v", users)
		}

		// Settings.
		if _, found, _ := st.Setting(ctx, "k"); found {
			t.Fatal("unset setting found")
		}
		st.PutSetting(ctx, "k", `{"a":1}`, t0, nil)
		st.PutSetting(ctx, "k", `{"a":2}`, t0, nil)
		if v, found, _ := st.Setting(ctx, "k"); !found || v != `{"a":2}` {
			t.Fatalf("setting = %q", v)
		}
	})
}
