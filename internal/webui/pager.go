package webui

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"kitei/internal/paging"
)

// Pager is the foot of one paged list on a page: how many rows it shows of
// how many, a link to the next page and one back to the first. Total < 0
// when the list does not count its rows.
type Pager struct {
	Shown int
	Total int
	Next  string // URL of the next page, "" on the last
	First string // URL of the first page, "" on the first
	Label string // what the list is, for the nav's aria-label ("" : a generic one)
}

// NewPager is the pager of a list read with paging from r: next is the
// cursor Cut returned, anchor the id of the list's heading (kept on the
// links so the reader lands on the list again), total -1 if unknown.
func NewPager(r *http.Request, next, anchor string, shown, total int) Pager {
	p := Pager{Shown: shown, Total: total, Next: paging.NextURL(r.URL, next), First: paging.FirstURL(r.URL)}
	if anchor != "" {
		if p.Next != "" {
			p.Next += "#" + anchor
		}
		if p.First != "" {
			p.First += "#" + anchor
		}
	}
	return p
}

// ParamPager is the pager of a list on a page with several, its cursor in
// param: its links change param only, so the other lists stay on their
// pages, drop the last post's message and the parameters in drop (a form
// opened for editing), and land on anchor. u is the page's URL.
func ParamPager(u *url.URL, param, next, anchor string, shown, total int, drop ...string) Pager {
	link := func(cursor string) string {
		q := u.Query()
		q.Del(paging.FlashParam)
		q.Del(param)
		for _, d := range drop {
			q.Del(d)
		}
		if cursor != "" {
			q.Set(param, cursor)
		}
		out := u.Path
		if len(q) > 0 {
			out += "?" + q.Encode()
		}
		return out + "#" + anchor
	}
	p := Pager{Shown: shown, Total: total}
	if next != "" {
		p.Next = link(next)
	}
	if u.Query().Get(param) != "" {
		p.First = link("")
	}
	return p
}

// Pager renders pg: nothing when the list fits on one page.
func (p *Page) Pager(pg Pager) template.HTML {
	if pg.Next == "" && pg.First == "" {
		if pg.Total > 0 && pg.Shown < pg.Total {
			// A list cut without a cursor (a preview): say so.
			return template.HTML(`<p class="pager muted">` + template.HTMLEscapeString(p.T("paging.shown", pg.Shown, pg.Total)) + `</p>`)
		}
		return ""
	}
	label := pg.Label
	if label == "" {
		label = p.T("paging.label")
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<nav class="pager" aria-label="%s">`, template.HTMLEscapeString(label))
	if pg.First != "" {
		fmt.Fprintf(&b, `<a href="%s" rel="first">%s</a> `, template.HTMLEscapeString(pg.First), template.HTMLEscapeString(p.T("paging.first")))
	}
	if pg.Total >= 0 {
		fmt.Fprintf(&b, `<span>%s</span> `, template.HTMLEscapeString(p.T("paging.shown", pg.Shown, pg.Total)))
	}
	if pg.Next != "" {
		fmt.Fprintf(&b, `<a href="%s" rel="next">%s</a>`, template.HTMLEscapeString(pg.Next), template.HTMLEscapeString(p.T("paging.next")))
	}
	b.WriteString(`</nav>`)
	return template.HTML(b.String())
}
