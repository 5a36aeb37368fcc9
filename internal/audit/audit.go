// Package audit is kitei's tamper-evident audit trail: every sign-in, failed
// sign-in, change of a record and denied permission decision becomes one
// Event in a single hash chain.
//
// # The chain
//
// Events are numbered 1, 2, 3 … without gaps (Seq). Each event stores the
// hash of the one before it (PrevHash; Genesis for the first) and its own
// Hash, the SHA-256 of its canonical encoding (see Encode), which covers
// every field including PrevHash. Changing an event breaks its own hash;
// deleting or moving one breaks the sequence and the link of the next. A
// separate one-row chain head (last Seq and Hash), updated in the same
// transaction as each append, catches what the chain alone cannot: the last
// entries deleted. Verify walks the chain and names the first bad entry.
//
// The chain shows changes made behind kitei's back; it cannot stop someone
// who can write the database and recomputes every hash after an edit. Keep
// the head hash that `kitei audit verify` prints somewhere else (a ticket, a
// printed report) to anchor the chain at that point.
//
// # Who did it
//
// Code that changes records does not pass the actor around: the web layer
// puts the signed-in person on the request context with WithActor, and the
// store reads it with ActorFrom when it appends the event inside the same
// transaction as the change. Without an actor on the context, events are
// recorded as "system" (the CLI, background jobs).
//
// # Writing events
//
// Inside a store transaction, use store.AppendAudit so the change and its
// event commit together. Elsewhere (sign-in, denied permissions) use a
// Recorder.
package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kitei/internal/apperr"
	"kitei/internal/paging"
)

// Genesis is the PrevHash of the first event.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeLayout is how At is stored and hashed: UTC, microseconds, fixed width
// so that text comparison orders times correctly.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// SystemActor is the actor of events written without a signed-in person.
const SystemActor = "system"

// Actions kitei records. Capabilities add their own in the same
// "area.verb" form.
const (
	ActionLogin         = "auth.login"
	ActionLoginFailed   = "auth.login_failed"
	ActionLogout        = "auth.logout"
	ActionDeny          = "authz.deny"
	ActionCatalogImport = "catalog.import"
	ActionUserCreate    = "user.create"
)

// Event is one entry of the audit trail.
type Event struct {
	Seq        int64     // position in the chain, from 1, assigned on append
	At         time.Time // when, UTC with microseconds
	Actor      string    // login of the person, or "system"
	ActorID    int64     // person id, 0 for system
	Action     string    // "auth.login", "catalog.import", …
	ObjectType string    // kind of record touched ("catalog", "user"), may be empty
	ObjectID   string    // its id, may be empty
	UnitID     int64     // organisational unit concerned, 0 for none
	IP         string    // client address, empty for the CLI and jobs
	Detail     string    // a JSON object with the specifics ("{}" when none)
	PrevHash   string    // Hash of the previous event, Genesis for the first
	Hash       string    // hex SHA-256 of Encode()
}

// Head is the chain head record: the last event's Seq and Hash.
type Head struct {
	Seq  int64
	Hash string
}

// ErrNoHead is returned by Store.Iterate when the chain head record is gone.
var ErrNoHead = errors.New("the audit chain head record is missing")

// Filter selects events for List and Count. Zero fields match everything.
type Filter struct {
	From, To   time.Time // From inclusive, To exclusive
	Actor      string    // exact login
	Action     string    // action or dotted prefix: "auth" matches "auth.login" but not "authz.deny"
	ObjectType string
	ObjectID   string
	// After is the last event of the previous page (see Cursor): List
	// returns the events after it in its newest-first order.
	After  paging.Cursor
	Limit  int // 0: no limit; for Count, the most it counts
	Offset int
}

// Filtered reports whether f selects anything but the whole trail.
func (f Filter) Filtered() bool {
	return !f.From.IsZero() || !f.To.IsZero() || f.Actor != "" || f.Action != "" || f.ObjectType != "" || f.ObjectID != ""
}

// ByTime reports whether List orders f's events by their time (newest
// first, then by Seq) rather than by Seq alone: when f selects a period and
// no actor or object (whose indexes are ordered by Seq), so that a page of a
// period long ago reads that period only. The two orders differ only for
// events appended concurrently or written with a time of their own.
func (f Filter) ByTime() bool {
	return (!f.From.IsZero() || !f.To.IsZero()) && f.Actor == "" && f.ObjectType == "" && f.ObjectID == ""
}

