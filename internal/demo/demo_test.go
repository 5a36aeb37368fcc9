package demo

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"kitei/internal/app"
	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/org"
	"kitei/internal/store/storetest"
)

// The demo fills an empty store (people, accounts with one-time
// passwords) and refuses a store that already holds an organisation,
// changing nothing.
func TestFillOnlyAnEmptyStore(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	a := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer a.Close()
	if err := a.Org.EnsureBuiltinRoles(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := Fill(ctx, a, Options{People: 120})
	if err != nil {
		t.Fatal(err)
	}
	if res.People != 120 || res.Units < 10 || len(res.Accounts) < 5 || res.Accounts[0].Password == "" {
		t.Fatalf("result = %+v", res)
	}
	if _, err := Fill(ctx, a, Options{People: 120}); apperr.KeyOf(err) != "demo.err.not_empty" {
		t.Fatalf("second fill: %v", err)
	}
	if _, n, err := a.Org.People(ctx, org.PersonFilter{Scope: authz.Everywhere}); err != nil || n != 120 {
		t.Fatalf("after the refusal %d people (%v), want the 120 of the first fill", n, err)
	}
}
