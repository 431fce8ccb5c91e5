package rules

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	promrules "github.com/prometheus/prometheus/rules"

	"github.com/ward-monitoring/ward/rules/builtin"
)

// builtinPrefix marks a rule "file" that comes from the embedded pack; the
// HTTP API shows it as the group's file.
const builtinPrefix = "builtin:"

// loader feeds Prometheus' rule manager from disk and from the embedded
// pack, leaving out built-in rules the config disables or a user rule
// replaces.
type loader struct {
	parser parser.Parser
	logger *slog.Logger

	mu sync.Mutex
	// drop names built-in rules (alert or record) to leave out.
	drop map[string]bool
	// modes holds each loaded file's `evaluation:` settings, by file
	// identifier (evalmode.go).
	modes map[string]groupModes
}

// evalModes returns the `evaluation:` setting of every group of the files
// loaded so far, by group key (promrules.GroupKey).
func (l *loader) evalModes() map[string]EvalMode {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]EvalMode{}
	for file, gm := range l.modes {
		for name, m := range gm {
			out[promrules.GroupKey(file, name)] = m
		}
	}
	return out
}

func (l *loader) setModes(file string, gm groupModes) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.modes == nil {
		l.modes = map[string]groupModes{}
	}
	l.modes[file] = gm
}

func (l *loader) setDrop(drop map[string]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop = drop
}

// Load implements rules.GroupLoader.
func (l *loader) Load(identifier string, ignoreUnknownFields bool, scheme model.ValidationScheme) (*rulefmt.RuleGroups, []error) {
	name, builtinFile := strings.CutPrefix(identifier, builtinPrefix)
	var content []byte
	var err error
	if builtinFile {
		content, err = fs.ReadFile(builtin.FS, name)
	} else {
		content, err = os.ReadFile(identifier)
	}
	if err != nil {
		return nil, []error{fmt.Errorf("%s: %w", identifier, err)}
	}
	// ward's `evaluation:` field first: rulefmt refuses unknown fields.
	content, modes, errs := stripEvalModes(identifier, content)
	if errs != nil {
		return nil, errs
	}
	rgs, errs := rulefmt.Parse(content, ignoreUnknownFields, scheme, l.parser, l.logger)
	if errs != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("%s: %w", identifier, errs[i])
		}
		return nil, positioned(errs)
	}
	l.setModes(identifier, modes)
	if !builtinFile {
		return rgs, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := rgs.Groups[:0]
	for _, g := range rgs.Groups {
		g.Rules = slices.DeleteFunc(g.Rules, func(r rulefmt.Rule) bool {
			return l.drop[r.Alert] || l.drop[r.Record]
		})
		if len(g.Rules) > 0 {
			kept = append(kept, g)
		}
	}
	rgs.Groups = kept
	return rgs, nil
}

// Parse implements rules.GroupLoader.
func (l *loader) Parse(query string) (parser.Expr, error) {
	return l.parser.ParseExpr(query)
}

// builtinFiles lists the embedded rule files as loader identifiers.
func builtinFiles() []string {
	names, err := fs.Glob(builtin.FS, "*.yml")
	if err != nil {
		// The pattern is constant and valid.
		panic(err)
	}
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = builtinPrefix + n
	}
	return files
}

// builtinRuleNames returns every rule name (alert or record) in the pack.
func builtinRuleNames(l *loader) (map[string]bool, error) {
	names := map[string]bool{}
	for _, f := range builtinFiles() {
		rgs, errs := l.Load(f, false, model.UTF8Validation)
		if errs != nil {
			return nil, errs[0]
		}
		for _, g := range rgs.Groups {
			for _, r := range g.Rules {
				names[r.Alert+r.Record] = true
			}
		}
	}
	return names, nil
}

// rulefmt reports positions as "file: 12:3: msg"; ward and the compilers
// its users know print "file:12:3: msg".
var (
	posRE = regexp.MustCompile(`^(.*?): (?:yaml: )?(?:line )?(\d+)(?::(\d+))?: `)
	// zeroPosRE is rulefmt's "0:0" for errors it has no node for.
	zeroPosRE = regexp.MustCompile(`^(.*?): 0:0: `)
	// unmarshalRE is a YAML decoder's multi-line "unmarshal errors" form.
	unmarshalRE = regexp.MustCompile(`^(.*?): yaml: unmarshal errors:\s+line (\d+): `)
)

func positioned(errs []error) []error {
	for i, err := range errs {
		msg := err.Error()
		if m := zeroPosRE.FindStringSubmatch(msg); m != nil {
			errs[i] = fmt.Errorf("%s: %s", m[1], msg[len(m[0]):])
			continue
		}
		if m := unmarshalRE.FindStringSubmatch(msg); m != nil {
			errs[i] = fmt.Errorf("%s:%s: %s", m[1], m[2], strings.TrimSpace(msg[len(m[0]):]))
			continue
		}
		m := posRE.FindStringSubmatchIndex(msg)
		if m == nil {
			continue
		}
		loc := msg[m[2]:m[3]] + ":" + msg[m[4]:m[5]]
		if m[6] >= 0 {
			loc += ":" + msg[m[6]:m[7]]
		}
		errs[i] = fmt.Errorf("%s: %s", loc, msg[m[1]:])
	}
	return errs
}
