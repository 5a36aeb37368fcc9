package paging

import (
	"maps"
	"net/http"
	"net/url"
)

// FlashParam is the query parameter a page's one-time message rides on
// after a post (webui.SeeOther); links to other pages of a list drop it so
// the message is not shown again.
const FlashParam = "done"

// NextURL is the URL of the page after this one: r's URL with ?after=next
// (other parameters kept); "" when there is none.
func NextURL(u *url.URL, next string) string {
	if next == "" {
		return ""
	}
	q := u.Query()
	q.Del(FlashParam)
	q.Set("after", next)
	return u.Path + "?" + q.Encode()
}

// FirstURL is the first page of the list u shows, or "" when u is the first.
func FirstURL(u *url.URL) string {
	q := u.Query()
	if q.Get("after") == "" {
		return ""
	}
	q.Del("after")
	q.Del(FlashParam)
	if len(q) == 0 {
		return u.Path
	}
	return u.Path + "?" + q.Encode()
}

// SetHeaders tells an API client where the next page is: a Link header with
// rel="next" and X-Next-Cursor. Nothing is set on the last page.
func SetHeaders(w http.ResponseWriter, r *http.Request, next string) {
	if next == "" {
		return
	}
	w.Header().Set("X-Next-Cursor", next)
	w.Header().Add("Link", "<"+NextURL(r.URL, next)+`>; rel="next"`)
}

// Filters is the query q without the position in the list (after, limit):
// the filters a page passes on to its export links, encoded.
func Filters(q url.Values) string {
	q = maps.Clone(q)
	q.Del("after")
	q.Del("limit")
	return q.Encode()
}
