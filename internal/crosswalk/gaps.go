package crosswalk

import (
	"context"

	"kitei/internal/catalog"
)

// GapOptions tune a coverage-gap report.
type GapOptions struct {
	// Suggested, when above 0, lets a suggestion scoring at least this much
	// cover a parent requirement: stored suggested links, and suggestions
	// computed now from the child catalog (not stored). Rejected links never
	// cover. With 0 only confirmed links count.
	Suggested float64
}

// GapReport lists the requirements of a parent catalog that no requirement
// of a derived (child) catalog covers, section by section.
type GapReport struct {
	Parent    Summary      `json:"parent"`
	Child     Summary      `json:"child"`
	Suggested float64      `json:"suggested"` // GapOptions.Suggested used
	Total     int          `json:"total"`     // parent requirements
	Covered   int          `json:"covered"`
	Sections  []GapSection `json:"sections"`
}

// GapSection is one section of the parent catalog.
type GapSection struct {
	Ref     string `json:"ref"`
	Title   string `json:"title"`
	Total   int    `json:"total"`
	Covered int    `json:"covered"`
	Gaps    []Gap  `json:"gaps"`
}

// Gap is one parent requirement nothing covers.
type Gap struct {
	Ref     string `json:"ref"`
	Text    string `json:"text"`
	Subject string `json:"subject,omitempty"`
	// Best is the closest child requirement and its score when there is a
	// suggestion below the bar (a hint for the reviewer), empty otherwise.
	Best      string  `json:"best,omitempty"`
	BestScore float64 `json:"best_score,omitempty"`
}

// Gaps builds the coverage-gap report of parent against child: links are
// read from child (From side) to parent (To side).
func (s *Service) Gaps(ctx context.Context, parent, child EditionRef, opt GapOptions) (GapReport, error) {
	var r GapReport
	p, err := s.Resolve(ctx, parent)
	if err != nil {
		return r, err
	}
	c, err := s.Resolve(ctx, child)
	if err != nil {
		return r, err
	}
	links, err := s.store.Links(ctx, Filter{FromEdition: c.Edition.ID, ToEdition: p.Edition.ID})
	if err != nil {
		return r, err
	}
	var live []Suggestion
	if opt.Suggested > 0 {
		live = Suggest(c.Nodes, p.Nodes, Options{Top: 3})
	}
	r = BuildGaps(p.Nodes, links, live, opt)
	r.Parent, r.Child = summarize(p), summarize(c)
	return r, nil
}

// BuildGaps computes the report from the parent's nodes, stored links
// (child → parent) and suggestions computed now (child → parent).
func BuildGaps(parent []catalog.Node, links []Link, live []Suggestion, opt GapOptions) GapReport {
	r := GapReport{Suggested: opt.Suggested, Sections: []GapSection{}}
	type pair struct{ from, to string }
	rejected := map[pair]bool{}
	covered := map[string]bool{}
	best := map[string]Suggestion{}
	hint := func(to, from string, score float64) {
		if b, ok := best[to]; !ok || score > b.Score {
			best[to] = Suggestion{From: from, To: to, Score: score}
		}
	}
	for _, l := range links {
		switch l.Status {
		case StatusRejected:
			rejected[pair{l.FromRef, l.ToRef}] = true
		case StatusConfirmed:
			covered[l.ToRef] = true
		case StatusSuggested:
			if opt.Suggested > 0 && l.Score >= opt.Suggested {
				covered[l.ToRef] = true
			} else {
				hint(l.ToRef, l.FromRef, l.Score)
			}
		}
	}
	for _, sg := range live {
		if rejected[pair{sg.From, sg.To}] {
			continue
		}
		if opt.Suggested > 0 && sg.Score >= opt.Suggested {
			covered[sg.To] = true
		} else {
			hint(sg.To, sg.From, sg.Score)
		}
	}

	byRef := make(map[string]int, len(parent))
	for i, n := range parent {
		byRef[n.Ref] = i
	}
	secIndex := map[string]int{}
	for _, n := range parent {
		if !n.Requirement {
			continue
		}
		sec := sectionOf(parent, byRef, n)
		si, ok := secIndex[sec.Ref]
		if !ok {
			si = len(r.Sections)
			secIndex[sec.Ref] = si
			r.Sections = append(r.Sections, GapSection{Ref: sec.Ref, Title: sec.Title, Gaps: []Gap{}})
		}
		gs := &r.Sections[si]
		gs.Total++
		r.Total++
		if covered[n.Ref] {
			gs.Covered++
			r.Covered++
			continue
		}
		g := Gap{Ref: n.Ref, Text: n.Text, Subject: n.Subject}
		if b, ok := best[n.Ref]; ok {
			g.Best, g.BestScore = b.From, b.Score
		}
		gs.Gaps = append(gs.Gaps, g)
	}
	return r
}

// sectionOf returns the nearest enclosing section (or chapter, or part) of
// n; a zero node when it has none.
func sectionOf(nodes []catalog.Node, byRef map[string]int, n catalog.Node) catalog.Node {
	for p, ok := byRef[n.Parent]; ok; p, ok = byRef[nodes[p].Parent] {
		switch nodes[p].Kind {
		case catalog.KindSection, catalog.KindChapter, catalog.KindPart:
			return nodes[p]
		}
	}
	return catalog.Node{}
}
