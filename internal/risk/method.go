// Package risk is risk assessment (リスク評価): the risk method as
// configuration, the risk register (risks on assets, systems, services or
// the organisation, with their treatment and the catalog measures chosen),
// the acceptance of a residual risk above the threshold as a request on the
// approval engine decided by the CISO, and assessment campaigns whose
// results roll up to a heat map per unit.
//
// The method. The IPA way is the default: 重要度 from the asset's C/I/A
// levels (the highest, or their sum), 脅威 and 脆弱性 rated on their
// scales, 被害発生可能性 read off a table of threat × vulnerability, and
// リスク値 = 重要度 × 被害発生可能性. A risk value at or above the threshold
// needs treatment, and a residual value at or above it can only be kept
// with the CISO's acceptance. The second method is the plain likelihood ×
// impact matrix. Scales, the table and the threshold are stored and edited
// by the security office. None of the seed rulebooks gives the numbers
// (seed 003 only names 重要度); the defaults follow the existing register
// (likelihood 1–3, threshold 6) and are meant to be tailored.
package risk

import (
	"encoding/json"
	"strconv"
	"strings"

	"kitei/internal/apperr"
)

// Methods.
const (
	MethodIPA    = "ipa"
	MethodMatrix = "matrix"
)

// Level is one step of a scale.
type Level struct {
	Value int    `json:"value"`
	Name  string `json:"name"`
}

// Band maps a threat × vulnerability product to a likelihood level: the
// first band whose Max is at least the product.
type Band struct {
	Max   int `json:"max"`
	Level int `json:"level"`
}

// Method is the organisation's risk method.
type Method struct {
	Kind string `json:"kind"` // ipa or matrix
	// Importance: how the IPA method derives 重要度 from C/I/A: "max" or "sum".
	Importance    string  `json:"importance"`
	Impact        []Level `json:"impact"`        // 重要度 (IPA) or 影響度 (matrix)
	Threat        []Level `json:"threat"`        // IPA
	Vulnerability []Level `json:"vulnerability"` // IPA
	Likelihood    []Level `json:"likelihood"`    // 被害発生可能性 / 発生可能性
	Bands         []Band  `json:"bands"`         // IPA: threat × vulnerability → likelihood
	// Threshold: a value at or above it needs treatment, and a residual
	// value at or above it needs the CISO's acceptance.
	Threshold int `json:"threshold"`
}

// DefaultMethod is the IPA-style method.
func DefaultMethod() Method {
	return Method{
		Kind: MethodIPA, Importance: "max",
		Impact:        []Level{{1, "低"}, {2, "中"}, {3, "高"}},
		Threat:        []Level{{1, "低"}, {2, "中"}, {3, "高"}},
		Vulnerability: []Level{{1, "低"}, {2, "中"}, {3, "高"}},
		Likelihood:    []Level{{1, "低"}, {2, "中"}, {3, "高"}},
		Bands:         []Band{{2, 1}, {4, 2}, {9, 3}},
		Threshold:     6,
	}
}

// MatrixMethod is the likelihood × impact matrix with five steps each.
func MatrixMethod() Method {
	five := []Level{{1, "極小"}, {2, "小"}, {3, "中"}, {4, "大"}, {5, "極大"}}
	return Method{Kind: MethodMatrix, Impact: five, Likelihood: append([]Level(nil), five...), Threshold: 10}
}

