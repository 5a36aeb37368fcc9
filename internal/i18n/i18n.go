// Package i18n holds the user-facing message catalogs. Japanese is the
// default language; English is the second. Templates and handlers look up
// messages by key, never by literal text.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Lang is a supported language code.
type Lang string

const (
	Ja Lang = "ja"
	En Lang = "en"
)

// Default is the language used when the user has chosen none.
const Default = Ja

// Langs lists the supported languages in menu order.
var Langs = []Lang{Ja, En}

//go:embed messages/*.json
var files embed.FS

var catalogs = map[Lang]map[string]string{}

func init() {
	for _, l := range Langs {
		b, err := files.ReadFile("messages/" + string(l) + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n: messages/%s.json: %v", l, err))
		}
		catalogs[l] = m
	}
}

// Parse returns the supported language named by s, or the default.
func Parse(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, l := range Langs {
		if s == string(l) || strings.HasPrefix(s, string(l)+"-") {
			return l
		}
	}
	return Default
}

// T returns the message for key in lang, formatted with args like fmt.Sprintf.
// A key missing in lang falls back to Japanese, then to the key itself so a
// gap is visible rather than blank.
func T(lang Lang, key string, args ...any) string {
	msg, ok := catalogs[lang][key]
	if !ok {
		if msg, ok = catalogs[Default][key]; !ok {
			msg = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Keys returns every key of lang's catalog (for tests that compare catalogs).
func Keys(lang Lang) []string {
	out := make([]string, 0, len(catalogs[lang]))
	for k := range catalogs[lang] {
		out = append(out, k)
	}
	return out
}

// CookieName is the cookie that remembers the chosen language.
const CookieName = "kitei_lang"

// FromRequest picks the language: ?lang=, then the cookie, then Japanese.
// Accept-Language is deliberately not consulted: kitei is Japanese first,
// and English is an explicit choice.
func FromRequest(r *http.Request) Lang {
	if q := r.URL.Query().Get("lang"); q != "" {
		return Parse(q)
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return Parse(c.Value)
	}
	return Default
}
