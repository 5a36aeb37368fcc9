package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"kitei/internal/apperr"
	"kitei/internal/auth"
)

// Provider is one configured OpenID provider. Discovery happens at first
// use (and again after a failure), so kitei starts even when the provider
// is unreachable.
type Provider struct {
	Config   ProviderConfig
	redirect string
	// Now is the clock the ID token's expiry is checked against (nil: time.Now).
	Now func() time.Time
	// Client makes the requests to the provider (nil: http.DefaultClient).
	Client *http.Client

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *gooidc.IDTokenVerifier
}

// NewProvider returns the provider c; redirect is the callback URL kitei
// registered there.
func NewProvider(c ProviderConfig, baseURL string) *Provider {
	return &Provider{Config: c, redirect: baseURL + "/login/oidc/" + c.Name + "/callback"}
}

func (p *Provider) ctx(ctx context.Context) context.Context {
	if p.Client != nil {
		return gooidc.ClientContext(ctx, p.Client)
	}
	return ctx
}

func (p *Provider) discover(ctx context.Context) (*oauth2.Config, *gooidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oauth != nil {
		return p.oauth, p.verifier, nil
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// The key set fetched later must outlive this request's context.
	prov, err := gooidc.NewProvider(p.ctx(dctx), p.Config.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc %s: discovery: %w", p.Config.Name, err)
	}
	now := p.Now
	if now == nil {
		now = time.Now
	}
	// Verification keys are fetched with a background context so a
	// cancelled request does not poison the cache.
	kctx := p.ctx(context.Background())
	keys := gooidc.NewRemoteKeySet(kctx, jwksURL(prov))
	p.verifier = gooidc.NewVerifier(p.Config.Issuer, keys, &gooidc.Config{ClientID: p.Config.ClientID, Now: now,
		SupportedSigningAlgs: []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "EdDSA"}})
	p.oauth = &oauth2.Config{ClientID: p.Config.ClientID, ClientSecret: p.Config.clientSecret, Endpoint: prov.Endpoint(),
		RedirectURL: p.redirect, Scopes: p.Config.Scopes}
	return p.oauth, p.verifier, nil
}

func jwksURL(prov *gooidc.Provider) string {
	var c struct {
		JWKS string `json:"jwks_uri"`
	}
	_ = prov.Claims(&c)
	return c.JWKS
}

// AuthURL is where the browser goes to sign in: state, nonce and the PKCE
// S256 challenge of verifier.
func (p *Provider) AuthURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	oc, _, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	return oc.AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange redeems the authorization code (with the PKCE verifier) and
// returns the raw ID token.
func (p *Provider) Exchange(ctx context.Context, code, verifier string) (string, error) {
	oc, _, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	tok, err := oc.Exchange(p.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return "", fmt.Errorf("oidc %s: code exchange: %w", p.Config.Name, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", fmt.Errorf("oidc %s: the token response has no id_token", p.Config.Name)
	}
	return raw, nil
}

// Claims are what kitei reads from a verified ID token.
type Claims struct {
	Subject string
	Person  string // the value of the person claim
	Groups  []string
	AMR     []string
	ACR     string
	MFA     bool
}

// ErrRefused is a token kitei does not accept: bad signature, other
// audience or issuer, expired, wrong nonce, no person claim.
var ErrRefused = apperr.E(apperr.Unauthorized, "oidc.err.token")

// Verify checks raw (signature, issuer, audience, expiry, nonce) and reads
// its claims. nonce "" skips the nonce check (only for tokens not from a
// browser flow).
func (p *Provider) Verify(ctx context.Context, raw, nonce string) (Claims, error) {
	_, v, err := p.discover(ctx)
	if err != nil {
		return Claims{}, err
	}
	idt, err := v.Verify(p.ctx(ctx), raw)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Claims{}, fmt.Errorf("%w: nonce does not match", ErrRefused)
	}
	var m map[string]any
	if err := idt.Claims(&m); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	c := Claims{Subject: idt.Subject, AMR: strings1(m["amr"]), ACR: str(m["acr"])}
	c.Person = strings.TrimSpace(str(m[p.Config.PersonClaim]))
	if c.Person == "" {
		return c, fmt.Errorf("%w: no %s claim", ErrRefused, p.Config.PersonClaim)
	}
	if p.Config.PersonClaim == "email" {
		if ev, ok := m["email_verified"].(bool); ok && !ev {
			return c, fmt.Errorf("%w: the e-mail address is not verified", ErrRefused)
		}
	}
	if p.Config.GroupsClaim != "" {
		c.Groups = strings1(m[p.Config.GroupsClaim])
	}
	for _, a := range c.AMR {
		if slices.Contains(p.Config.MFAAMR, a) {
			c.MFA = true
		}
	}
	if c.ACR != "" && slices.Contains(p.Config.MFAACR, c.ACR) {
		c.MFA = true
	}
	return c, nil
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strings.TrimSuffix(fmt.Sprintf("%f", x), ".000000")
	}
	return ""
}

func strings1(v any) []string {
	switch x := v.(type) {
	case string:
		return strings.Fields(x)
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ErrUnknownPerson: the claim names nobody in kitei's directory.
var ErrUnknownPerson = apperr.E(apperr.Unauthorized, "oidc.err.unknown")

// Identify turns verified claims into the person kitei signs in.
func (p *Provider) Identify(ctx context.Context, svc *auth.Service, c Claims) (auth.External, error) {
	ext := auth.External{Method: "oidc:" + p.Config.Name, MFA: c.MFA}
	var err error
	if p.Config.Match == "email" {
		ext.PersonID, err = svc.PersonByEmail(ctx, c.Person)
	} else {
		ext.PersonID, err = svc.PersonByEmployeeNo(ctx, c.Person)
	}
	if apperr.Is(err, apperr.NotFound) {
		return ext, ErrUnknownPerson
	}
	if err != nil {
		return ext, err
	}
	for _, g := range c.Groups {
		for _, r := range p.Config.GroupRoles[g] {
			if !slices.Contains(ext.Roles, r) {
				ext.Roles = append(ext.Roles, r)
			}
		}
	}
	return ext, nil
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
