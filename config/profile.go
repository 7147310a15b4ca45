package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxProfiles bounds the `profiles:` section; more is an error of the whole file.
const MaxProfiles = 200

// Profile is one Spark configuration profile of the file's `profiles:` section (README § Profiles): settings a
// notebook's next SparkSession gets when the user chooses the profile. A profile with problems is kept, listed with
// them, and cannot be applied; the file's other profiles stay usable.
type Profile struct {
	Name        string
	Description string
	// Line is where the profile starts in the file.
	Line int
	// Conf is every Spark setting the profile makes, the structured keys turned into theirs (master → spark.master,
	// executor.memory → spark.executor.memory, packages → spark.jars.packages, ...); nil when the profile is invalid.
	Conf map[string]string
	// Problems say why the profile cannot be applied, "path:line: reason" each; empty when it is valid.
	Problems []string
}

// Valid reports whether the profile can be applied.
func (p *Profile) Valid() bool { return len(p.Problems) == 0 }

// ProfileSet is the file's profiles in file order. A *ProfileSet in Settings is never changed once built (a reload
// builds a new one), so it is safe to share.
type ProfileSet struct {
	Profiles []Profile
}

// Invalid returns every problem of every invalid profile, in file order.
func (s *ProfileSet) Invalid() []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, p := range s.Profiles {
		out = append(out, p.Problems...)
	}
	return out
}

// profileSection is the `profiles:` mapping, decoded by hand so that a problem in one profile (an unknown key, a
// wrong type, a bad value) makes only that profile invalid instead of the whole file.
type profileSection struct {
	list []parsedProfile
}

type parsedProfile struct {
	name, description string
	line              int
	conf              map[string]string
	problems          []profileProblem
}

type profileProblem struct {
	line int
	msg  string
}

// Spark keys the structured fields set.
const (
	keyMaster            = "spark.master"
	keyDriverMemory      = "spark.driver.memory"
	keyExecutorInstances = "spark.executor.instances"
	keyExecutorCores     = "spark.executor.cores"
	keyExecutorMemory    = "spark.executor.memory"
	keyPackages          = "spark.jars.packages"
)

var (
	profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	// jvmMemory is what the JVM's -Xmx takes (spark-submit turns spark.driver.memory into -Xmx): a number with an
	// optional k, m, g or t. Spark's own parser would take "4gb", the JVM refuses it, and the driver does not start.
	jvmMemory   = regexp.MustCompile(`^[0-9]+[kKmMgGtT]?$`)
	memoryWithB = regexp.MustCompile(`^([0-9]+)\s*([kKmMgGtT])[bB]$`)
	// masterURL: the forms spark-submit accepts.
	masterURL = regexp.MustCompile(`^(local(\[([0-9]+|\*)(,\s*[0-9]+)?\])?|local-cluster\[[0-9]+,\s*[0-9]+,\s*[0-9]+\]|yarn|(spark|k8s|mesos)://\S+)$`)
	// mavenCoordinate: groupId:artifactId:version, as spark.jars.packages lists them.
	mavenCoordinate = regexp.MustCompile(`^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[A-Za-z0-9_.+-]+$`)
)

// profileKeys are the keys a profile may have, with what they take (for the unknown-key message).
var profileKeys = []string{"description", "master", "driver", "executor", "packages", "conf"}

// UnmarshalYAML reads the `profiles:` mapping. Only a section that is not a mapping is an error of the file; every
// other problem belongs to its profile.
func (s *profileSection) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: profiles must be a mapping of profile names to profiles", n.Line)}}
	}
	if len(n.Content)/2 > MaxProfiles {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %d profiles: at most %d", n.Line, len(n.Content)/2, MaxProfiles)}}
	}
	seen := map[string]int{}
	var dup []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if first, ok := seen[k.Value]; ok {
			dup = append(dup, fmt.Sprintf("line %d: profile %s is defined twice (first at line %d)", k.Line, k.Value, first))
			continue
		}
		seen[k.Value] = k.Line
		s.list = append(s.list, parseProfile(k, n.Content[i+1]))
	}
	if len(dup) > 0 {
		return &yaml.TypeError{Errors: dup}
	}
	return nil
}

