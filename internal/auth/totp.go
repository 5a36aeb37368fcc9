package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: RFC 6238 defaults, which every authenticator app reads.
const (
	totpPeriod = 30
	totpIssuer = "kitei"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPSetup is what the enrolment page shows: the otpauth URI (as text and
// as a QR code PNG data URL) and the secret for manual entry.
type TOTPSetup struct {
	Secret string
	URI    string
	QRPNG  string // data:image/png;base64,…
}

// newTOTPKey builds the key for account from secret (base32); a new random
// secret when empty.
func newTOTPKey(account, secret string) (*otp.Key, error) {
	opts := totp.GenerateOpts{Issuer: totpIssuer, AccountName: account, Period: totpPeriod, SecretSize: 20}
	if secret != "" {
		raw, err := b32.DecodeString(secret)
		if err != nil {
			return nil, err
		}
		opts.Secret = raw
	}
	return totp.Generate(opts)
}

func setupFor(k *otp.Key) (*TOTPSetup, error) {
	img, err := k.Image(220, 220)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &TOTPSetup{Secret: k.Secret(), URI: k.URL(),
		QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// totpStep returns the 30-second step at t.
func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// matchTOTP returns the step whose code equals code, looking one step either
// side of now for clock drift; ok is false when none matches.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != 6 || secret == "" {
		return 0, false
	}
	for _, d := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(d*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return totpStep(t), true
		}
	}
	return 0, false
}
