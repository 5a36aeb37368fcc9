package audit

import (
	"context"
	"time"
)

// Recorder appends events that are not part of a store transaction: sign-in
// attempts, denied permissions. Changes of records are audited by the store
// inside their own transaction instead (store.AppendAudit).
type Recorder struct {
	Store Store
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// NewRecorder returns a recorder writing to st.
func NewRecorder(st Store) *Recorder { return &Recorder{Store: st} }

// Record appends ev, taking the actor from ctx when ev names none (see
// WithActor). The event is durable when Record returns nil.
func (r *Recorder) Record(ctx context.Context, ev Event) error {
	if ev.At.IsZero() && r.Now != nil {
		ev.At = r.Now()
	}
	return r.Store.Append(ctx, &ev)
}
