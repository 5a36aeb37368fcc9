package store_test

import (
	"context"
	"kitei/internal/authz"
	"testing"

	"kitei/internal/auth"
	"kitei/internal/org"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

// TestLeaverDisabledSameDay: a person marked as left in the directory (by
// an import or the pages) has their account disabled by the leavers job,
// with their sessions and tokens, even if nobody uses them.
func TestLeaverDisabledSameDay(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		orgs := org.NewService(db.Org())
		svc := auth.NewService(db.Auth(), orgs, nil)
		svc.Hash = auth.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
		u, err := orgs.CreateUnit(ctx, authz.System, org.Unit{Code: "A", Name: "総務部"})
		if err != nil {
			t.Fatal(err)
		}
		var accs []auth.User
		for _, no := range []string{"E1", "E2"} {
			p, err := orgs.CreatePerson(ctx, authz.System, org.Person{EmployeeNo: no, Name: "x " + no, UnitID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
			acc, _, err := svc.CreateUser(ctx, auth.NewUser{Login: "u" + no, PersonID: p.ID})
			if err != nil {
				t.Fatal(err)
			}
			accs = append(accs, acc)
		}
		res, err := svc.LoginExternal(ctx, auth.External{Method: "oidc:t", PersonID: accs[0].PersonID, MFA: true}, auth.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := orgs.Person(ctx, accs[0].PersonID)
		p.Status = org.StatusLeft
		if _, err := orgs.UpdatePerson(ctx, authz.System, p); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.DisableLeavers(ctx); err != nil || n != 1 {
			t.Fatalf("leavers: %d %v", n, err)
		}
		got, _ := svc.User(ctx, accs[0].ID)
		if !got.Disabled() || got.DisabledReason != "left" {
			t.Fatalf("leaver's account: %+v", got)
		}
		if ss, _ := db.Auth().Session(ctx, auth.HashToken(res.Token)); ss.RevokedAt.IsZero() {
			t.Fatal("leaver's session not revoked")
		}
		if other, _ := svc.User(ctx, accs[1].ID); other.Disabled() {
			t.Fatal("a colleague's account was disabled")
		}
		if n, _ := svc.DisableLeavers(ctx); n != 0 {
			t.Fatalf("second run disabled %d", n)
		}
	})
}
