// Package secrets encrypts secrets kitei must be able to read back (TOTP
// seeds; OIDC client secrets and SMTP passwords if they are ever stored)
// with AES-256-GCM under a key kept outside the store: in a file
// (KITEI_SECRET_KEY_FILE) or the environment (KITEI_SECRET_KEY).
//
// A sealed value reads "enc:v1:KEYID:BASE64(nonce|ciphertext)"; KEYID names
// the key (the first 8 hex digits of its SHA-256), so a key file may hold
// the new key first and older keys after it while `kitei secrets rotate`
// re-encrypts everything under the new one. The additional data binds a
// value to its place (e.g. "users.totp_secret:42"), so a sealed secret
// copied into another row does not open.
//
// Without the key the sealed secrets cannot be read: every TOTP enrolment
// must then be reset (see README § Secrets at rest).
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

const prefix = "enc:v1:"

// ErrNoKey: a sealed value was read but no key (or not its key) is loaded.
var ErrNoKey = errors.New("secrets: the value is encrypted with a key kitei was not given (KITEI_SECRET_KEY_FILE or KITEI_SECRET_KEY)")

// Keyring seals with its first key and opens with any of its keys.
type Keyring struct {
	ids  []string
	aead map[string]cipher.AEAD
}

// Sealed reports whether v is a sealed value.
func Sealed(v string) bool { return strings.HasPrefix(v, prefix) }

// NewKey returns a new random key, base64 encoded.
func NewKey() string {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(k)
}

// Parse reads keys (base64 of 32 bytes), one per line, the first being the
// one new values are sealed with; blank lines and # comments are skipped.
func Parse(text string) (*Keyring, error) {
	kr := &Keyring{aead: map[string]cipher.AEAD{}}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(raw) != 32 {
			return nil, errors.New("secrets: a key must be 32 random bytes in base64 (kitei secrets keygen)")
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(raw)
		id := hex.EncodeToString(sum[:4])
		if _, dup := kr.aead[id]; !dup {
			kr.ids = append(kr.ids, id)
			kr.aead[id] = gcm
		}
	}
	if len(kr.ids) == 0 {
		return nil, errors.New("secrets: no key given")
	}
	return kr, nil
}

// FromEnv loads the keyring from KITEI_SECRET_KEY_FILE or KITEI_SECRET_KEY;
// nil (and no error) when neither is set.
func FromEnv(getenv func(string) string) (*Keyring, error) {
	if f := getenv("KITEI_SECRET_KEY_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		return Parse(string(b))
	}
	if k := getenv("KITEI_SECRET_KEY"); k != "" {
		return Parse(strings.ReplaceAll(k, ",", "\n"))
	}
	return nil, nil
}

// Primary is the id of the key new values are sealed with.
func (k *Keyring) Primary() string { return k.ids[0] }

// Seal encrypts plain under the primary key, bound to where (the place the
// value is stored). The empty string stays empty.
func (k *Keyring) Seal(plain, where string) (string, error) {
	if plain == "" {
		return "", nil
	}
	id := k.ids[0]
	g := k.aead[id]
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := g.Seal(nonce, nonce, []byte(plain), []byte(where))
	return prefix + id + ":" + base64.RawStdEncoding.EncodeToString(ct), nil
}

// Open decrypts a sealed value; a value that is not sealed (written before
// encryption was turned on) is returned as it is.
func (k *Keyring) Open(v, where string) (string, error) {
	if !Sealed(v) {
		return v, nil
	}
	if k == nil {
		return "", ErrNoKey
	}
	id, b64, ok := strings.Cut(strings.TrimPrefix(v, prefix), ":")
	g := k.aead[id]
	if !ok || g == nil {
		return "", ErrNoKey
	}
	ct, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(ct) < g.NonceSize() {
		return "", errors.New("secrets: malformed sealed value")
	}
	plain, err := g.Open(nil, ct[:g.NonceSize()], ct[g.NonceSize():], []byte(where))
	if err != nil {
		return "", errors.New("secrets: the sealed value does not open (tampered, or moved to another row)")
	}
	return string(plain), nil
}

// Current reports whether v is sealed under the primary key.
func (k *Keyring) Current(v string) bool {
	return strings.HasPrefix(v, prefix+k.ids[0]+":")
}