// profileParser collects one profile's settings and problems.
type profileParser struct {
	p parsedProfile
	// set remembers the line of each Spark key the structured fields set, for conflicts with conf.
	set map[string]int
}

func (pp *profileParser) fail(line int, format string, args ...any) {
	pp.p.problems = append(pp.p.problems, profileProblem{line, "profile " + pp.p.name + ": " + fmt.Sprintf(format, args...)})
}

func parseProfile(key, value *yaml.Node) parsedProfile {
	pp := &profileParser{p: parsedProfile{name: key.Value, line: key.Line, conf: map[string]string{}}, set: map[string]int{}}
	if !profileName.MatchString(key.Value) {
		pp.fail(key.Line, "the name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if value.Kind != yaml.MappingNode {
		if value.Kind == yaml.ScalarNode && value.Tag == "!!null" {
			pp.fail(value.Line, "is empty; give it at least one of %s", strings.Join(profileKeys, ", "))
		} else {
			pp.fail(value.Line, "must be a mapping with the keys %s", strings.Join(profileKeys, ", "))
		}
		return pp.p
	}
	var conf *yaml.Node
	for i := 0; i+1 < len(value.Content); i += 2 {
		k, v := value.Content[i], value.Content[i+1]
		switch k.Value {
		case "description":
			if s, ok := pp.scalar(k.Value, v); ok {
				pp.p.description = s
			}
		case "master":
			if s, ok := pp.scalar(k.Value, v); ok {
				if !masterURL.MatchString(s) {
					pp.fail(v.Line, "master %q: not a Spark master URL (local, local[N], local[*], spark://host:port, yarn, k8s://...)", s)
				}
				pp.setKey(keyMaster, s, k.Line)
			}
		case "driver":
			pp.section(k, v, map[string]func(*yaml.Node, *yaml.Node){
				"memory": func(k, v *yaml.Node) { pp.memory("driver.memory", keyDriverMemory, k, v) },
			})
		case "executor":
			pp.section(k, v, map[string]func(*yaml.Node, *yaml.Node){
				"instances": func(k, v *yaml.Node) { pp.count("executor.instances", keyExecutorInstances, k, v) },
				"cores":     func(k, v *yaml.Node) { pp.count("executor.cores", keyExecutorCores, k, v) },
				"memory":    func(k, v *yaml.Node) { pp.memory("executor.memory", keyExecutorMemory, k, v) },
			})
		case "packages":
			pp.packages(k, v)
		case "conf":
			conf = v
		default:
			pp.fail(k.Line, "unknown key %s (a profile has %s)", k.Value, strings.Join(profileKeys, ", "))
		}
	}
	if conf != nil {
		pp.confMap(conf)
	}
	if len(pp.p.conf) == 0 && len(pp.p.problems) == 0 {
		pp.fail(key.Line, "sets nothing; give it at least one of master, driver, executor, packages, conf")
	}
	return pp.p
}

// scalar returns a scalar's text, or reports that the key needs one.
func (pp *profileParser) scalar(name string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		pp.fail(v.Line, "%s must be a single value", name)
		return "", false
	}
	return v.Value, true
}

// section reads a nested mapping (driver:, executor:) whose keys are handled by fields.
func (pp *profileParser) section(k, v *yaml.Node, fields map[string]func(*yaml.Node, *yaml.Node)) {
	known := slices.Sorted(maps.Keys(fields))
	if v.Kind != yaml.MappingNode {
		pp.fail(v.Line, "%s must be a mapping with the keys %s", k.Value, strings.Join(known, ", "))
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		fk, fv := v.Content[i], v.Content[i+1]
		if f := fields[fk.Value]; f != nil {
			f(fk, fv)
		} else {
			pp.fail(fk.Line, "unknown key %s.%s (%s has %s)", k.Value, fk.Value, k.Value, strings.Join(known, ", "))
		}
	}
}

func (pp *profileParser) memory(name, sparkKey string, k, v *yaml.Node) {
	s, ok := pp.scalar(name, v)
	if !ok {
		return
	}
	if msg := checkMemory(s); msg != "" {
		pp.fail(v.Line, "%s %q: %s", name, s, msg)
		return
	}
	pp.setKey(sparkKey, s, k.Line)
}

