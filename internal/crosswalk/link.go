package crosswalk

import (
	"context"
	"time"

	"kitei/internal/apperr"
)

// Kinds of link: how the requirement on the From side relates to the one
// on the To side.
const (
	KindDerivedFrom = "derived-from" // From was written to implement To
	KindEquivalent  = "equivalent"   // both say the same
	KindRelated     = "related"      // on the same subject, neither implements the other
	KindPartial     = "partial"      // From implements part of To
)

// Audit actions recorded for link changes.
const (
	ActionSuggest = "crosswalk.suggest" // suggestions saved
	ActionConfirm = "crosswalk.confirm" // a link confirmed (one, or in bulk)
	ActionReject  = "crosswalk.reject"
)

// Kinds lists the link kinds in the order forms show them.
var Kinds = []string{KindDerivedFrom, KindEquivalent, KindRelated, KindPartial}

// Statuses of a link.
const (
	StatusSuggested = "suggested" // proposed by text similarity, not reviewed
	StatusConfirmed = "confirmed" // a person agreed
	StatusRejected  = "rejected"  // a person disagreed; never suggested again
)

// Link ties a requirement of one catalog edition to a requirement of
// another. Links are many-to-many: one article may implement several items
// and one item may be implemented by several articles. Refs are the nodes'
// own identifiers in their edition.
type Link struct {
	ID          int64     `json:"id"`
	FromCatalog int64     `json:"from_catalog"`
	FromEdition int64     `json:"from_edition"`
	FromRef     string    `json:"from_ref"`
	ToCatalog   int64     `json:"to_catalog"`
	ToEdition   int64     `json:"to_edition"`
	ToRef       string    `json:"to_ref"`
	Kind        string    `json:"kind"`
	Status      string    `json:"status"`
	Score       float64   `json:"score"` // similarity when suggested, 0 for links made by hand
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"` // when confirmed or rejected
	Note        string    `json:"note,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Validate checks a link before it is stored.
func (l Link) Validate() error {
	switch {
	case l.FromEdition == 0 || l.ToEdition == 0:
		return apperr.E(apperr.Invalid, "crosswalk.err.link_needs_both_editions")
	case l.FromRef == "" || l.ToRef == "":
		return apperr.E(apperr.Invalid, "crosswalk.err.link_needs_both_refs")
	case l.FromEdition == l.ToEdition:
		return apperr.E(apperr.Invalid, "crosswalk.err.link_joins_two_different_catalogs")
	case !validKind(l.Kind):
		return apperr.E(apperr.Invalid, "crosswalk.err.unknown_link_kind", l.Kind)
	case l.Status != StatusSuggested && l.Status != StatusConfirmed && l.Status != StatusRejected:
		return apperr.E(apperr.Invalid, "crosswalk.err.unknown_link_status", l.Status)
	case len([]rune(l.Note)) > 2000:
		return apperr.E(apperr.Invalid, "crosswalk.err.note_too_long_characters_at")
	}
	return nil
}

func validKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Filter selects links. Zero fields match anything.
type Filter struct {
	FromEdition int64
	ToEdition   int64
	FromRef     string
	ToRef       string
	Status      string
	MinScore    float64
}

// Store persists links. Implemented by internal/store. Every change is
// recorded in the audit trail in the same transaction, with the actor on
// ctx.
type Store interface {
	// SaveSuggestions stores suggested links. A pair that already has a
	// link keeps its status, kind and note (a confirmed or rejected link
	// never goes back to suggested); only a suggested link's score is
	// updated. It returns how many links were new.
	SaveSuggestions(ctx context.Context, links []Link) (int, error)
	// PutLink stores l as confirmed or rejected by a person, creating the
	// link when the pair has none. It returns the stored link.
	PutLink(ctx context.Context, l Link) (Link, error)
	// SetStatus confirms or rejects link id; by and at name who and when.
	// It returns apperr NotFound for an unknown id.
	SetStatus(ctx context.Context, id int64, status, kind, note, by string, at time.Time) (Link, error)
	// ConfirmAbove confirms every suggested link between the two editions
	// scoring at least min, and returns how many it confirmed.
	ConfirmAbove(ctx context.Context, fromEdition, toEdition int64, min float64, by string, at time.Time) (int, error)
	// Link returns one link; apperr NotFound when unknown.
	Link(ctx context.Context, id int64) (Link, error)
	// Links returns the links matching f, by from ref then score.
	Links(ctx context.Context, f Filter) ([]Link, error)
}
