package webui

import (
	"net/url"
	"sort"
	"time"

	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/wareki"
)

// Page is what every template receives.
type Page struct {
	Lang    i18n.Lang
	Title   string
	Path    string // current path with query, for the language switch
	Nav     string // active navigation entry (NavEntry.Key)
	Version string
	Flash   string
	Error   string
	Data    any
	// Base is the catalog URL node links hang off ("/catalogs/3"), and
	// EditionQuery pins an older edition ("?edition=2"), empty for the latest.
	Base         string
	EditionQuery string
	// Me is the signed-in user (nil on the sign-in page); Notice the
	// last-sign-in notice shown once after signing in.
	Me         *authz.Principal
	Notice     string
	NoticeWarn bool
	// DateStyle is how the reader wants dates shown (西暦 or 和暦).
	DateStyle wareki.Style

	nav []NavEntry
}

// Date shows a day or a time (time.Time or "2006-01-02") in the reader's
// style: 2025-04-01 or 令和7年4月1日. Exports and the API never use it.
func (p *Page) Date(v any) string {
	if t, ok := v.(time.Time); ok && !t.IsZero() {
		v = t.In(Zone)
	}
	return wareki.Format(p.DateStyle, v)
}

// Zone is the time zone of times shown on pages (Japan).
var Zone = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return l
	}
	return time.FixedZone("JST", 9*3600)
}()

// FY names a fiscal year in the reader's style: 2025年度 or 令和7年度.
func (p *Page) FY(fy int) string {
	if p.DateStyle == wareki.Japanese {
		return wareki.FiscalYear(fy)
	}
	return p.T("yearly.fy.value", fy)
}

// T translates key into the page's language.
func (p *Page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// OtherLang is the language the switch link offers.
func (p *Page) OtherLang() i18n.Lang {
	if p.Lang == i18n.Ja {
		return i18n.En
	}
	return i18n.Ja
}

// NodeURL links to a node of the catalog the page shows.
func (p *Page) NodeURL(ref string) string {
	return p.Base + "/nodes/" + url.PathEscape(ref) + p.EditionQuery
}

// NavEntry is one link of the main navigation. It shows when the signed-in
// person holds any of Perms (none: every signed-in person).
type NavEntry struct {
	Key   string // matches Page.Nav on the capability's pages
	Href  string
	Label string // message key
	Order int    // position, lower first
	Perms []authz.Permission
}

// NavItems are the navigation entries the signed-in person may use, in
// order.
func (p *Page) NavItems() []NavEntry {
	if p.Me == nil {
		return nil
	}
	var out []NavEntry
	for _, e := range p.nav {
		if len(e.Perms) == 0 {
			out = append(out, e)
			continue
		}
		for _, perm := range e.Perms {
			if p.Me.Can(perm) {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

func sortNav(entries []NavEntry) []NavEntry {
	out := append([]NavEntry(nil), entries...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}
