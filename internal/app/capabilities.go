package app

import (
	"context"
	"net/http"
	"os"
	"time"

	"kitei/internal/auditeng"
	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/incident"
	"kitei/internal/tracker"
	"kitei/internal/training"
	"kitei/internal/wareki"
	"kitei/internal/webui"
	"kitei/internal/yearly"

	"kitei/internal/inventory"
	"kitei/internal/ops"
	"kitei/internal/policy"
	"kitei/internal/risk"
	"kitei/internal/scim"
)

// modules lists the capabilities built in the capability shape (see
// internal/capability). Adding one is one line here, over a service built
// in New.
func (a *App) modules() []capability.Module {
	return []capability.Module{
		// Capabilities whose pages still live in internal/web contribute
		// their home-page and annual-report figures.
		{Name: "selfcheck", Overview: a.Selfcheck.Overview()},
		{Name: "approval", Overview: a.Approval.Overview()},
		{Name: "register", Overview: a.Register.Overview()},
		yearly.Module(a.Yearly, a.Kit, a.planOwners),
		incident.Module(a.Incident, a.Kit),
		training.NewModule(a.Training, a.Kit),
		tracker.Module(a.Tracker, a.Kit, a.Org),
		auditeng.Module(a.Audits, a.Kit),
		ops.Module(a.Audit, a.DB.Selfchecks(), ops.ConfigFromEnv(os.Getenv), a.Auth.DisableLeavers),
		a.OIDC.Module(),
		(&scim.Service{Org: a.Org, Auth: a.Auth, Token: os.Getenv("KITEI_SCIM_TOKEN")}).Module(),
		policy.Module(a.Policy, a.Kit),
		risk.Module(a.Risk, a.Kit),
		inventory.Module(a.Inventory, a.Kit),
	}
}

// Modules is every capability module, built once. It also connects what
// the yearly cycle reads from the others: each module's report section,
// the self-inspection progress plan items follow, and the date style
// every page is shown in.
func (a *App) Modules() []capability.Module {
	if a.mods == nil {
		a.mods = a.modules()
		a.Yearly.Sections = func() []func(context.Context, int) (capability.Section, error) {
			var out []func(context.Context, int) (capability.Section, error)
			for _, m := range a.mods {
				if m.Overview.Report != nil {
					out = append(out, m.Overview.Report)
				}
			}
			return out
		}
		a.Yearly.Progress["selfcheck"] = a.campaignProgress
		a.Kit.Style = func(r *http.Request, p *webui.Page) wareki.Style {
			st, err := a.Yearly.DateStyle(r.Context(), p.Me)
			if err != nil {
				a.Logger.Warn("date style", "err", err)
			}
			return wareki.ParseStyle(st)
		}
	}
	return a.mods
}

// campaignProgress is the share of submitted checklists of a campaign.
func (a *App) campaignProgress(ctx context.Context, id int64) (int, error) {
	_, total, err := a.Selfcheck.Progress(ctx, authz.System, id)
	if err != nil {
		return 0, err
	}
	if n := total.NotStarted + total.InProgress + total.Submitted; n > 0 {
		return total.Submitted * 100 / n, nil
	}
	return 0, nil
}

// planOwners are the people a plan item can be given to: those holding an
// organisation-wide or a 部 role today.
func (a *App) planOwners(r *http.Request) ([]yearly.Person, error) {
	seen := map[int64]bool{}
	var out []yearly.Person
	for _, role := range []string{authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO, authz.RoleSecOffice, authz.RoleISO,
		authz.RoleAuditChief, authz.RoleCSIRTChief} {
		as, err := a.Org.Contacts(r.Context(), role, 0, time.Now(), authz.Everywhere)
		if err != nil {
			return nil, err
		}
		for _, x := range as {
			if !seen[x.PersonID] {
				seen[x.PersonID] = true
				out = append(out, yearly.Person{ID: x.PersonID, Name: x.PersonName + " · " + x.RoleName})
			}
		}
	}
	return out, nil
}
