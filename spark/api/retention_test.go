package api

import (
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// TestNeverEndingJobsShowTheBoundAndHowManyWentInTheJSON: what the dashboard and the cell monitor get for an
// application of more never-ending jobs than retention.maxJobsPerApp.
func TestNeverEndingJobsShowTheBoundAndHowManyWentInTheJSON(t *testing.T) {
	srv, store := serve(t, state.Options{MaxJobsPerApp: 100}, Options{})
	submit(t, store, &event.Hello{Header: event.Header{Type: "hello"}, Protocol: 1, AppID: "app-1", Connection: 1})
	for i := range 5000 {
		submit(t, store, &event.JobStart{JobID: i, Stages: []event.StageInfo{{StageID: i, NumTasks: 1}}})
	}
	code, m := get(t, srv.URL+prefix+"api/apps/app-1", true)
	app, _ := m["data"].(map[string]any)
	jobs, _ := app["jobs"].([]any)
	if code != 200 || len(jobs) == 0 || len(jobs) > 100 {
		t.Fatalf("api/apps/app-1: %d with %d jobs, want at most 100", code, len(jobs))
	}
	if app["evictedJobs"] != float64(5000-len(jobs)) || app["numJobs"] != float64(len(jobs)) {
		t.Errorf("evictedJobs %v, numJobs %v with %d jobs listed: want %d and %d", app["evictedJobs"], app["numJobs"],
			len(jobs), 5000-len(jobs), len(jobs))
	}
	last, _ := jobs[len(jobs)-1].(map[string]any)
	if last["jobId"] != 4999.0 || last["status"] != "RUNNING" {
		t.Errorf("newest job listed %v %v, want 4999 RUNNING", last["jobId"], last["status"])
	}
}
