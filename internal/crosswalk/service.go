package crosswalk

import (
	"context"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/catalog"
)

// Catalogs is what the crosswalk needs from the catalog service.
type Catalogs interface {
	Get(ctx context.Context, id int64) (catalog.Catalog, error)
	Editions(ctx context.Context, id int64) ([]catalog.Edition, error)
	Nodes(ctx context.Context, editionID int64) ([]catalog.Node, error)
}

// Service suggests, stores and reviews links, and builds gap reports and
// edition diffs.
type Service struct {
	store    Store
	catalogs Catalogs
	now      func() time.Time
}

// NewService returns a service over store, reading catalogs from cats.
func NewService(store Store, cats Catalogs) *Service {
	return &Service{store: store, catalogs: cats, now: time.Now}
}

// EditionRef names one edition of a catalog; Number 0 means the latest.
type EditionRef struct {
	Catalog int64
	Number  int
}

// ParseEditionRef reads "3" (latest edition of catalog 3) or "3@2"
// (edition 2 of catalog 3).
func ParseEditionRef(s string) (EditionRef, error) {
	id, num, hasNum := strings.Cut(strings.TrimSpace(s), "@")
	var r EditionRef
	var err error
	if r.Catalog, err = strconv.ParseInt(id, 10, 64); err != nil || r.Catalog <= 0 {
		return r, apperr.E(apperr.BadRequest, "crosswalk.err.catalog_id_use_id_id", s)
	}
	if hasNum {
		if r.Number, err = strconv.Atoi(num); err != nil || r.Number <= 0 {
			return r, apperr.E(apperr.BadRequest, "crosswalk.err.does_name_edition_use_id", s)
		}
	}
	return r, nil
}

func (r EditionRef) String() string {
	if r.Number == 0 {
		return strconv.FormatInt(r.Catalog, 10)
	}
	return strconv.FormatInt(r.Catalog, 10) + "@" + strconv.Itoa(r.Number)
}

// Side is one resolved edition with its nodes.
type Side struct {
	Catalog catalog.Catalog
	Edition catalog.Edition
	Nodes   []catalog.Node
}

// ByRef indexes the side's nodes by ref.
func (s Side) ByRef() map[string]catalog.Node {
	m := make(map[string]catalog.Node, len(s.Nodes))
	for _, n := range s.Nodes {
		m[n.Ref] = n
	}
	return m
}

// Resolve loads the edition r names.
func (s *Service) Resolve(ctx context.Context, r EditionRef) (Side, error) {
	var side Side
	c, err := s.catalogs.Get(ctx, r.Catalog)
	if err != nil {
		return side, err
	}
	side.Catalog, side.Edition = c, c.Latest
	if r.Number != 0 && r.Number != c.Latest.Number {
		eds, err := s.catalogs.Editions(ctx, r.Catalog)
		if err != nil {
			return side, err
		}
		found := false
		for _, e := range eds {
			if e.Number == r.Number {
				side.Edition, found = e, true
			}
		}
		if !found {
			return side, apperr.E(apperr.NotFound, "crosswalk.err.catalog_has_edition", r.Catalog, r.Number)
		}
	}
	side.Nodes, err = s.catalogs.Nodes(ctx, side.Edition.ID)
	return side, err
}

// Suggest proposes links from the requirements of one edition to those of
// another. With save, the suggestions are stored as suggested links (links
// already reviewed keep their status) and the number of new links is
// returned.
func (s *Service) Suggest(ctx context.Context, from, to EditionRef, opt Options, save bool) ([]Suggestion, int, error) {
	fs, err := s.Resolve(ctx, from)
	if err != nil {
		return nil, 0, err
	}
	ts, err := s.Resolve(ctx, to)
	if err != nil {
		return nil, 0, err
	}
	if fs.Edition.ID == ts.Edition.ID {
		return nil, 0, apperr.E(apperr.Invalid, "crosswalk.err.choose_two_different_catalogs_editions")
	}
	sugg := Suggest(fs.Nodes, ts.Nodes, opt)
	if !save {
		return sugg, 0, nil
	}
	links := make([]Link, len(sugg))
	for i, sg := range sugg {
		links[i] = Link{FromCatalog: fs.Catalog.ID, FromEdition: fs.Edition.ID, FromRef: sg.From,
			ToCatalog: ts.Catalog.ID, ToEdition: ts.Edition.ID, ToRef: sg.To,
			Kind: KindDerivedFrom, Status: StatusSuggested, Score: sg.Score}
	}
	n, err := s.store.SaveSuggestions(ctx, links)
	return sugg, n, err
}

