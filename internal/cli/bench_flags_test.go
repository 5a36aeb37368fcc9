package cli_test

import (
	"strings"
	"testing"
)

func TestBenchRefusesBadRate(t *testing.T) {
	for _, rate := range []string{"abc", "0", "-5"} {
		code, out, errOut := run(t, "bench", "selfcheck", "--rate", rate, "--people", "1")
		if code != 2 || out != "" || !strings.Contains(errOut, "--rate") {
			t.Errorf("--rate %s: exit %d, stdout %q, stderr %q", rate, code, out, errOut)
		}
	}
}

func TestBenchTrainingRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--people", "0"}, {"--clients", "-1"}, {"--questions", "0"}} {
		code, out, errOut := run(t, append([]string{"bench", "training"}, args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, "must be positive") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestBenchRefusesNegativeDuration(t *testing.T) {
	code, out, errOut := run(t, "bench", "selfcheck", "--duration", "-1s", "--people", "1")
	if code != 2 || out != "" || !strings.Contains(errOut, "--duration") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
