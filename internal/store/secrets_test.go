package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"kitei/internal/auth"
	"kitei/internal/secrets"
	"kitei/internal/store"
	"kitei/internal/store/storetest"
)

func rawTOTP(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	var v string
	if err := db.R.QueryRow(`SELECT totp_secret FROM users WHERE id = $1`, id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTOTPSecretsAtRest: with a key, the TOTP column holds no plain
// secret; plain secrets from before are sealed on Reseal; rotation moves
// every secret to the new key; a sealed value does not open in another row
// or without its key.
func TestTOTPSecretsAtRest(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := auth.NewService(db.Auth(), nil, nil)
		svc.Hash = auth.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
		old, _, err := svc.CreateUser(ctx, auth.NewUser{Login: "old"})
		if err != nil {
			t.Fatal(err)
		}
		// Enrolled before encryption was turned on: stored plain.
		legacy, err := svc.BeginTOTP(ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rawTOTP(t, db, old.ID) != legacy.Secret {
			t.Fatal("without a key the seed should be stored as before")
		}

		k1 := secrets.NewKey()
		db.Secrets, err = secrets.Parse(k1)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := db.ResealSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("reseal: %d %v", n, err)
		}
		u, _, err := svc.CreateUser(ctx, auth.NewUser{Login: "new"})
		if err != nil {
			t.Fatal(err)
		}
		setup, err := svc.BeginTOTP(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for id, plain := range map[int64]string{old.ID: legacy.Secret, u.ID: setup.Secret} {
			raw := rawTOTP(t, db, id)
			if !secrets.Sealed(raw) || strings.Contains(raw, plain) || strings.Contains(strings.ToUpper(raw), plain) {
				t.Fatalf("column holds %q for seed %q", raw, plain)
			}
		}
		// Reading back gives the same seed (the enrolment page shows the same QR).
		again, err := svc.BeginTOTP(ctx, u.ID)
		if err != nil || again.Secret != setup.Secret {
			t.Fatalf("seed after reading back: %v %v", again, err)
		}

		// Rotation: the new key first, the old one after it.
		k2 := secrets.NewKey()
		db.Secrets, _ = secrets.Parse(k2 + "\n" + k1)
		if n, err := db.ResealSecrets(ctx); err != nil || n != 2 {
			t.Fatalf("rotate: %d %v", n, err)
		}
		db.Secrets, _ = secrets.Parse(k2) // old key removed
		if got, err := db.Auth().User(ctx, old.ID); err != nil || got.TOTPSecret != legacy.Secret {
			t.Fatalf("after rotation: %v", err)
		}
		db.Secrets, _ = secrets.Parse(k1) // only the retired key: the seed reads as none (codes refused)
		if got, err := db.Auth().User(ctx, old.ID); err != nil || got.TOTPSecret != "" {
			t.Fatalf("opened with a retired key: %q %v", got.TOTPSecret, err)
		}
		if _, err := db.Secrets.Open(rawTOTP(t, db, old.ID), "users.totp_secret:1"); !errors.Is(err, secrets.ErrNoKey) {
			t.Fatalf("retired key: %v", err)
		}
		// A sealed seed copied into another row does not open there.
		db.Secrets, _ = secrets.Parse(k2)
		if _, err := db.W.Exec(`UPDATE users SET totp_secret = $1 WHERE id = $2`, rawTOTP(t, db, old.ID), u.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Auth().User(ctx, u.ID); err != nil || got.TOTPSecret != "" {
			t.Fatalf("a seed moved to another account opened: %q %v", got.TOTPSecret, err)
		}
	})
}
