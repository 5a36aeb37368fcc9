// Package oidc signs people in to kitei through their organisation's
// OpenID provider (Entra ID, Keycloak, an agency IdP): the authorization
// code flow with PKCE (S256), state and nonce, and an ID token verified by
// coreos/go-oidc (signature against the provider's published keys, issuer,
// audience = kitei's client id, expiry). A claim names the person —
// employee number or e-mail — and must match exactly one person of kitei's
// directory who has an account; an optional group claim maps to kitei
// roles for the session. When the token's amr/acr says the provider asked
// for a second factor it counts as kitei's; otherwise kitei asks for TOTP.
//
// Providers are configuration: a YAML file named by KITEI_OIDC_CONFIG
// (see README § Sign-in through an OpenID provider). Client secrets come
// from a file or an environment variable, never from the YAML itself.
package oidc

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"kitei/internal/authz"
)

// Config is the KITEI_OIDC_CONFIG file.
type Config struct {
	// BaseURL is kitei's external URL (https://kitei.example.jp); the
	// redirect URI registered at the provider is BaseURL/login/oidc/NAME/callback.
	BaseURL string `yaml:"base_url"`
	// LocalLogin false turns password sign-in off for everyone but the
	// BreakGlass logins (default true).
	LocalLogin *bool            `yaml:"local_login"`
	BreakGlass []string         `yaml:"break_glass"`
	Providers  []ProviderConfig `yaml:"providers"`
}

// ProviderConfig is one OpenID provider.
type ProviderConfig struct {
	Name             string   `yaml:"name"`  // in URLs: [a-z0-9-]
	Label            string   `yaml:"label"` // the button text
	Issuer           string   `yaml:"issuer"`
	ClientID         string   `yaml:"client_id"`
	ClientSecretFile string   `yaml:"client_secret_file"`
	ClientSecretEnv  string   `yaml:"client_secret_env"`
	Scopes           []string `yaml:"scopes"` // default openid, email, profile
	// PersonClaim names the person (default "email"); Match says which
	// directory field it is compared with: "email" or "employee_no"
	// (default: email when the claim is "email", else employee_no).
	PersonClaim string `yaml:"person_claim"`
	Match       string `yaml:"match"`
	// GroupsClaim (optional) lists the person's groups; GroupRoles maps a
	// group to kitei role keys for the session.
	GroupsClaim string              `yaml:"groups_claim"`
	GroupRoles  map[string][]string `yaml:"group_roles"`
	// MFAAMR: amr values that mean a second factor was used (default mfa,
	// otp, hwk, swk, sc, fpt, face, iris, retina); MFAACR: acr values that do.
	MFAAMR []string `yaml:"mfa_amr"`
	MFAACR []string `yaml:"mfa_acr"`

	clientSecret string
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// DefaultMFAAMR are the RFC 8176 methods that are a second factor or
// include one.
var DefaultMFAAMR = []string{"mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina"}

// Load reads and checks the configuration file.
func Load(path string, getenv func(string) string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oidc config: %w", err)
	}
	var c Config
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("oidc config %s: %w", path, err)
	}
	return &c, c.check(getenv)
}

func (c *Config) check(getenv func(string) string) error {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !strings.HasPrefix(c.BaseURL, "https://") && !strings.HasPrefix(c.BaseURL, "http://") {
		return errors.New("oidc config: base_url must be kitei's external URL (https://…)")
	}
	if len(c.Providers) == 0 {
		return errors.New("oidc config: no providers")
	}
	seen := map[string]bool{}
	for i := range c.Providers {
		p := &c.Providers[i]
		if !nameRE.MatchString(p.Name) || seen[p.Name] {
			return fmt.Errorf("oidc config: provider name %q: use a unique name of a-z, 0-9 and -", p.Name)
		}
		seen[p.Name] = true
		if p.Issuer == "" || p.ClientID == "" {
			return fmt.Errorf("oidc config: provider %s needs issuer and client_id", p.Name)
		}
		if p.Label == "" {
			p.Label = p.Name
		}
		switch {
		case p.ClientSecretFile != "":
			s, err := os.ReadFile(p.ClientSecretFile)
			if err != nil {
				return fmt.Errorf("oidc config: provider %s: %w", p.Name, err)
			}
			p.clientSecret = strings.TrimSpace(string(s))
		case p.ClientSecretEnv != "":
			p.clientSecret = getenv(p.ClientSecretEnv)
			if p.clientSecret == "" {
				return fmt.Errorf("oidc config: provider %s: %s is empty", p.Name, p.ClientSecretEnv)
			}
		}
		if p.PersonClaim == "" {
			p.PersonClaim = "email"
		}
		if p.Match == "" {
			p.Match = "employee_no"
			if p.PersonClaim == "email" {
				p.Match = "email"
			}
		}
		if p.Match != "email" && p.Match != "employee_no" {
			return fmt.Errorf("oidc config: provider %s: match must be email or employee_no", p.Name)
		}
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"openid", "email", "profile"}
		}
		if len(p.MFAAMR) == 0 {
			p.MFAAMR = DefaultMFAAMR
		}
		for g, roles := range p.GroupRoles {
			for _, r := range roles {
				if !knownRole(r) {
					return fmt.Errorf("oidc config: provider %s: group %q maps to %q, which is not a kitei role (or is tied to a system)", p.Name, g, r)
				}
			}
		}
	}
	return nil
}

func knownRole(key string) bool {
	for _, r := range authz.Builtin {
		if r.Key == key && r.Scope != "system" {
			return true
		}
	}
	return false
}

// Local says whether password sign-in stays on, and for whom when not.
func (c *Config) Local() (on bool, breakGlass map[string]bool) {
	breakGlass = map[string]bool{}
	for _, l := range c.BreakGlass {
		breakGlass[strings.ToLower(strings.TrimSpace(l))] = true
	}
	return c.LocalLogin == nil || *c.LocalLogin, breakGlass
}

// WithSecret returns c with its client secret set (for tests and callers
// that read the secret themselves).
func (c ProviderConfig) WithSecret(secret string) ProviderConfig {
	c.clientSecret = secret
	return c
}
