package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/register"
)

func (s *Server) regExport(w http.ResponseWriter, r *http.Request) {
	kind, ok := register.ParseKind(r.PathValue("kind"))
	if !ok {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	t, err := s.Register.Export(r.Context(), who(r), kind)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+kind+`.csv"`)
		register.WriteCSV(w, t)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+kind+`.xlsx"`)
	register.WriteXLSX(w, t)
}

type regImportData struct {
	Kinds  []string
	Kind   string
	Report *register.ImportReport
}

func (s *Server) regImportPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "reg.import.title", &regImportData{Kinds: register.Kinds, Kind: r.URL.Query().Get("kind")})
	p.Nav = "register"
	s.render(w, r, http.StatusOK, "register_import", p)
}

func (s *Server) regImport(w http.ResponseWriter, r *http.Request) {
	d := &regImportData{Kinds: register.Kinds}
	p := s.newPage(r, "reg.import.title", d)
	p.Nav = "register"
	fail := func(err error) {
		p.Error = s.errText(r, p, err)
		s.render(w, r, statusOf(err), "register_import", p)
	}
	r.Body = http.MaxBytesReader(w, r.Body, register.MaxImportSize+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(apperr.E(apperr.TooLarge, "register.err.file_too_large_limit_mb", register.MaxImportSize>>20))
			return
		}
		fail(apperr.E(apperr.Invalid, "register.err.choose_register_file"))
		return
	}
	kind, ok := register.ParseKind(r.FormValue("kind"))
	files := r.MultipartForm.File["file"]
	if !ok || len(files) != 1 {
		fail(apperr.E(apperr.Invalid, "register.err.choose_register_one_file"))
		return
	}
	d.Kind = kind
	f, err := files[0].Open()
	if err != nil {
		fail(apperr.WrapE(apperr.Invalid, err, "register.err.read_upload"))
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, register.MaxImportSize+1))
	f.Close()
	if err != nil {
		fail(apperr.WrapE(apperr.Invalid, err, "register.err.read_upload"))
		return
	}
	t, err := register.ReadFile(kind, files[0].Filename, data)
	if err != nil {
		fail(err)
		return
	}
	rep, err := s.Register.Import(r.Context(), who(r), t)
	rep.Localize(p.Lang)
	d.Report = &rep
	if err != nil {
		fail(err)
		return
	}
	s.render(w, r, http.StatusOK, "register_import", p)
}

type regSchemeData struct {
	Scheme register.Scheme
	Done   bool
}

func (s *Server) regSchemePage(w http.ResponseWriter, r *http.Request) {
	sc, err := s.Register.Scheme(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "reg.scheme.title", &regSchemeData{Scheme: sc, Done: r.URL.Query().Get("done") != ""})
	p.Nav = "register"
	s.render(w, r, http.StatusOK, "register_scheme", p)
}

// regSchemeSave takes the level names and descriptions, the axis
// descriptions, the restrictions (one "key name" per line) and the risk
// settings; level values stay as they are.
func (s *Server) regSchemeSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, err := s.Register.Scheme(ctx)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	_ = r.ParseForm()
	for i := range sc.Axes {
		ax := &sc.Axes[i]
		if v, ok := r.PostForm["axis_"+ax.Key+"_name"]; ok {
			ax.Name = strings.TrimSpace(v[0])
		}
		if v, ok := r.PostForm["axis_"+ax.Key+"_desc"]; ok {
			ax.Description = strings.TrimSpace(v[0])
		}
		for j := range ax.Levels {
			l := &ax.Levels[j]
			key := "level_" + ax.Key + "_" + strconv.Itoa(l.Value)
			if v, ok := r.PostForm[key+"_name"]; ok {
				l.Name = strings.TrimSpace(v[0])
			}
			if v, ok := r.PostForm[key+"_desc"]; ok {
				l.Description = strings.TrimSpace(v[0])
			}
		}
	}
	if v, ok := r.PostForm["restrictions"]; ok {
		sc.Restrictions = nil
		for _, line := range splitList(v[0]) {
			k, name, _ := strings.Cut(line, " ")
			sc.Restrictions = append(sc.Restrictions, register.Restriction{Key: strings.TrimSpace(k), Name: strings.TrimSpace(name)})
		}
	}
	if v := r.PostFormValue("importance"); v != "" {
		sc.Risk.Importance = v
	}
	if v := r.PostFormValue("threshold"); v != "" {
		sc.Risk.Threshold, _ = strconv.Atoi(v)
	}
	if err := s.Register.SaveScheme(ctx, sc); err != nil {
		p := s.newPage(r, "reg.scheme.title", &regSchemeData{Scheme: sc})
		p.Nav = "register"
		p.Error = s.errText(r, p, err)
		s.render(w, r, statusOf(err), "register_scheme", p)
		return
	}
	http.Redirect(w, r, "/register/scheme?done=1", http.StatusSeeOther)
}

// regFuncs are the template functions of the register pages.
var regFuncs = map[string]any{
	"stageName": register.StageName,
	"exitName":  register.ExitName,
	"hasStr": func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
	"joinList": func(list []string) string { return strings.Join(list, "\n") },
	"sortURL": func(q url.Values, base, key string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		desc := v.Get("sort") == key && v.Get("desc") != "1"
		v.Set("sort", key)
		v.Del("desc")
		v.Del("after") // a new order starts from its first page
		if desc {
			v.Set("desc", "1")
		}
		return base + "?" + v.Encode()
	},
	"empNos": func(ps []register.PersonRef) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.EmployeeNo)
		}
		return strings.Join(out, " ")
	},
	"reqText": func(rs []register.Requirement) string {
		var out []string
		for _, q := range rs {
			out = append(out, q.String())
		}
		return strings.Join(out, "\n")
	},
	"subText": func(ss []register.Subcontract) string {
		var out []string
		for _, x := range ss {
			out = append(out, strings.TrimRight(x.Name+"|"+x.ApprovedOn+"|"+x.ApprovedBy, "|"))
		}
		return strings.Join(out, "\n")
	},
	"restrText": func(sc register.Scheme) string {
		var out []string
		for _, x := range sc.Restrictions {
			out = append(out, x.Key+" "+x.Name)
		}
		return strings.Join(out, "\n")
	},
	"lvl": func(sc register.Scheme, axis string, v int) string { return sc.LevelName(axis, v) },
}
