package state

import (
	"fmt"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// Thresholds of the hints, after DataFlint's alerts (research/anchors-beyond.md §1).
const (
	skewMinSlowestMs   = 5000 // the slowest task took more than this…
	skewRatio          = 10   // …and more than this many times the median
	tinyTasksMinTasks  = 5000 // more successful tasks than this…
	tinyTasksMaxMedian = 500  // …with a median under this many ms
)

// stageHints applies the rules of API.md to a stage attempt's tasks: at most one hint per kind.
func stageHints(stageID, attemptID int, t *stageTasks) []wire.Hint {
	var out []wire.Hint
	name := fmt.Sprintf("Stage %d", stageID)
	if attemptID > 0 {
		name += fmt.Sprintf(" (attempt %d)", attemptID)
	}
	hint := func(kind, severity, format string, args ...any) {
		out = append(out, wire.Hint{Kind: kind, Severity: severity, StageID: stageID, AttemptID: attemptID,
			Message: name + ": " + fmt.Sprintf(format, args...)})
	}
	d := &t.times
	if d.count > 0 {
		median := d.median()
		if d.max > skewMinSlowestMs && d.max > skewRatio*median {
			hint(wire.HintSkew, wire.SeverityWarning,
				"the slowest task took %s, %s the median (%s): skewed partitions; consider repartitioning on a better key or salting.",
				formatMs(d.max), formatRatio(d.max, median), formatMs(median))
		}
		if d.count > tinyTasksMinTasks && median < tinyTasksMaxMedian {
			hint(wire.HintTinyTasks, wire.SeverityInfo,
				"%d tasks with a median of %s: scheduling overhead dominates; fewer partitions would do (coalesce, or a smaller spark.sql.shuffle.partitions).",
				d.count, formatMs(median))
		}
	}
	if t.diskSpill > 0 {
		hint(wire.HintSpill, wire.SeverityWarning,
			"%s spilled to disk (%s in memory before spilling): memory per task was too small for the data; consider more partitions or more executor memory.",
			formatBytes(t.diskSpill), formatBytes(t.memSpill))
	}
	return out
}

func formatMs(ms int64) string {
	switch {
	case ms < 1000:
		return fmt.Sprintf("%d ms", ms)
	case ms < 10_000:
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	case ms < 120_000:
		return fmt.Sprintf("%d s", (ms+500)/1000)
	default:
		return fmt.Sprintf("%.1f min", float64(ms)/60_000)
	}
}

func formatRatio(slowest, median int64) string {
	if median <= 0 {
		return "far above"
	}
	return fmt.Sprintf("%.0f×", float64(slowest)/float64(median))
}

func formatBytes(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	v, suffix := float64(b)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}
