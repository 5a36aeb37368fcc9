package cli_test

import (
	"strings"
	"testing"
)

func TestBenchPagesRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--people", "0"}, {"--people", "199"}, {"--runs", "0"}, {"--answered", "101"}} {
		code, out, errOut := run(t, append([]string{"bench", "pages"}, args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, "--people must be at least 200") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
