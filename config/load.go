package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	promconfig "github.com/prometheus/prometheus/config"
	yamlv2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"
)

// LoadFileOrDefault loads the file at path, or the embedded default when
// path is empty, as every ward command does for its --config flag.
func LoadFileOrDefault(path string) (*Config, error) {
	if path == "" {
		return Default()
	}
	return LoadFile(path)
}

// LoadFile reads and validates the configuration file at path.
func LoadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Load(data, path)
	if err != nil {
		return nil, err
	}
	// storage.path stays as written: like Prometheus'
	// --storage.tsdb.path it is relative to the working directory.
	cfg.Prometheus.SetDirectory(filepath.Dir(path))
	return cfg, nil
}

// Load decodes and validates a configuration document. source names it in
// errors (a file path, or DefaultSource). Every problem found is returned
// at once, each as "source:line:column: key.path: message".
func Load(data []byte, source string) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		// yaml.v3 places some syntax errors at the enclosing block's
		// start; v2 (Prometheus' parser) points nearer the fault.
		var v any
		if err2 := yamlv2.Unmarshal(data, &v); err2 != nil {
			err = err2
		}
		return nil, fmt.Errorf("%s:%s", source, yamlSyntaxError(err))
	}
	doc := &yaml.Node{Kind: yaml.MappingNode}
	if len(root.Content) > 0 {
		doc = root.Content[0]
	}
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		doc = &yaml.Node{Kind: yaml.MappingNode}
	}
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d:%d: the configuration must be a mapping of sections", source, doc.Line, doc.Column)
	}

	chk := newChecker()
	chk.walk(doc, documentType, "")
	chk.checkJobNames(doc)
	if len(chk.problems) > 0 {
		// Every bad panel in one run, even when other keys are wrong
		// (issue 11 trial).
		for _, fe := range dashboardProblems(doc, chk.problems) {
			chk.problems = append(chk.problems, chk.at(fe.path, fe.msg))
		}
		for _, fe := range backupsProblems(doc, chk.problems, source) { // issue 12
			chk.problems = append(chk.problems, chk.at(fe.path, fe.msg))
		}
		return nil, chk.err(source)
	}

	prom, err := promconfig.Load(prometheusPart(data, doc), slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, prometheusError(source, err)
	}
	cfg := &Config{
		Prometheus: prom,
		Storage:    DefaultStorage(),
		Server:     DefaultServer(),
		Rules:      DefaultRules(),
		Auth:       DefaultAuth(),
		Query:      DefaultQuery(),
		Events:     DefaultEvents(),
		Dashboard:  DefaultDashboard(),
		Limits:     DefaultLimits(), // issue 13, rate limits
		Privacy:    DefaultPrivacy(),
		Compliance: DefaultCompliance(), // issue 14
		Errors:     DefaultErrors(),     // issue 16
		Source:     source,
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if s, ok := wardSection(doc.Content[i].Value); ok && !s.own {
			// The checker has already decoded every value; this cannot
			// fail on a document it accepted.
			if err := doc.Content[i+1].Decode(cfg.sectionField(s)); err != nil {
				return nil, fmt.Errorf("%s:%d: %s: %s", source, doc.Content[i].Line, doc.Content[i].Value, cleanYAMLError(err))
			}
		}
	}
	if cfg.Alerting, err = loadAlerting(data, doc, source, filepath.Dir(source)); err != nil {
		return nil, err
	}
	if cfg.Rules.Builtin {
		if cfg.Alerting.BuiltinInhibitRules, err = builtinInhibitRules(); err != nil {
			return nil, err
		}
	}
	applyScrapeDefaults(prom)
	for _, fe := range cfg.validate() {
		chk.problems = append(chk.problems, chk.at(fe.path, fe.msg))
	}
	if len(chk.problems) > 0 {
		return nil, chk.err(source)
	}
	// Each user panel remembers where it is written (issue 11).
	for i := range cfg.Dashboard.Panels {
		p := &cfg.Dashboard.Panels[i]
		if n := chk.nodes[fmt.Sprintf("dashboard.panels[%d]", i)]; n != nil {
			p.source = fmt.Sprintf("%s:%d", source, n.Line)
		}
		for j := range p.Thresholds {
			if n := chk.nodes[fmt.Sprintf("dashboard.panels[%d].thresholds[%d]", i, j)]; n != nil {
				p.thresholdAt = append(p.thresholdAt, fmt.Sprintf("%s:%d:%d", source, n.Line, n.Column))
			} else {
				p.thresholdAt = append(p.thresholdAt, p.source)
			}
		}
	}
	return cfg, nil
}