// Name of v on scale ls ("" for 0).
func Name(ls []Level, v int) string {
	for _, l := range ls {
		if l.Value == v {
			return l.Name
		}
	}
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

func has(ls []Level, v int) bool {
	for _, l := range ls {
		if l.Value == v {
			return true
		}
	}
	return false
}

func top(ls []Level) int {
	m := 0
	for _, l := range ls {
		m = max(m, l.Value)
	}
	return m
}

// ImportanceOf is 重要度 from C/I/A levels, kept within the impact scale.
func (m *Method) ImportanceOf(c, i, a int) int {
	v := max(c, i, a)
	if m.Importance == "sum" {
		v = c + i + a
	}
	return min(v, top(m.Impact))
}

// LikelihoodOf is the likelihood of threat × vulnerability (IPA), 0 when
// either is not rated.
func (m *Method) LikelihoodOf(threat, vuln int) int {
	if threat == 0 || vuln == 0 {
		return 0
	}
	p := threat * vuln
	for _, b := range m.Bands {
		if p <= b.Max {
			return b.Level
		}
	}
	return top(m.Likelihood)
}

// Value is impact × likelihood.
func (m *Method) Value(impact, likelihood int) int { return impact * likelihood }

// Over reports whether value needs treatment (or acceptance, for a
// residual value).
func (m *Method) Over(value int) bool { return m.Threshold > 0 && value >= m.Threshold }

// Validate checks a method before it is stored.
func (m *Method) Validate() error {
	if m.Kind != MethodIPA && m.Kind != MethodMatrix {
		return apperr.E(apperr.Invalid, "risk.err.method_kind", m.Kind)
	}
	scales := map[string][]Level{"impact": m.Impact, "likelihood": m.Likelihood}
	if m.Kind == MethodIPA {
		if m.Importance != "max" && m.Importance != "sum" {
			return apperr.E(apperr.Invalid, "risk.err.importance", m.Importance)
		}
		scales["threat"], scales["vulnerability"] = m.Threat, m.Vulnerability
		if len(m.Bands) == 0 {
			return apperr.E(apperr.Invalid, "risk.err.bands")
		}
		prev := 0
		for _, b := range m.Bands {
			if b.Max <= prev || !has(m.Likelihood, b.Level) {
				return apperr.E(apperr.Invalid, "risk.err.bands")
			}
			prev = b.Max
		}
	}
	for name, ls := range scales {
		if len(ls) == 0 || len(ls) > 9 {
			return apperr.E(apperr.Invalid, "risk.err.scale", name)
		}
		seen := map[int]bool{}
		for _, l := range ls {
			if l.Value < 1 || l.Value > 9 || seen[l.Value] || strings.TrimSpace(l.Name) == "" || len([]rune(l.Name)) > 20 {
				return apperr.E(apperr.Invalid, "risk.err.scale", name)
			}
			seen[l.Value] = true
		}
	}
	if m.Threshold < 0 || m.Threshold > 81 {
		return apperr.E(apperr.Invalid, "risk.err.threshold")
	}
	return nil
}

// ParseScale reads a scale written as "1=低, 2=中, 3=高".
func ParseScale(text string) ([]Level, bool) {
	var out []Level
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '、' || r == '\n' }) {
		v, n, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, false
		}
		x, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, false
		}
		out = append(out, Level{x, strings.TrimSpace(n)})
	}
	return out, len(out) > 0
}

// FormatScale writes a scale as ParseScale reads it.
func FormatScale(ls []Level) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = strconv.Itoa(l.Value) + "=" + l.Name
	}
	return strings.Join(parts, ", ")
}

// ParseBands reads bands written as "2=1, 4=2, 9=3" (product up to = level).
func ParseBands(text string) ([]Band, bool) {
	ls, ok := ParseScale(text)
	if !ok {
		return nil, false
	}
	out := make([]Band, len(ls))
	for i, l := range ls {
		n, err := strconv.Atoi(l.Name)
		if err != nil {
			return nil, false
		}
		out[i] = Band{Max: l.Value, Level: n}
	}
	return out, true
}

// FormatBands writes bands as ParseBands reads them.
func FormatBands(bs []Band) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = strconv.Itoa(b.Max) + "=" + strconv.Itoa(b.Level)
	}
	return strings.Join(parts, ", ")
}

// EncodeMethod and DecodeMethod store a method as JSON.
func EncodeMethod(m Method) (string, error) {
	b, err := json.Marshal(m)
	return string(b), err
}

// DecodeMethod reads a stored method.
func DecodeMethod(s string) (Method, error) {
	var m Method
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}
