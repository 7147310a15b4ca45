// Package diagnose sorts a Spark failure into a category a user recognises, with a plain-language fix, from the texts
// Spark reports: the failed task's end reason (TaskFailedReason.toErrorString), the stage's failure reason, the job's
// error and, for errors raised before any job ran, the Python exception the cell raised.
package diagnose

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// Category is what kind of failure it is: one of wire's Failure* constants.
type Category = wire.FailureCategory

// Texts are what Spark and PySpark reported about one failure; any may be empty.
type Texts struct {
	Task        string // the last failed task's end reason
	Stage       string // the failed stage's failure reason
	Job         string // the job's error (the exception's message)
	PythonClass string // the class of the exception the cell raised (e.g. pyspark.errors...AnalysisException)
	Python      string // that exception's message
}

type rule struct {
	category Category
	match    func(t *Texts, all string) bool
}

var (
	jobCancelled   = regexp.MustCompile(`(?im)^(\[SPARK_JOB_CANCELLED\]\s*)?(Job \d+ cancelled|Stage cancelled|Job aborted.*cancelled|.*cancelled (as part of|because))`)
	pythonMemory   = regexp.MustCompile(`(?m)^MemoryError\b`)
	resultSize     = regexp.MustCompile(`bigger than (spark\.driver\.)?maxResultSize`)
	analysisClass  = regexp.MustCompile(`(AnalysisException|ParseException)$`)
	analysisPrefix = regexp.MustCompile(`^\[(UNRESOLVED_|TABLE_OR_VIEW_NOT_FOUND|PARSE_SYNTAX_ERROR|DATATYPE_MISMATCH|AMBIGUOUS_|MISSING_)`)
	memoryLimit    = regexp.MustCompile(`(?i)(exceeding (physical |virtual )?memory limits|OOMKilled)`)
)

var rules = []rule{
	{wire.FailureCancelled, func(t *Texts, _ string) bool {
		return jobCancelled.MatchString(t.Job) || jobCancelled.MatchString(t.Stage)
	}},
	{wire.FailureAnalysis, func(t *Texts, _ string) bool {
		return t.Task == "" && t.Stage == "" &&
			(analysisClass.MatchString(t.PythonClass) || analysisPrefix.MatchString(t.Python))
	}},
	{wire.FailureNotSerializable, func(_ *Texts, all string) bool {
		return strings.Contains(all, "Task not serializable") || strings.Contains(all, "NotSerializableException") ||
			strings.Contains(all, "cannot pickle") || strings.Contains(all, "Could not serialize object") ||
			strings.Contains(all, "PicklingError")
	}},
	{wire.FailureDriverOOM, func(t *Texts, all string) bool {
		if resultSize.MatchString(all) {
			return true
		}
		// A Java OutOfMemoryError with no failed task behind it happened in the driver.
		return t.Task == "" && strings.Contains(t.Job+t.Python, "java.lang.OutOfMemoryError")
	}},
	{wire.FailureExecutorOOM, func(t *Texts, all string) bool {
		return strings.Contains(all, "java.lang.OutOfMemoryError") || pythonMemory.MatchString(t.Task) ||
			memoryLimit.MatchString(all)
	}},
	{wire.FailureShuffleFetch, func(_ *Texts, all string) bool {
		return strings.Contains(all, "FetchFailed") || strings.Contains(all, "MetadataFetchFailedException") ||
			strings.Contains(all, "Missing an output location for shuffle")
	}},
	{wire.FailureExecutorLost, func(_ *Texts, all string) bool {
		return strings.Contains(all, "ExecutorLostFailure") || strings.Contains(all, "Executor heartbeat timed out") ||
			strings.Contains(all, "Python worker exited unexpectedly")
	}},
	{wire.FailurePythonUDF, func(t *Texts, _ string) bool {
		return strings.Contains(t.Task, "PythonException") || strings.Contains(t.Task, "Traceback (most recent call last)")
	}},
}

// Classify returns the failure's category: the first rule that matches (most specific first), else wire.FailureOther.
func Classify(t Texts) Category {
	all := t.Task + "\n" + t.Stage + "\n" + t.Job + "\n" + t.Python
	for _, r := range rules {
		if r.match(&t, all) {
			return r.category
		}
	}
	return wire.FailureOther
}

// Exception returns the exception a user recognises in a failure text: the last "Class: message" line of a Python
// traceback (the error the user's code raised), else the first line's "Class: message", else the first line.
func Exception(text string) (class, message string) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if strings.Contains(text, "Traceback (most recent call last)") {
		for i := len(lines) - 1; i >= 0; i-- {
			if c, m, ok := exceptionLine(lines[i]); ok || bareException(lines[i]) {
				if !ok {
					c, m = lines[i], ""
				}
				if !isJava(c) {
					class, message = c, m
					break
				}
			}
		}
		if class != "" {
			return class, message
		}
	}
	first := strings.TrimSpace(lines[0])
	if c, m, ok := exceptionLine(first); ok {
		return c, m
	}
	return "", first
}

func isJava(class string) bool {
	return strings.HasPrefix(class, "org.") || strings.HasPrefix(class, "java.") || strings.HasPrefix(class, "scala.")
}

// bareException reports whether l is a Python exception raised without a message, e.g. "MemoryError".
func bareException(l string) bool {
	_, _, ok := exceptionLine(l + ":")
	return ok && (strings.HasSuffix(l, "Error") || strings.HasSuffix(l, "Exception") || l == "KeyboardInterrupt")
}

// exceptionLine splits "pkg.Class: message" (an unindented dotted identifier whose last part starts upper case).
func exceptionLine(l string) (class, message string, ok bool) {
	name, msg, found := strings.Cut(l, ":")
	if !found || name == "" || strings.ContainsAny(name, " \t") {
		return "", "", false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '.' && r != '$' {
			return "", "", false
		}
	}
	last := name[strings.LastIndex(name, ".")+1:]
	if last == "" || !unicode.IsUpper(rune(last[0])) {
		return "", "", false
	}
	return name, strings.TrimSpace(msg), true
}

// cellFrame is a traceback frame in a notebook cell: ipykernel compiles each cell as /tmp/ipykernel_<pid>/<hash>.py.
var cellFrame = regexp.MustCompile(`File "([^"]*ipykernel_\d+/\d+\.py)", line (\d+)`)

// CellLine finds the innermost frame of a Python traceback that is in a notebook cell: its line number and, when the
// traceback shows it, the source line. ok is false when no frame is in a cell.
func CellLine(traceback string) (line int, source string, ok bool) {
	lines := strings.Split(traceback, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		m := cellFrame.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[2])
		if err != nil {
			return 0, "", false
		}
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    ") && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "File ") {
			source = strings.TrimSpace(lines[i+1])
		}
		return n, source, true
	}
	return 0, "", false
}
