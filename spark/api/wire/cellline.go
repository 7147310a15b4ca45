package wire

// CellLine names the line of the notebook cell whose code started a job or SQL query: the kernel hook reads it from
// the Python stack when the job starts (jupyter_config/sparkmonitor_go/cellline.py; spark/event/PROTOCOL.md "Cell
// line"). A SQL query has the line of its first job that has one, else its root query's. Both fields are absent when
// the line is unknown: a job started outside a cell, by Spark Connect, or by a kernel without the hook.
type CellLine struct {
	// CellLine: the line number in the cell, 1 for the first.
	CellLine int `json:"cellLine,omitempty"`
	// CellLineText: that line's source, stripped (at most 200 characters from the kernel hook, 1 KiB on the wire).
	CellLineText string `json:"cellLineText,omitempty"`
}

// Known reports whether the line is known.
func (l CellLine) Known() bool { return l.CellLine > 0 }
