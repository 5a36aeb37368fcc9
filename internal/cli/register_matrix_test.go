package cli

import (
	"context"
	"fmt"
	"testing"

	"kitei/internal/authz"
	"kitei/internal/register"
	"kitei/internal/web"
)

// The register routes in the authorization matrix: an asset, a system and
// a service in the principal's own unit (A1) and in the foreign unit (B).
// Their 決定者, ISSO and manager is personB, so the principals (who act as
// personA1) see them only through their unit scope; system codes differ
// from the matrix ISSO's "SYS-1".

type regFixture struct {
	assetA1, assetB     int64
	systemA1, systemB   int64
	serviceA1, serviceB int64
}

func buildRegisterFixture(t *testing.T, deps web.Deps, f *fixture) regFixture {
	t.Helper()
	var rf regFixture
	reg := deps.Register
	if reg == nil {
		return rf
	}
	ctx := context.Background()
	for _, u := range []struct {
		unitID             int64
		suffix             string
		asset, sys, servic *int64
	}{{f.unitA1.ID, "A1", &rf.assetA1, &rf.systemA1, &rf.serviceA1}, {f.unitB.ID, "B", &rf.assetB, &rf.systemB, &rf.serviceB}} {
		a, err := reg.CreateAsset(ctx, authz.System, register.Asset{Code: "IA-" + u.suffix, Name: "資産" + u.suffix,
			UnitID: u.unitID, DeciderID: f.personB.ID, C: 2, I: 1, A: 1})
		if err != nil {
			t.Fatal(err)
		}
		v, err := reg.CreateService(ctx, authz.System, register.Service{Code: "SV-" + u.suffix, Name: "サービス" + u.suffix,
			Kind: register.ServiceCloud, Provider: "事業者", UnitID: u.unitID, ManagerID: f.personB.ID})
		if err != nil {
			t.Fatal(err)
		}
		y, err := reg.CreateSystem(ctx, authz.System, register.System{Code: "SYS-" + u.suffix, Name: "システム" + u.suffix,
			UnitID: u.unitID, ISSOID: f.personB.ID, Stage: register.StageOperation, Services: []string{v.Code}})
		if err != nil {
			t.Fatal(err)
		}
		*u.asset, *u.servic, *u.sys = a.ID, v.ID, y.ID
	}
	return rf
}

func regTarget(format string, pick func(regFixture) (own, foreign int64)) target {
	return at(func(f *fixture, own bool) (string, string) {
		o, x := pick(f.reg)
		if own {
			return fmt.Sprintf(format, o), f.unitA1.Path
		}
		return fmt.Sprintf(format, x), f.unitB.Path
	})
}

func regAsset(r regFixture) (int64, int64)   { return r.assetA1, r.assetB }
func regSystem(r regFixture) (int64, int64)  { return r.systemA1, r.systemB }
func regService(r regFixture) (int64, int64) { return r.serviceA1, r.serviceB }

func init() {
	for pattern, tgt := range map[string]target{
		"GET /register":                                fixed("/register").needs(authz.RegisterRead),
		"GET /register/assets":                         fixed("/register/assets?q=%E8%B3%87%E7%94%A3&sort=c&desc=1").needs(authz.RegisterRead),
		"POST /register/assets":                        fixed("/register/assets").needs(authz.RegisterWrite),
		"GET /register/assets/{id}":                    regTarget("/register/assets/%d", regAsset).needs(authz.RegisterRead),
		"POST /register/assets/{id}":                   regTarget("/register/assets/%d", regAsset).needs(authz.RegisterWrite),
		"POST /register/assets/{id}/copy":              regTarget("/register/assets/%d/copy", regAsset).needs(authz.RegisterWrite),
		"POST /register/assets/{id}/reclassify":        regTarget("/register/assets/%d/reclassify", regAsset).needs(authz.RegisterWrite),
		"POST /register/assets/{id}/retire":            regTarget("/register/assets/%d/retire", regAsset).needs(authz.RegisterWrite),
		"GET /register/systems":                        fixed("/register/systems?sort=stage").needs(authz.RegisterRead),
		"POST /register/systems":                       fixed("/register/systems").needs(authz.RegisterWrite),
		"GET /register/systems/{id}":                   regTarget("/register/systems/%d", regSystem).needs(authz.RegisterRead),
		"POST /register/systems/{id}":                  regTarget("/register/systems/%d", regSystem).needs(authz.RegisterWrite),
		"GET /register/services":                       fixed("/register/services?ismap=no").needs(authz.RegisterRead),
		"POST /register/services":                      fixed("/register/services").needs(authz.RegisterWrite),
		"GET /register/services/{id}":                  regTarget("/register/services/%d", regService).needs(authz.RegisterRead),
		"POST /register/services/{id}":                 regTarget("/register/services/%d", regService).needs(authz.RegisterWrite),
		"GET /register/export/{kind}":                  fixed("/register/export/assets?format=csv").needs(authz.RegisterRead),
		"GET /register/scheme":                         fixed("/register/scheme").needs(authz.RegisterAdmin),
		"POST /register/scheme":                        fixed("/register/scheme").needs(authz.RegisterAdmin),
		"GET /register/import":                         fixed("/register/import").needs(authz.RegisterAdmin),
		"POST /register/import":                        fixed("/register/import").needs(authz.RegisterAdmin),
		"GET /api/v1/register/assets":                  fixed("/api/v1/register/assets").needs(authz.RegisterRead),
		"GET /api/v1/register/assets/{id}":             regTarget("/api/v1/register/assets/%d", regAsset).needs(authz.RegisterRead),
		"GET /api/v1/register/systems":                 fixed("/api/v1/register/systems").needs(authz.RegisterRead),
		"GET /api/v1/register/systems/{id}":            regTarget("/api/v1/register/systems/%d", regSystem).needs(authz.RegisterRead),
		"GET /api/v1/register/services":                fixed("/api/v1/register/services").needs(authz.RegisterRead),
		"GET /api/v1/register/services/{id}":           regTarget("/api/v1/register/services/%d", regService).needs(authz.RegisterRead),
		"POST /api/v1/register/assets/{id}/reclassify": regTarget("/api/v1/register/assets/%d/reclassify", regAsset).needs(authz.RegisterWrite),
		"POST /api/v1/register/assets/{id}/retire":     regTarget("/api/v1/register/assets/%d/retire", regAsset).needs(authz.RegisterWrite),
	} {
		targets[pattern] = tgt
	}
}
