package catalog

import "testing"

func TestDetectFormat(t *testing.T) {
	for _, c := range []struct{ name, data, want string }{
		{"a.json", `{"catalog":{"uuid":"x"}}`, "oscal"},
		{"", "\ufeff {\n \"$schema\": \"x\", \"catalog\": {}}", "oscal"},
		{"p.json", `{"profile":{}}`, "oscal"},
		{"x.json", `{"id":1,"name":"catalog","title":"catalog","nodes":[]}`, "json"},
		{"", `{"id":1,"name":"x","nodes":[{"ref":"1"}]}`, "json"},
		{"x.json", `{"hello":1}`, "oscal"},
		{"lib.yaml", "urn: x\n", "ciso"},
		{"", "urn: urn:intuitem:risk:library:x\nlocale: en\n", "ciso"},
		{"r.xlsx", "PK\x03\x04....", "xlsx"},
		{"", "PK\x03\x04....", "xlsx"},
		{"seed.txt", "第1条 この規程は…", "jptext"},
	} {
		if got := DetectFormat(c.name, []byte(c.data)); got != c.want {
			t.Errorf("DetectFormat(%q, %.30q) = %s, want %s", c.name, c.data, got, c.want)
		}
	}
}
