package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error lists every problem of a config file, one "path:line: reason" per line.
type Error struct {
	Path     string
	Problems []string // "line: reason" or "reason"
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = e.Path + ":" + p
	}
	return strings.Join(lines, "\n")
}

// Load reads and validates the file at path. A missing file is the defaults (an empty File, exists false); any
// other problem is an *Error: one that cannot be read, or is not a regular file of at most MaxFileBytes (readFile),
// names its path and why, and so does a file another user could change (owner.go).
func Load(path string) (f *File, exists bool, err error) {
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{}, false, nil
	}
	if err != nil {
		return nil, true, &Error{Path: path, Problems: []string{" " + readError(err)}}
	}
	if why := othersCanChange(path); why != "" {
		return nil, true, &Error{Path: path, Problems: []string{why}}
	}
	f, err = Parse(path, data)
	return f, true, err
}

func readError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return "cannot read the file: " + pe.Err.Error()
	}
	return "cannot read the file: " + err.Error()
}

// yamlLine finds yaml.v3's "line N: reason" (or "yaml: line N: reason") in its messages.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// unknownKey rewrites yaml.v3's "field x not found in type config.File".
var unknownKey = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// Parse decodes data strictly (unknown keys are errors) and validates it; every problem is reported with its line.
// An empty document is the defaults.
func Parse(path string, data []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&f)
	if errors.Is(err, io.EOF) {
		return &File{}, nil
	}
	if err != nil {
		return nil, &Error{Path: path, Problems: decodeProblems(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &Error{Path: path, Problems: []string{fmt.Sprintf("%d: only one YAML document is allowed", max(extra.Line, 1))}}
	}
	f.path = path
	problems := f.validate()
	if len(problems) == 0 {
		return &f, nil
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // it decoded above, so it parses
	e := &Error{Path: path}
	for _, p := range problems {
		e.Problems = append(e.Problems, fmt.Sprintf("%d: %s", lineOf(&root, p.key), p.msg))
	}
	return nil, e
}

// decodeProblems turns yaml.v3's errors into "line: reason" strings.
func decodeProblems(err error) []string {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		m = strings.TrimSpace(m)
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			out = append(out, sub[1]+": "+unknownKey.ReplaceAllString(sub[2], "unknown key $1"))
		} else {
			out = append(out, " "+strings.TrimPrefix(m, "yaml: "))
		}
	}
	return out
}

// lineOf returns the line of the value at the dotted key path, or of the deepest key found, or 1.
func lineOf(root *yaml.Node, key string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := max(n.Line, 1)
	for _, k := range strings.Split(key, ".") {
		if n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				line = n.Content[i].Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}
