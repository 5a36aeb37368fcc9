package auditeng

import "kitei/internal/api"

// The audit bodies in the OpenAPI document.
func init() {
	api.RegisterSchema("AuditPlan", Plan{})
	api.RegisterSchema("AuditPlans", []Plan{})
	api.RegisterSchema("AuditPlanInput", PlanInput{})
	api.RegisterSchema("AuditEngagements", []Engagement{})
	api.RegisterSchema("AuditEngagement", EngagementJSON{})
	api.RegisterSchema("AuditAuditorInput", AuditorInput{})
	api.RegisterSchema("AuditPaperInput", PaperInput{})
	api.RegisterSchema("AuditPaper", Paper{})
	api.RegisterSchema("AuditFinding", Finding{})
	api.RegisterSchema("AuditFindings", []Finding{})
}
