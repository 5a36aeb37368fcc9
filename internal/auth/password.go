package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id cost parameters.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen int
	KeyLen  uint32
}

// DefaultHashParams follow the OWASP recommendation for argon2id
// (19 MiB, two passes, one lane).
var DefaultHashParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// maxPasswordBytes bounds the work an attacker can make one hash cost.
const maxPasswordBytes = 256

// HashPassword returns the PHC-style encoding
// $argon2id$v=19$m=…,t=…,p=…$salt$hash (unpadded standard base64).
func HashPassword(password string, p HashParams) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// VerifyPassword reports whether password matches the encoded hash, using the
// parameters recorded in it and a constant-time comparison.
func VerifyPassword(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	if len(password) > maxPasswordBytes {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Character classes a password may be required to contain.
const (
	classUpper = 1 << iota
	classLower
	classDigit
	classSymbol
)

func classes(pw string) (mask, count int) {
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z' || unicode.IsUpper(r):
			mask |= classUpper
		case r >= 'a' && r <= 'z' || unicode.IsLower(r):
			mask |= classLower
		case r >= '0' && r <= '9':
			mask |= classDigit
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ':
			mask |= classSymbol
		}
	}
	for m := mask; m != 0; m &= m - 1 {
		count++
	}
	return mask, count
}

// PolicyError says which rule a password breaks; Key is a message key of
// the i18n catalogs and Arg its argument.
type PolicyError struct {
	Key string
	Arg int
}

func (e *PolicyError) Error() string {
	switch e.Key {
	case "password.err.short":
		return fmt.Sprintf("the password must have at least %d characters", e.Arg)
	case "password.err.classes":
		return fmt.Sprintf("the password must mix %d of: upper case, lower case, digits, symbols", e.Arg)
	case "password.err.reused":
		return fmt.Sprintf("the password was used within the last %d days", e.Arg)
	case "password.err.login":
		return "the password must not contain the login name"
	case "password.err.long":
		return fmt.Sprintf("the password must not exceed %d bytes", e.Arg)
	case "password.err.same":
		return "the new password must differ from the current one"
	case "password.err.current":
		return "the current password is wrong"
	case "totp.err.code":
		return "the code is wrong or expired"
	case "token.err.name":
		return "give the token a name of at most 100 characters"
	}
	return e.Key
}

// Check tests pw against r for the account named login (the reuse rule is
// checked by the service, which has the history).
func (r Rules) Check(pw, login string) error {
	if len(pw) > maxPasswordBytes {
		return &PolicyError{Key: "password.err.long", Arg: maxPasswordBytes}
	}
	if utf8.RuneCountInString(pw) < r.MinLength {
		return &PolicyError{Key: "password.err.short", Arg: r.MinLength}
	}
	if _, n := classes(pw); n < r.MinClasses {
		return &PolicyError{Key: "password.err.classes", Arg: r.MinClasses}
	}
	if len(login) >= 3 && strings.Contains(strings.ToLower(pw), strings.ToLower(login)) {
		return &PolicyError{Key: "password.err.login", Arg: 0}
	}
	return nil
}

// GeneratePassword returns a random password of n characters (at least 16)
// with every character class, from an alphabet without look-alikes.
func GeneratePassword(n int) (string, error) {
	n = max(n, 16)
	sets := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#%+-=?@_~"}
	all := strings.Join(sets, "")
	pick := func(s string) (byte, error) {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(s))))
		if err != nil {
			return 0, err
		}
		return s[i.Int64()], nil
	}
	out := make([]byte, n)
	for i := range out {
		set := all
		if i < len(sets) {
			set = sets[i]
		}
		c, err := pick(set)
		if err != nil {
			return "", err
		}
		out[i] = c
	}
	// Shuffle so the guaranteed classes are not always in front.
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}
