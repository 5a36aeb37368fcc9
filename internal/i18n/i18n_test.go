package i18n

import (
	"net/http/httptest"
	"sort"
	"testing"
)

func TestCatalogsHaveSameKeys(t *testing.T) {
	ja, en := Keys(Ja), Keys(En)
	sort.Strings(ja)
	sort.Strings(en)
	seen := map[string]bool{}
	for _, k := range en {
		seen[k] = true
	}
	for _, k := range ja {
		if !seen[k] {
			t.Errorf("key %q missing in English", k)
		}
		delete(seen, k)
	}
	for k := range seen {
		t.Errorf("key %q missing in Japanese", k)
	}
}

func TestTFallsBackAndFormats(t *testing.T) {
	if got := T(En, "home.catalogs.count", 3); got != "Catalogs loaded: 3" {
		t.Errorf("got %q", got)
	}
	if got := T(Ja, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key gave %q", got)
	}
}

func TestFromRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "/?lang=en", nil)
	if FromRequest(r) != En {
		t.Error("?lang=en not honoured")
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "en-US")
	if FromRequest(r) != Ja {
		t.Error("default must be Japanese")
	}
	r.AddCookie(&httpCookie)
	if FromRequest(r) != En {
		t.Error("cookie not honoured")
	}
}
