package plan

import (
	"errors"
	"fmt"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"strconv"
	"strings"
)

// ParseValue reads Spark's forms into a wire.PlanValue: one SQL metric as Spark's SQLMetrics.stringValue prints it
// (the values of `sql/{id}?details=true`): either one figure ("1,000", "9.0 KiB", "41 ms"), or a total with its
// distribution over tasks ("total (min, med, max (stageId: taskId))\n1.8 s (137 ms, 784 ms, 864 ms (stage 4.0: task
// 6))"), or, for averages, the distribution alone ("(min, med, max (stageId: taskId)):\n(1, 1, 1 (stage 12.0: task
// 10))"). Figures are in the kind's unit (bytes, milliseconds); sizes and times are as exact as Spark printed them (one
// decimal of the unit), counts are exact. The kinds: wire.PlanCount (rows, files, partitions… "1,000"), wire.PlanBytes
// (Utils.bytesToString: "0.0 B", "2027.9 KiB", "22.9 MiB"), wire.PlanTime (Utils.msDurationToString: "41 ms", "1.8 s",
// "2.5 m", "1.20 h").

// maxValueLen bounds what ParseValue reads: Spark's longest form is about 120 bytes.
const maxValueLen = 512

var errValue = errors.New("not a Spark SQL metric value")

// ParseValue reads one metric value as Spark prints it. An unknown form is an error naming it; the caller keeps the
// text as it is.
func ParseValue(s string) (wire.PlanValue, error) {
	if len(s) > maxValueLen {
		return wire.PlanValue{}, fmt.Errorf("%w: %d bytes", errValue, len(s))
	}
	head, body, twoLines := strings.Cut(s, "\n")
	if !twoLines {
		f, k, err := parseFigure(s)
		if err != nil {
			return wire.PlanValue{}, err
		}
		return wire.PlanValue{Kind: k, Total: f, HasTotal: true, MaxStage: -1}, nil
	}
	var v wire.PlanValue
	switch {
	case strings.HasPrefix(head, "total (min, med, max"):
		// "1.8 s (137 ms, 784 ms, 864 ms (stage 4.0: task 6))"
		total, rest, ok := strings.Cut(body, " (")
		if !ok {
			return wire.PlanValue{}, fmt.Errorf("%w: %q", errValue, s)
		}
		f, k, err := parseFigure(total)
		if err != nil {
			return wire.PlanValue{}, err
		}
		v = wire.PlanValue{Kind: k, Total: f, HasTotal: true}
		body = "(" + rest
	case strings.HasPrefix(head, "(min, med, max"):
		// "(1, 1, 1 (stage 12.0: task 10))"
		v = wire.PlanValue{}
	default:
		return wire.PlanValue{}, fmt.Errorf("%w: %q", errValue, s)
	}
	if err := parseDist(&v, body); err != nil {
		return wire.PlanValue{}, fmt.Errorf("%w: %q", err, s)
	}
	if !v.HasTotal {
		v.Total = v.Max
	}
	return v, nil
}

// parseDist reads "(min, med, max (stage S.A: task T))" or "(min, med, max (driver))".
func parseDist(v *wire.PlanValue, s string) error {
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, "))") {
		return errValue
	}
	s = s[1 : len(s)-2]
	figures, where, ok := strings.Cut(s, " (")
	if !ok {
		return errValue
	}
	parts := strings.Split(figures, ", ")
	if len(parts) != 3 {
		return errValue
	}
	var fs [3]float64
	for i, p := range parts {
		f, k, err := parseFigure(p)
		if err != nil {
			return err
		}
		if v.Kind == "" {
			v.Kind = k
		} else if k != v.Kind {
			return errValue
		}
		fs[i] = f
	}
	v.Dist, v.Min, v.Med, v.Max = true, fs[0], fs[1], fs[2]
	if where == "driver" {
		v.MaxStage, v.MaxAttempt, v.MaxTask = -1, 0, -1
		return nil
	}
	// "stage 4.0: task 6"
	var stage, attempt, task int64
	if n, err := fmt.Sscanf(where, "stage %d.%d: task %d", &stage, &attempt, &task); err != nil || n != 3 {
		return errValue
	}
	v.MaxStage, v.MaxAttempt, v.MaxTask = stage, attempt, task
	return nil
}

// byteUnits are Utils.bytesToString's units.
var byteUnits = map[string]float64{
	"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "PiB": 1 << 50, "EiB": 1 << 60,
}

// timeUnits are Utils.msDurationToString's units, in milliseconds.
var timeUnits = map[string]float64{"ms": 1, "s": 1e3, "m": 60e3, "h": 3600e3}

// parseFigure reads one figure: "1,000", "9.0 KiB", "41 ms", "1.8 s".
func parseFigure(s string) (float64, wire.PlanMetricKind, error) {
	num, unit, hasUnit := strings.Cut(s, " ")
	if !hasUnit {
		n, err := strconv.ParseInt(strings.ReplaceAll(num, ",", ""), 10, 64)
		if err != nil {
			return 0, "", fmt.Errorf("%w: %q", errValue, s)
		}
		return float64(n), wire.PlanCount, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, "", fmt.Errorf("%w: %q", errValue, s)
	}
	if m, ok := byteUnits[unit]; ok {
		return f * m, wire.PlanBytes, nil
	}
	if m, ok := timeUnits[unit]; ok {
		return f * m, wire.PlanTime, nil
	}
	return 0, "", fmt.Errorf("%w: unit %q in %q", errValue, unit, s)
}