// checkMemory returns why s is not a JVM memory size, or "".
func checkMemory(s string) string {
	if jvmMemory.MatchString(s) {
		return ""
	}
	if m := memoryWithB.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("write %s%s (a number with k, m, g or t; the JVM refuses %q)", m[1], strings.ToLower(m[2]), s)
	}
	return "must be a number with an optional k, m, g or t, e.g. 4g or 512m"
}

func (pp *profileParser) count(name, sparkKey string, k, v *yaml.Node) {
	s, ok := pp.scalar(name, v)
	if !ok {
		return
	}
	n, err := strconv.Atoi(s)
	if err != nil || v.Tag != "!!int" {
		pp.fail(v.Line, "%s %q: must be a whole number", name, s)
		return
	}
	if n < 1 {
		pp.fail(v.Line, "%s %d: must be at least 1", name, n)
		return
	}
	pp.setKey(sparkKey, strconv.Itoa(n), k.Line)
}

func (pp *profileParser) packages(k, v *yaml.Node) {
	if v.Kind != yaml.SequenceNode {
		pp.fail(v.Line, "packages must be a list of Maven coordinates (groupId:artifactId:version)")
		return
	}
	var coords []string
	for _, item := range v.Content {
		if item.Kind != yaml.ScalarNode || !mavenCoordinate.MatchString(item.Value) {
			pp.fail(item.Line, "package %q: not a Maven coordinate groupId:artifactId:version", item.Value)
			continue
		}
		coords = append(coords, item.Value)
	}
	if len(coords) > 0 {
		pp.setKey(keyPackages, strings.Join(coords, ","), k.Line)
	}
}

// confMap reads `conf:`, Spark keys to values. A key a structured field also sets is a conflict.
func (pp *profileParser) confMap(v *yaml.Node) {
	if v.Kind != yaml.MappingNode {
		if v.Kind != yaml.ScalarNode || v.Tag != "!!null" {
			pp.fail(v.Line, "conf must be a mapping of Spark keys to values")
		}
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		ck, cv := v.Content[i], v.Content[i+1]
		key := ck.Value
		switch {
		case !strings.HasPrefix(key, "spark."):
			pp.fail(ck.Line, "conf %s: Spark ignores keys that do not start with spark.", key)
			continue
		case key == "spark.plugins.defaultList" || strings.HasPrefix(key, "spark.sparkmonitor."):
			pp.fail(ck.Line, "conf %s: set by the monitor (it loads the listener); a profile cannot change it", key)
			continue
		case cv.Kind != yaml.ScalarNode || cv.Tag == "!!null":
			pp.fail(cv.Line, "conf %s must be a single value (text, number or boolean)", key)
			continue
		}
		if line, ok := pp.set[key]; ok {
			pp.fail(ck.Line, "conf %s conflicts with line %d, which sets it too; set it once", key, line)
			continue
		}
		if key == keyDriverMemory || key == keyExecutorMemory {
			if msg := checkMemory(cv.Value); msg != "" {
				pp.fail(cv.Line, "conf %s %q: %s", key, cv.Value, msg)
				continue
			}
		}
		pp.setKey(key, cv.Value, ck.Line)
	}
}

func (pp *profileParser) setKey(key, value string, line int) {
	pp.p.conf[key] = value
	pp.set[key] = line
}

// profileSet formats the parsed profiles' problems with the file's path.
func (s *profileSection) profileSet(path string) *ProfileSet {
	if len(s.list) == 0 {
		return nil
	}
	out := &ProfileSet{Profiles: make([]Profile, 0, len(s.list))}
	for _, pp := range s.list {
		p := Profile{Name: pp.name, Description: pp.description, Line: pp.line}
		slices.SortStableFunc(pp.problems, func(a, b profileProblem) int { return a.line - b.line })
		for _, pr := range pp.problems {
			p.Problems = append(p.Problems, fmt.Sprintf("%s:%d: %s", path, pr.line, pr.msg))
		}
		if len(p.Problems) == 0 {
			p.Conf = pp.conf
		}
		out.Profiles = append(out.Profiles, p)
	}
	return out
}

// Count returns how many profiles are valid and how many are not.
func (s *ProfileSet) Count() (valid, invalid int) {
	if s == nil {
		return 0, 0
	}
	for _, p := range s.Profiles {
		if p.Valid() {
			valid++
		} else {
			invalid++
		}
	}
	return valid, invalid
}
