package incident

import "kitei/internal/api"

// The API's request and response shapes, for the OpenAPI document.
func init() {
	api.RegisterSchema("IncidentLedger", LedgerAnswer{})
	api.RegisterSchema("IncidentInput", Input{})
	api.RegisterSchema("IncidentStatus", StatusView{})
	api.RegisterSchema("IncidentDetail", Detail{})
	api.RegisterSchema("IncidentEntry", EntryInput{})
	api.RegisterSchema("IncidentTriage", TriageInput{})
	api.RegisterSchema("IncidentSent", SentInput{})
	api.RegisterSchema("IncidentClose", CloseInput{})
	api.RegisterSchema("IncidentTaskInput", TaskInput{})
	api.RegisterSchema("IncidentRecurrence", RecurrenceInput{})
	api.RegisterSchema("IncidentMeasure", MeasureInput{})
}
