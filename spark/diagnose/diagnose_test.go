package diagnose

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// recording is what testdata/record.py wrote for one scenario (real Spark 4.1.1 texts).
type recording struct {
	Python *struct {
		Class   string `json:"class"`
		Message string `json:"message"`
	} `json:"python"`
	Jobs   []struct{ JobID int } `json:"jobs"`
	Stages []struct {
		StageID       int     `json:"stageId"`
		FailureReason *string `json:"failureReason"`
	} `json:"stages"`
	Tasks []struct {
		TaskID       int64  `json:"taskId"`
		ErrorMessage string `json:"errorMessage"`
	} `json:"tasks"`
}

// texts are what the monitor would have: the latest failed task's reason and the stage's failure reason; the cell's
// Python exception only when no job ran (what a kernel reports for an error raised before any job).
func (r *recording) texts() Texts {
	var t Texts
	if n := len(r.Tasks); n > 0 {
		last := r.Tasks[0]
		for _, x := range r.Tasks {
			if x.TaskID > last.TaskID {
				last = x
			}
		}
		t.Task = last.ErrorMessage
	}
	if len(r.Stages) > 0 && r.Stages[0].FailureReason != nil {
		t.Stage = *r.Stages[0].FailureReason
	}
	if len(r.Jobs) == 0 && r.Python != nil {
		t.PythonClass, t.Python = r.Python.Class, r.Python.Message
	}
	return t
}

func load(t *testing.T, name string) *recording {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var r recording
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &r
}

func TestClassifyRecordedFailures(t *testing.T) {
	cases := []struct {
		name, category, class string
		line                  int // the cell's line in the task's traceback, 0: none
	}{
		{"udf_error", wire.FailurePythonUDF, "ZeroDivisionError", 5},
		{"python_memory", wire.FailureExecutorOOM, "MemoryError", 0},
		{"driver_result_size", wire.FailureDriverOOM, "", 0},
		{"analysis_error", wire.FailureAnalysis, "", 0},
		{"cancelled", wire.FailureCancelled, "", 0},
		{"not_serializable", wire.FailureNotSerializable, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			texts := load(t, c.name).texts()
			if got := Classify(texts); got != c.category {
				t.Errorf("category %q, want %q (texts %+v)", got, c.category, texts)
			}
			if c.class != "" {
				if class, msg := Exception(texts.Task); class != c.class || msg == "" && c.class != "MemoryError" {
					t.Errorf("exception %q: %q, want class %q", class, msg, c.class)
				}
			}
			line, _, ok := CellLine(texts.Task)
			if ok != (c.line > 0) || line != c.line {
				t.Errorf("cell line %d (%v), want %d", line, ok, c.line)
			}
			if a := AdviceFor(c.category); a.Title == "" || a.Fix == "" || a == AdviceFor(wire.FailureOther) {
				t.Errorf("no advice of its own for %q", c.category)
			}
		})
	}
}

func TestClassifyTextsNotRecordedHere(t *testing.T) {
	// Texts of failures that need a cluster (their wording from Spark 4.1's TaskEndReason.toErrorString).
	cases := map[string]Texts{
		wire.FailureExecutorLost: {Task: "ExecutorLostFailure (executor 1 exited caused by one of the running tasks) " +
			"Reason: Command exited with code 1"},
		wire.FailureExecutorOOM: {Task: "ExecutorLostFailure (executor 2 exited caused by one of the running tasks) " +
			"Reason: Container killed by YARN for exceeding physical memory limits. 4.5 GB of 4.4 GB physical memory used."},
		wire.FailureShuffleFetch: {Task: "FetchFailed(BlockManagerId(1, 127.0.0.1, 40001, None), shuffleId=0, " +
			"mapIndex=1, mapId=5, reduceId=0, message=\norg.apache.spark.shuffle.FetchFailedException: Connection refused"},
		wire.FailureOther:     {Job: "Job aborted due to stage failure: something new"},
		wire.FailureDriverOOM: {Job: "java.lang.OutOfMemoryError: Java heap space"},
	}
	for name, texts := range cases {
		want, _, _ := strings.Cut(name, " ")
		if got := Classify(texts); got != want {
			t.Errorf("%+v: %q, want %q", texts, got, want)
		}
	}
}

func TestExceptionAndCellLine(t *testing.T) {
	class, msg := Exception("org.apache.spark.SparkException: Job aborted\n\tat x.y(Z.scala:1)")
	if class != "org.apache.spark.SparkException" || msg != "Job aborted" {
		t.Errorf("JVM exception: %q %q", class, msg)
	}
	if class, msg := Exception("Job 3 cancelled part of cancelled job group g"); class != "" || msg == "" {
		t.Errorf("no class: %q %q", class, msg)
	}
	tb := "Traceback (most recent call last):\n  File \"/tmp/ipykernel_12/34.py\", line 9, in <module>\n" +
		"    df.select(\"idd\")\n  File \"/site/pyspark/sql/dataframe.py\", line 1, in select\n    x\nValueError: bad"
	line, src, ok := CellLine(tb)
	if !ok || line != 9 || src != `df.select("idd")` {
		t.Errorf("cell line %d %q %v", line, src, ok)
	}
	if class, msg := Exception(tb); class != "ValueError" || msg != "bad" {
		t.Errorf("python exception: %q %q", class, msg)
	}
}
