package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/httpx"
	"kitei/internal/paging"
	"kitei/internal/register"
)

func init() {
	RegisterSchema("AssetList", []register.Asset{})
	RegisterSchema("Asset", register.Asset{})
	RegisterSchema("SystemList", []register.System{})
	RegisterSchema("System", register.System{})
	RegisterSchema("ServiceList", []register.Service{})
	RegisterSchema("Service", register.Service{})
	RegisterSchema("Reclassification", ReclassifyRequest{})
	RegisterSchema("Retirement", RetireRequest{})
}

// RetireRequest retires an asset or, with retired false, puts it back in use.
type RetireRequest struct {
	Retired bool   `json:"retired"`
	Reason  string `json:"reason"`
}

// ReclassifyRequest changes an asset's levels and restrictions.
type ReclassifyRequest struct {
	C            int      `json:"c"`
	I            int      `json:"i"`
	A            int      `json:"a"`
	Restrictions []string `json:"restrictions"`
	Reason       string   `json:"reason"`
}

// registerRoutes are the register endpoints; none without the capability.
// Reads are filtered in the store: an asset at 機密性3 is returned only to
// its named people and its 決定者.
func (a *API) registerRoutes() []Route {
	if a.Register == nil {
		return nil
	}
	const base = "/api/v1/register"
	q := Param{Name: "q", In: "query", Type: "string", Description: "search id, name and description"}
	sort := Param{Name: "sort", In: "query", Type: "string", Description: "sort key (code, name, …); desc=1 reverses"}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	desc := Param{Name: "desc", In: "query", Type: "string", Description: "1: reverse the order"}
	limit := httpx.PageLimit(regPageSize)
	return []Route{
		{Method: "GET", Path: base + "/assets", Perm: authz.RegisterRead, Handler: a.regAssets, Response: "AssetList",
			Summary: "Information assets in scope, paged (Link rel=\"next\")", Params: []Param{q, sort, desc,
				{Name: "min_c", In: "query", Type: "integer", Description: "confidentiality at least"}, limit, httpx.PageAfter}},
		{Method: "GET", Path: base + "/assets/{id}", Perm: authz.RegisterRead, Handler: a.regAsset, Response: "Asset",
			Summary: "One information asset", Params: []Param{id}},
		{Method: "POST", Path: base + "/assets/{id}/reclassify", Perm: authz.RegisterWrite, Handler: a.regReclassify,
			Response: "Asset", Body: "Reclassification", Params: []Param{id},
			Summary: "Change an asset's levels and restrictions (the 決定者 or their superior only; refusals are audited)"},
		{Method: "POST", Path: base + "/assets/{id}/retire", Perm: authz.RegisterWrite, Handler: a.regRetire,
			Response: "Asset", Body: "Retirement", Params: []Param{id},
			Summary: "Retire an asset (retired: true) or put it back in use; recorded in its history and the audit trail"},
		{Method: "GET", Path: base + "/systems", Perm: authz.RegisterRead, Handler: a.regSystems, Response: "SystemList",
			Summary: "The 情報システム台帳 in scope, paged (Link rel=\"next\")", Params: []Param{q, sort, desc,
				{Name: "stage", In: "query", Type: "string", Description: "planning, procurement, operation or retirement"}, limit, httpx.PageAfter}},
		{Method: "GET", Path: base + "/systems/{id}", Perm: authz.RegisterRead, Handler: a.regSystem, Response: "System",
			Summary: "One information system", Params: []Param{id}},
		{Method: "GET", Path: base + "/services", Perm: authz.RegisterRead, Handler: a.regServices, Response: "ServiceList",
			Summary: "Cloud services and outsourcing in scope, paged (Link rel=\"next\")", Params: []Param{q, sort, desc, limit, httpx.PageAfter}},
		{Method: "GET", Path: base + "/services/{id}", Perm: authz.RegisterRead, Handler: a.regService, Response: "Service",
			Summary: "One cloud service or outsourcing contract", Params: []Param{id}},
	}
}

func regWho(r *http.Request) *authz.Principal { return authz.From(r.Context()) }

// regPageSize is how many records a register list returns by default. The
// lists are JSON arrays: the next page is in the Link header (rel="next")
// and X-Next-Cursor.
const regPageSize = 100

func (a *API) regAssets(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	req, err := paging.FromQuery(v, regPageSize)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	minC, _ := strconv.Atoi(v.Get("min_c"))
	pg, err := a.Register.AssetPage(r.Context(), regWho(r), register.AssetFilter{Query: v.Get("q"), MinC: minC,
		Sort: v.Get("sort"), Desc: v.Get("desc") == "1"}, req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WritePage(w, r, pg)
}

func (a *API) regAsset(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var x register.Asset
		if x, err = a.Register.Asset(r.Context(), regWho(r), id); err == nil {
			writeJSON(w, http.StatusOK, x)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *API) regReclassify(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// An asset the caller may not see is not found, whatever the body.
	if _, err := a.Register.Asset(r.Context(), regWho(r), id); err != nil {
		a.fail(w, r, err)
		return
	}
	var req ReclassifyRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		a.fail(w, r, apperr.E(apperr.BadRequest, "register.err.body_reclassification", err))
		return
	}
	x, err := a.Register.Reclassify(r.Context(), regWho(r), id, register.Reclassification{C: req.C, I: req.I, A: req.A,
		Restrictions: req.Restrictions, Reason: req.Reason})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

func (a *API) regRetire(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if _, err := a.Register.Asset(r.Context(), regWho(r), id); err != nil {
		a.fail(w, r, err)
		return
	}
	var req RetireRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		a.fail(w, r, apperr.E(apperr.BadRequest, "register.err.body_retirement", err))
		return
	}
	x, err := a.Register.RetireAsset(r.Context(), regWho(r), id, req.Retired, req.Reason)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, x)
}

func (a *API) regSystems(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	req, err := paging.FromQuery(v, regPageSize)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	pg, err := a.Register.SystemPage(r.Context(), regWho(r), register.SystemFilter{Query: v.Get("q"), Stage: v.Get("stage"),
		Sort: v.Get("sort"), Desc: v.Get("desc") == "1"}, req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WritePage(w, r, pg)
}

func (a *API) regSystem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var x register.System
		if x, err = a.Register.System(r.Context(), regWho(r), id); err == nil {
			writeJSON(w, http.StatusOK, x)
			return
		}
	}
	a.fail(w, r, err)
}

func (a *API) regServices(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	req, err := paging.FromQuery(v, regPageSize)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	pg, err := a.Register.ServicePage(r.Context(), regWho(r), register.ServiceFilter{Query: v.Get("q"),
		Sort: v.Get("sort"), Desc: v.Get("desc") == "1"}, req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	httpx.WritePage(w, r, pg)
}

func (a *API) regService(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		var x register.Service
		if x, err = a.Register.Service(r.Context(), regWho(r), id); err == nil {
			writeJSON(w, http.StatusOK, x)
			return
		}
	}
	a.fail(w, r, err)
}
