package api

import (
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

func TestAppEndpointCarriesTheSQLExecutionsOfItsJobs(t *testing.T) {
	srv, store, _ := setup(t)
	exec := int64(4)
	submit(t, store, &event.Hello{AppID: "app-1"},
		&event.SQLStart{ExecutionID: exec, RootExecutionID: &exec, Description: "SELECT 1"},
		&event.JobStart{JobID: 0, SQLExecutionID: &exec, Stages: []event.StageInfo{{StageID: 0, NumTasks: 1}}})
	_, body := get(t, srv.URL+prefix+"api/apps", true)
	if app := body["data"].([]any)[0].(map[string]any); app["sqlExecutions"] != nil {
		t.Errorf("api/apps carries no SQL executions: %v", app)
	}
	_, body = get(t, srv.URL+prefix+"api/apps/app-1", true)
	execs, _ := body["data"].(map[string]any)["sqlExecutions"].([]any)
	if len(execs) != 1 {
		t.Fatalf("api/apps/app-1 sqlExecutions = %v", body)
	}
	x := execs[0].(map[string]any)
	if x["executionId"] != 4.0 || x["rootExecutionId"] != 4.0 || x["description"] != "SELECT 1" || x["status"] != "RUNNING" ||
		x["appId"] != "app-1" || x["endTime"] != nil || x["error"] != nil {
		t.Errorf("SQL execution = %v", x)
	}
}
