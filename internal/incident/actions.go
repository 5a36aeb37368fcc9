package incident

import (
	"context"
	"time"
)

// Measure is one of the CISO's measures after an incident: a tracked
// action with an owner, a due date, a status and a note when done.
type Measure struct {
	ID         int64     `json:"id"`
	IncidentID int64     `json:"incident_id"`
	Title      string    `json:"title"`
	OwnerID    int64     `json:"owner_id"`
	OwnerName  string    `json:"owner_name"`
	DueOn      string    `json:"due_on"`
	Status     string    `json:"status"` // open, done
	DoneNote   string    `json:"done_note"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// IncidentTitle is filled by MeasuresOf.
	IncidentTitle string `json:"incident_title,omitempty"`
}

// Measure statuses.
const (
	MeasureOpen = "open"
	MeasureDone = "done"
)

// Actions is where the CISO's measures are tracked. The incident store
// implements it over its own table (incident_measures) today; the
// organisation-wide improvement tracker can implement the same interface
// later and take the measures over without the incident pages changing.
// Implementations write the audit entry (and the timeline entry e, when
// given) in the same transaction.
type Actions interface {
	AddMeasure(ctx context.Context, m Measure, e Entry, ns []Notice) (Measure, error)
	UpdateMeasure(ctx context.Context, m Measure, e Entry) error
	Measure(ctx context.Context, id int64) (Measure, error)
	Measures(ctx context.Context, incidentID int64) ([]Measure, error)
	MeasuresOf(ctx context.Context, ownerID int64) ([]Measure, error)
}
