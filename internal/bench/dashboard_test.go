package bench

import (
	"context"
	"testing"
)

// A small run of the dashboard benchmark: every page answers 200 for its
// reader, and the 統括's home page carries the organisation's figures
// (more than a staff member's).
func TestDashboardBenchSmall(t *testing.T) {
	res, err := RunDashboard(context.Background(), DashboardOptions{People: 120, Items: 6, Answered: 50, Runs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 5 {
		t.Fatalf("timings = %+v", res)
	}
	if res[0].Reader != "staff" || res[2].Reader != "chief" || res[2].Bytes <= res[0].Bytes {
		t.Errorf("the chief's dashboard is not larger than a staff member's: %+v", res)
	}
}
