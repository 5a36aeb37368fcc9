package tracker

import "kitei/internal/api"

// The tracker's bodies in the OpenAPI document.
func init() {
	api.RegisterSchema("TrackerAction", Action{})
	api.RegisterSchema("TrackerActions", []Action{})
	api.RegisterSchema("TrackerActionInput", ActionInput{})
	api.RegisterSchema("TrackerStepInput", StepInput{})
	api.RegisterSchema("TrackerFile", File{})
}