// Links returns stored links.
func (s *Service) Links(ctx context.Context, f Filter) ([]Link, error) { return s.store.Links(ctx, f) }

// Link returns one link.
func (s *Service) Link(ctx context.Context, id int64) (Link, error) { return s.store.Link(ctx, id) }

func (s *Service) actor(ctx context.Context) string {
	if a := audit.ActorFrom(ctx); a.Login != "" {
		return a.Login
	}
	return audit.SystemActor
}

// Review confirms or rejects link id (status StatusConfirmed or
// StatusRejected), optionally changing its kind and note.
func (s *Service) Review(ctx context.Context, id int64, status, kind, note string) (Link, error) {
	if status != StatusConfirmed && status != StatusRejected {
		return Link{}, apperr.E(apperr.Invalid, "crosswalk.err.review_confirms_rejects_link")
	}
	if kind != "" && !validKind(kind) {
		return Link{}, apperr.E(apperr.Invalid, "crosswalk.err.unknown_link_kind", kind)
	}
	return s.store.SetStatus(ctx, id, status, kind, strings.TrimSpace(note), s.actor(ctx), s.now().UTC())
}

// Pick records a link chosen by a person (for example a target other than
// the suggestions): from requirement fromRef of edition from to requirement
// toRef of edition to, with status StatusConfirmed or StatusRejected.
// score keeps the similarity when a person confirms a suggestion (0 for a
// target chosen by hand).
func (s *Service) Pick(ctx context.Context, from, to EditionRef, fromRef, toRef, kind, status, note string, score float64) (Link, error) {
	fs, err := s.Resolve(ctx, from)
	if err != nil {
		return Link{}, err
	}
	ts, err := s.Resolve(ctx, to)
	if err != nil {
		return Link{}, err
	}
	if _, ok := fs.ByRef()[fromRef]; !ok {
		return Link{}, apperr.E(apperr.NotFound, "crosswalk.err.node_catalog", fromRef, fs.Catalog.ID)
	}
	if _, ok := ts.ByRef()[toRef]; !ok {
		return Link{}, apperr.E(apperr.NotFound, "crosswalk.err.node_catalog", toRef, ts.Catalog.ID)
	}
	if kind == "" {
		kind = KindDerivedFrom
	}
	if status == "" {
		status = StatusConfirmed
	}
	return s.store.PutLink(ctx, Link{
		FromCatalog: fs.Catalog.ID, FromEdition: fs.Edition.ID, FromRef: fromRef,
		ToCatalog: ts.Catalog.ID, ToEdition: ts.Edition.ID, ToRef: toRef,
		Kind: kind, Status: status, Score: score, ConfirmedBy: s.actor(ctx), ConfirmedAt: s.now().UTC(),
		Note: strings.TrimSpace(note),
	})
}

// ConfirmAbove confirms every suggested link between the two editions
// scoring at least min.
func (s *Service) ConfirmAbove(ctx context.Context, from, to EditionRef, min float64) (int, error) {
	if min <= 0 || min > 1 {
		return 0, apperr.E(apperr.Invalid, "crosswalk.err.score_bulk_confirmation_lies_between")
	}
	fs, err := s.Resolve(ctx, from)
	if err != nil {
		return 0, err
	}
	ts, err := s.Resolve(ctx, to)
	if err != nil {
		return 0, err
	}
	return s.store.ConfirmAbove(ctx, fs.Edition.ID, ts.Edition.ID, min, s.actor(ctx), s.now().UTC())
}