// applyScrapeDefaults sets ward's safer defaults where Prometheus' are
// unbounded.
func applyScrapeDefaults(prom *promconfig.Config) {
	if prom.GlobalConfig.BodySizeLimit == 0 {
		prom.GlobalConfig.BodySizeLimit = DefaultBodySizeLimit
	}
	for _, sc := range prom.ScrapeConfigs {
		if sc.BodySizeLimit == 0 {
			sc.BodySizeLimit = prom.GlobalConfig.BodySizeLimit
		}
	}
}

// prometheusPart returns the document with ward's own sections blanked
// out line by line, so that line numbers in Prometheus' errors still point
// into the original file.
func prometheusPart(data []byte, doc *yaml.Node) string {
	if doc.Style&yaml.FlowStyle != 0 {
		// A one-line flow mapping cannot be blanked by lines; rebuild it
		// without ward's keys (positions are lost, content is not).
		pruned := &yaml.Node{Kind: yaml.MappingNode}
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if _, ward := wardSection(doc.Content[i].Value); !ward {
				pruned.Content = append(pruned.Content, doc.Content[i], doc.Content[i+1])
			}
		}
		out, err := yaml.Marshal(pruned)
		if err != nil {
			return ""
		}
		return string(out)
	}
	lines := bytes.Split(data, []byte("\n"))
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if _, ward := wardSection(doc.Content[i].Value); !ward {
			continue
		}
		start := doc.Content[i].Line - 1
		end := len(lines)
		if i+2 < len(doc.Content) {
			end = doc.Content[i+2].Line - 1
		}
		for l := start; l < end && l < len(lines); l++ {
			lines[l] = nil
		}
	}
	return string(bytes.Join(lines, []byte("\n")))
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// prometheusError places an error from Prometheus' loader in the file.
func prometheusError(source string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
	var out []error
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if m := yamlLineRE.FindStringSubmatch(line); m != nil {
			out = append(out, fmt.Errorf("%s:%s: %s", source, m[1], m[2]))
			continue
		}
		out = append(out, fmt.Errorf("%s: %s", source, line))
	}
	return errors.Join(out...)
}

// yamlSyntaxError turns "yaml: line 3: msg" into "3: msg".
func yamlSyntaxError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ": "); ok {
			if _, err := strconv.Atoi(n); err == nil {
				return n + ": " + tail
			}
		}
	}
	return " " + msg
}

// at locates a validation finding by its key path, falling back to the
// nearest parent the document spells out.
func (c *checker) at(path, msg string) problem {
	for p := path; ; {
		if n, ok := c.nodes[p]; ok && n != nil && n.Line > 0 {
			return problem{line: n.Line, column: n.Column, path: path, msg: msg}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return problem{path: path, msg: msg}
		}
		p = p[:i]
	}
}

// err joins the problems into one error, one line per problem.
func (c *checker) err(source string) error {
	errs := make([]error, 0, len(c.problems))
	for _, p := range c.problems {
		if p.line > 0 {
			errs = append(errs, fmt.Errorf("%s:%d:%d: %s: %s", source, p.line, p.column, p.path, p.msg))
		} else {
			errs = append(errs, fmt.Errorf("%s: %s: %s", source, p.path, p.msg))
		}
	}
	return errors.Join(errs...)
}