// Cursor names e as the last event of a page listed with f.
func (f Filter) Cursor(e Event) paging.Cursor {
	if f.ByTime() {
		return paging.Cursor{Key: e.At.UTC().Format(TimeLayout), ID: e.Seq}
	}
	return paging.Cursor{ID: e.Seq}
}

// Store keeps the trail. Implemented by internal/store.
type Store interface {
	// Append prepares ev (see Event.Prepare), chains it after the current
	// head and stores it with the head in one transaction. Appends are
	// serialised across connections and processes, so the chain stays
	// linear. Seq, PrevHash and Hash are set on ev when it returns nil.
	Append(ctx context.Context, ev *Event) error
	// List returns the events matching f, newest first (by Seq, or by time
	// for a period: see Filter.ByTime), after f.After when it is set.
	List(ctx context.Context, f Filter) ([]Event, error)
	// Count returns how many events match f, at most f.Limit when it is
	// set (After and Offset ignored). The whole trail is counted from its
	// numbering (last Seq - first Seq + 1): the chain has no gaps, and
	// Verify reports one.
	Count(ctx context.Context, f Filter) (int64, error)
	// Iterate calls fn for every event in Seq order and returns the chain
	// head, both read from one snapshot. It stops at fn's first error and
	// returns it; it returns ErrNoHead when the head record is missing.
	Iterate(ctx context.Context, fn func(Event) error) (Head, error)
}

// Actor is who acts on behalf of a request.
type Actor struct {
	ID    int64
	Login string
	IP    string
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor on ctx, or the system actor when there is none.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Login != "" {
		return a
	}
	return Actor{Login: SystemActor}
}

// Details encodes kv as the Detail of an event (keys sorted, compact).
func Details(kv map[string]any) string {
	if len(kv) == 0 {
		return "{}"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(kv); err != nil {
		// Only unencodable values (channels, functions) get here: keep the
		// event and say what was lost.
		return fmt.Sprintf(`{"error":%q}`, err.Error())
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// DetailMap decodes Detail for display; nil when it is empty or not an object.
func (e Event) DetailMap() map[string]any {
	var m map[string]any
	if json.Unmarshal([]byte(e.Detail), &m) != nil {
		return nil
	}
	return m
}

// Prepare fills what a writer may leave out and checks the rest, before the
// store chains the event: At defaults to now, the actor fields to the actor
// on ctx, Detail to "{}". At is cut to microseconds in UTC and Detail is
// compacted, so what is hashed is exactly what is stored.
func (e *Event) Prepare(ctx context.Context, now time.Time) error {
	if e.At.IsZero() {
		e.At = now
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.Actor == "" {
		a := ActorFrom(ctx)
		e.Actor, e.ActorID = a.Login, a.ID
		if e.IP == "" {
			e.IP = a.IP
		}
	}
	e.Action = strings.TrimSpace(e.Action)
	if e.Action == "" {
		return apperr.E(apperr.Invalid, "audit.err.audit_event_without_action")
	}
	if e.Detail == "" {
		e.Detail = "{}"
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(e.Detail)); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return apperr.E(apperr.Invalid, "audit.err.audit_detail_json_object")
	}
	e.Detail = buf.String()
	for _, s := range []string{e.Actor, e.Action, e.ObjectType, e.ObjectID, e.IP, e.Detail} {
		if !utf8.ValidString(s) {
			return apperr.E(apperr.Invalid, "audit.err.audit_event_invalid_utf_text")
		}
	}
	return nil
}

// Seal places a prepared event after head: it sets Seq, PrevHash and Hash
// and returns the new head.
func (e *Event) Seal(head Head) Head {
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	e.Hash = e.ComputeHash()
	return Head{Seq: e.Seq, Hash: e.Hash}
}

// eventJSON is the JSON shape of an event, with Detail as an object.
type eventJSON struct {
	Seq        int64           `json:"seq"`
	At         string          `json:"at"`
	Actor      string          `json:"actor"`
	ActorID    int64           `json:"actor_id"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	UnitID     int64           `json:"unit_id"`
	IP         string          `json:"ip"`
	Detail     json.RawMessage `json:"detail"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// MarshalJSON writes the event with Detail as a JSON object.
func (e Event) MarshalJSON() ([]byte, error) {
	d := json.RawMessage(e.Detail)
	if !json.Valid(d) {
		d, _ = json.Marshal(e.Detail)
	}
	return json.Marshal(eventJSON{
		Seq: e.Seq, At: e.At.UTC().Format(TimeLayout), Actor: e.Actor, ActorID: e.ActorID,
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, UnitID: e.UnitID,
		IP: e.IP, Detail: d, PrevHash: e.PrevHash, Hash: e.Hash,
	})
}
