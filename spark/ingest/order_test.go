package ingest

import (
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"testing"
)

// Out-of-order and orphan events (a task end before its start, stage and task events of stages no job announced, a
// job end for an unknown job, events after the application's end) and a malformed frame in the middle: none of them
// invents an entity or drives a count below zero, the malformed one is counted, and every other event is applied.
func TestOutOfOrderEventsLoseNothingElse(t *testing.T) {
	srv, store, sock := start(t)
	c := dial(t, sock)
	c.send(t, helloLine("app-o", secret, 1))
	if m := c.reply(t); m["type"] != "welcome" {
		t.Fatalf("reply = %v", m)
	}
	c.send(t,
		`{"type":"taskEnd","seq":1,"time":5,"stageId":9,"stageAttemptId":0,"taskId":90,"index":0,"attempt":0,"executorId":"1","host":"h","launchTime":1,"status":"SUCCESS","reason":null,"metrics":null}`,
		`{"type":"taskStart","seq":2,"time":5,"stageId":9,"stageAttemptId":0,"taskId":91,"index":1,"attempt":0,"executorId":"1","host":"h","speculative":false}`,
		`{"type":"stageCompleted","seq":3,"time":5,"stageId":8,"attemptId":0,"status":"COMPLETE","failureReason":null,"numTasks":1}`,
		`{"type":"jobEnd","seq":4,"time":5,"jobId":42,"result":"SUCCEEDED","error":null}`,
		`{"type":"jobStart","seq":5,"time":10,"jobId":0,"name":"j","description":null,"jobGroup":null,"jobTags":[],"cellId":"c","sqlExecutionId":null,"stages":[{"stageId":0,"attemptId":0,"name":"s","numTasks":3,"parentIds":[],"completionTime":null}]}`,
		`{"type":"stageSubmitted","seq":6,"time":11,"stageId":0,"attemptId":0,"name":"s","numTasks":3,"parentIds":[]}`,
		// Task 1's end comes before its start would have; its start never comes.
		`{"type":"taskEnd","seq":7,"time":20,"stageId":0,"stageAttemptId":0,"taskId":1,"index":1,"attempt":0,"executorId":"1","host":"h","launchTime":12,"status":"SUCCESS","reason":null,"metrics":null}`,
		`{"type":"taskEnd","seq":8,"time":"not a number","stageId":0}`,
		`{"type":"taskStart","seq":9,"time":12,"stageId":0,"stageAttemptId":0,"taskId":0,"index":0,"attempt":0,"executorId":"1","host":"h","speculative":false}`,
		`{"type":"taskStart","seq":10,"time":12,"stageId":0,"stageAttemptId":0,"taskId":2,"index":2,"attempt":0,"executorId":"1","host":"h","speculative":false}`,
		`{"type":"taskEnd","seq":11,"time":21,"stageId":0,"stageAttemptId":0,"taskId":0,"index":0,"attempt":0,"executorId":"1","host":"h","launchTime":12,"status":"SUCCESS","reason":null,"metrics":null}`,
		`{"type":"taskEnd","seq":12,"time":22,"stageId":0,"stageAttemptId":0,"taskId":2,"index":2,"attempt":0,"executorId":"1","host":"h","launchTime":12,"status":"SUCCESS","reason":null,"metrics":null}`,
		`{"type":"stageCompleted","seq":13,"time":23,"stageId":0,"attemptId":0,"status":"COMPLETE","failureReason":null,"numTasks":3}`,
		`{"type":"jobEnd","seq":14,"time":24,"jobId":0,"result":"SUCCEEDED","error":null}`,
		`{"type":"appEnd","seq":15,"time":30}`,
		// A job the bus delivered after the application's end is still shown.
		`{"type":"jobStart","seq":16,"time":31,"jobId":1,"name":"late","description":null,"jobGroup":null,"jobTags":[],"cellId":"c","sqlExecutionId":null,"stages":[]}`,
		`{"type":"jobEnd","seq":17,"time":32,"jobId":1,"result":"SUCCEEDED","error":null}`,
	)
	a := waitApp(t, store, "app-o", "both jobs and the application's end", func(a wire.App) bool {
		return a.NumCompletedJobs == 2 && a.State == wire.AppFinished
	})
	if a.NumJobs != 2 || len(a.Jobs) != 2 || a.Jobs[0].JobID != 0 || a.Jobs[1].JobID != 1 {
		t.Fatalf("jobs: %d %+v; an orphan jobEnd must not create one", a.NumJobs, a.Jobs)
	}
	j := a.Jobs[0]
	if j.Status != wire.JobSucceeded || j.NumCompletedTasks != 3 || j.NumActiveTasks != 0 || j.NumCompletedStages != 1 ||
		len(j.Stages) != 1 {
		t.Errorf("job 0: %s, %d completed, %d active tasks, %d stages complete, %d stages", j.Status,
			j.NumCompletedTasks, j.NumActiveTasks, j.NumCompletedStages, len(j.Stages))
	}
	if st := j.Stages[0]; st.StageID != 0 || st.Status != wire.StageComplete || st.NumCompletedTasks != 3 || st.NumActiveTasks != 0 {
		t.Errorf("stage 0: %+v", st)
	}
	if srv.Malformed() != 1 {
		t.Errorf("malformed = %d, want 1", srv.Malformed())
	}
}
