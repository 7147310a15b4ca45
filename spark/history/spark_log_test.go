package history

import (
	"context"
	"encoding/json"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"os"
	"reflect"
	"sort"
	"testing"
)

// restJob and restStage are the fields of Spark's REST API (/api/v1/applications/{id}/jobs, /stages) compared here.
type restJob struct {
	JobID              int    `json:"jobId"`
	Status             string `json:"status"`
	NumTasks           int    `json:"numTasks"`
	NumCompletedTasks  int    `json:"numCompletedTasks"`
	NumFailedTasks     int    `json:"numFailedTasks"`
	NumKilledTasks     int    `json:"numKilledTasks"`
	NumSkippedTasks    int    `json:"numSkippedTasks"`
	NumCompletedStages int    `json:"numCompletedStages"`
	NumSkippedStages   int    `json:"numSkippedStages"`
	NumFailedStages    int    `json:"numFailedStages"`
}

type restStage struct {
	StageID          int    `json:"stageId"`
	AttemptID        int    `json:"attemptId"`
	Status           string `json:"status"`
	NumTasks         int    `json:"numTasks"`
	NumCompleteTasks int    `json:"numCompleteTasks"`
	NumFailedTasks   int    `json:"numFailedTasks"`
}

// sparkREST is what Spark's REST API said of an application (testdata/record.py, spark/event/testdata/record.py).
type sparkREST struct {
	AppID  string      `json:"appId"`
	Jobs   []restJob   `json:"jobs"`
	Stages []restStage `json:"stages"`
}

func readREST(t *testing.T, path string) sparkREST {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rest sparkREST
	if err := json.Unmarshal(raw, &rest); err != nil {
		t.Fatal(err)
	}
	return rest
}

// TestSparksOwnEventLogReplaysToSparksNumbers: an event log written by Spark itself (testdata/record.py: zstd, SQL,
// a shuffle with a skipped stage, a failing task) replays into the state with the jobs and stages Spark's REST API
// showed for that application.
func TestSparksOwnEventLogReplaysToSparksNumbers(t *testing.T) {
	rest := readREST(t, "testdata/spark_rest.json")
	f, err := os.Open("testdata/spark_events.zstd")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	in, err := Open(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := startStore(t)
	sum, err := replayInto(context.Background(), in, false, wire.SourceUpload, s)
	if err != nil || sum.AppID != rest.AppID || !sum.Ended || sum.Skipped == 0 {
		t.Fatalf("replay: %+v, %v", sum, err)
	}
	a := snapshotApp(t, s, rest.AppID)
	if a.State != wire.AppFinished || a.NumJobs != len(rest.Jobs) || a.AppName != "recorded-elsewhere" {
		t.Fatalf("app %+v", header(a))
	}
	sameAsSpark(t, a, rest)
	if len(a.SQLExecutions) == 0 {
		t.Error("the SQL query is not replayed")
	}
}

// sameAsSpark checks the application's jobs and stages against Spark's REST API's.
func sameAsSpark(t *testing.T, a wire.App, rest sparkREST) {
	t.Helper()
	var got []restJob
	stages := map[[2]int]restStage{}
	for _, j := range a.Jobs {
		status := j.Status
		if status == wire.JobCancelled {
			status = wire.JobFailed
		}
		// Spark's numTasks counts the skipped stages' tasks; ours leaves them out (API.md § Counting).
		got = append(got, restJob{j.JobID, status, j.NumTasks + j.NumSkippedTasks, j.NumCompletedTasks, j.NumFailedTasks,
			j.NumKilledTasks, j.NumSkippedTasks, j.NumCompletedStages, j.NumSkippedStages, j.NumFailedStages})
		if j.CellID == nil {
			t.Errorf("job %d: no cell id from its properties", j.JobID)
		}
		for _, st := range j.Stages {
			if st.Status == wire.StageSkipped {
				continue // Spark's stage list has the attempt that ran (in an earlier job)
			}
			stages[[2]int{st.StageID, st.AttemptID}] = restStage{st.StageID, st.AttemptID, st.Status, st.NumTasks,
				st.NumCompletedTasks, st.NumFailedTasks}
		}
	}
	sort.Slice(rest.Jobs, func(i, k int) bool { return rest.Jobs[i].JobID < rest.Jobs[k].JobID })
	if !reflect.DeepEqual(got, rest.Jobs) {
		t.Errorf("jobs:\nmonitor %+v\nSpark   %+v", got, rest.Jobs)
	}
	for _, want := range rest.Stages {
		if want.Status == "SKIPPED" {
			continue
		}
		if g := stages[[2]int{want.StageID, want.AttemptID}]; g != want {
			t.Errorf("stage %d.%d: monitor %+v, Spark %+v", want.StageID, want.AttemptID, g, want)
		}
	}
}
