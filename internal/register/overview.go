package register

import (
	"context"
	"time"

	"kitei/internal/authz"
	"kitei/internal/capability"
)

// Overview is the registers' share of the home page and the annual
// report: the health of the registers the reader may see (systems without
// an ISSO, contracts ending soon) and the year-end counts.
func (r *Registry) Overview() capability.Overview {
	return capability.Overview{Figures: r.figures, Report: r.report}
}

func (r *Registry) figures(ctx context.Context, p *authz.Principal) ([]capability.Figure, error) {
	if !p.Can(authz.RegisterRead) || !(p.Can(authz.RegisterAdmin) || p.Can(authz.SelfcheckFollow)) {
		return nil, nil
	}
	systems, err := r.Systems(ctx, p, SystemFilter{})
	if err != nil {
		return nil, err
	}
	noISSO := 0
	for _, y := range systems {
		if y.ISSOID == 0 && !y.Retired {
			noISSO++
		}
	}
	services, err := r.Services(ctx, p, ServiceFilter{})
	if err != nil {
		return nil, err
	}
	today := r.today()
	soon := r.now().Add(90 * 24 * time.Hour).Format("2006-01-02")
	ending := 0
	for _, v := range services {
		if !v.Retired && v.ContractTo != "" && v.ContractTo >= today && v.ContractTo <= soon {
			ending++
		}
	}
	return []capability.Figure{
		{Key: "reg.fig.no_isso", Value: float64(noISSO), Unit: "unit.count", Warn: noISSO > 0, Href: "/register/systems"},
		{Key: "reg.fig.contracts_ending", Value: float64(ending), Unit: "unit.count", Warn: ending > 0, Href: "/register/services"},
	}, nil
}

func (r *Registry) report(ctx context.Context, _ int) (capability.Section, error) {
	sec := capability.Section{Key: "reg.report.section"}
	assets, err := r.Assets(ctx, authz.System, AssetFilter{})
	if err != nil {
		return sec, err
	}
	c3 := 0
	for _, a := range assets {
		if a.C >= 3 {
			c3++
		}
	}
	systems, err := r.Systems(ctx, authz.System, SystemFilter{})
	if err != nil {
		return sec, err
	}
	services, err := r.Services(ctx, authz.System, ServiceFilter{})
	if err != nil {
		return sec, err
	}
	noISSO := 0
	for _, y := range systems {
		if y.ISSOID == 0 {
			noISSO++
		}
	}
	sec.Figures = []capability.Figure{
		{Key: "reg.report.assets", Value: float64(len(assets)), Unit: "unit.count"},
		{Key: "reg.report.c3", Value: float64(c3), Unit: "unit.count"},
		{Key: "reg.report.systems", Value: float64(len(systems)), Unit: "unit.count"},
		{Key: "reg.fig.no_isso", Value: float64(noISSO), Unit: "unit.count", Warn: noISSO > 0},
		{Key: "reg.report.services", Value: float64(len(services)), Unit: "unit.count"},
	}
	return sec, nil
}
