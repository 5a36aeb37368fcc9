// Package i18n holds the user-facing message catalogs. Japanese is the
// default language; English is the second. Templates and handlers look up
// messages by key, never by literal text.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
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

// Each language is a folder of catalog files, one per capability
// (messages/ja/selfcheck.json …) plus common.json for the shell. A key may
// appear in only one file of a language.
//
//go:embed messages
var files embed.FS

var catalogs = map[Lang]map[string]string{}

func init() {
	for _, l := range Langs {
		m, err := load(files, "messages/"+string(l))
		if err != nil {
			panic("i18n: " + err.Error())
		}
		catalogs[l] = m
	}
}

// load merges every .json file of dir into one catalog.
func load(fsys fs.FS, dir string) (map[string]string, error) {
	names, err := fs.Glob(fsys, dir+"/*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no catalog files", dir)
	}
	m := map[string]string{}
	from := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		part := map[string]string{}
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		for k, v := range part {
			if prev, dup := from[k]; dup {
				return nil, fmt.Errorf("key %q is in both %s and %s", k, prev, name)
			}
			m[k], from[k] = v, name
		}
	}
	return m, nil
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

// Has reports whether key is in lang's catalog.
func Has(lang Lang, key string) bool { _, ok := catalogs[lang][key]; return ok }

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
