package config

import (
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	promcommon "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// MaxCheckInterval bounds interval: a series written less often than the
// query lookback (5m) has gaps that resolve and re-fire alerts.
const MaxCheckInterval = 5 * time.Minute

// Check configures one health check (section `checks:`): the keys every
// kind has, and in Spec the kind's own. In the file all of them sit flat
// in one mapping; a key of another kind set to other than its default is
// an error rather than silently unused.
//
// Passwords never sit in the file itself: each comes from an environment
// variable (`*_env`) or a file (`*_file`) read at every run, so rotating
// one needs no reload.
type Check struct {
	Name     string            `yaml:"name"`
	Kind     string            `yaml:"kind"`
	Interval model.Duration    `yaml:"interval"`
	Timeout  model.Duration    `yaml:"timeout"`
	Critical bool              `yaml:"critical"`
	Labels   map[string]string `yaml:"labels"`

	// Spec holds the kind's own keys: *PostgresCheck, *RedisCheck,
	// *S3Check, *HTTPCheck, *TCPCheck or *HeadersCheck. It is nil only for a kind ward
	// does not know, which validation rejects.
	Spec CheckSpec `yaml:"-"`

	// foreign lists the keys of other kinds the check sets to other
	// than their defaults, in the order of checkKinds and their fields.
	foreign []string
}

// CheckSpec is the kind-specific part of a check. Each kind's type lives
// in its own file (check_postgres.go, ...) and is listed in checkKinds.
type CheckSpec interface {
	// validate reports the problems of the kind's keys; ch is the whole
	// check, for its timeout.
	validate(v *pathValidator, ch *Check)
	// setDirectory resolves the kind's file paths against dir, the
	// config file's directory, as Prometheus does for its own *_file
	// keys.
	setDirectory(dir string)
}

// checkKind is one kind of check: its name and a constructor of its spec
// with the kind's defaults.
type checkKind struct {
	name string
	spec func() CheckSpec
}

// checkKinds are the kinds ward can check. A new kind is a file with its
// spec type, an entry here, and its prober in package checks.
var checkKinds = []checkKind{
	{CheckPostgres, func() CheckSpec { return &PostgresCheck{} }},
	{CheckRedis, func() CheckSpec { return &RedisCheck{} }},
	{CheckS3, func() CheckSpec { s := DefaultS3Check(); return &s }},
	{CheckHTTP, func() CheckSpec { s := DefaultHTTPCheck(); return &s }},
	{CheckTCP, func() CheckSpec { return &TCPCheck{} }},
	{CheckHeaders, func() CheckSpec { return &HeadersCheck{} }}, // issue 13
}

// CheckKinds returns the names of the kinds of check ward knows.
func CheckKinds() []string {
	names := make([]string, len(checkKinds))
	for i, k := range checkKinds {
		names[i] = k.name
	}
	return names
}

// checkKindNamed returns the kind called name.
func checkKindNamed(name string) (checkKind, bool) {
	i := slices.IndexFunc(checkKinds, func(k checkKind) bool { return k.name == name })
	if i < 0 {
		return checkKind{}, false
	}
	return checkKinds[i], true
}

var (
	checkType = reflect.TypeFor[Check]()
	// checkSpecKeys are the keys of every kind, with their types: the
	// strict checker accepts them on any check and validation then
	// reports those of another kind.
	checkSpecKeys = func() map[string]reflect.Type {
		keys := map[string]reflect.Type{}
		for _, k := range checkKinds {
			fields, _, _ := yamlFields(reflect.TypeOf(k.spec()).Elem())
			for key, t := range fields {
				if _, ok := keys[key]; !ok {
					keys[key] = t
				}
			}
		}
		return keys
	}()
)

// DefaultCheck returns the values of the common keys a check leaves out;
// each kind's spec has its own defaults (DefaultS3Check,
// DefaultHTTPCheck).
func DefaultCheck() Check {
	return Check{
		Interval: model.Duration(30 * time.Second),
		Timeout:  model.Duration(5 * time.Second),
	}
}

// plainCheck is Check without its YAML methods.
type plainCheck Check

// UnmarshalYAML applies DefaultCheck and the kind's defaults under the
// document's values, and notes the keys of other kinds it sets.
func (c *Check) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("a check is a mapping with name and kind, got %q", n.Value)
	}
	*c = DefaultCheck()
	if err := n.Decode((*plainCheck)(c)); err != nil {
		return err
	}
	kind, ok := checkKindNamed(c.Kind)
	if !ok {
		return nil
	}
	c.Spec = kind.spec()
	if err := n.Decode(c.Spec); err != nil {
		return err
	}
	own, _, _ := yamlFields(reflect.TypeOf(c.Spec).Elem())
	for _, other := range checkKinds {
		if other.name == kind.name {
			continue
		}
		keys, err := setKeys(n, other.spec)
		if err != nil {
			return err
		}
		for _, key := range keys {
			if _, mine := own[key]; !mine && !slices.Contains(c.foreign, key) {
				c.foreign = append(c.foreign, key)
			}
		}
	}
	return nil
}

// setKeys returns the keys of the kind newSpec builds that n sets to
// other than that kind's defaults, in the order the kind declares them.
func setKeys(n *yaml.Node, newSpec func() CheckSpec) ([]string, error) {
	got, def := newSpec(), newSpec()
	if err := n.Decode(got); err != nil {
		return nil, err
	}
	var keys []string
	gv, dv := reflect.ValueOf(got).Elem(), reflect.ValueOf(def).Elem()
	for i := 0; i < gv.NumField(); i++ {
		if !reflect.DeepEqual(gv.Field(i).Interface(), dv.Field(i).Interface()) {
			keys = append(keys, yamlKey(gv.Type().Field(i)))
		}
	}
	return keys, nil
}

// MarshalYAML renders the check flat, as it is written: the common keys,
// then the kind's.
func (c Check) MarshalYAML() (any, error) {
	if c.Spec == nil {
		return plainCheck(c), nil
	}
	spec := reflect.ValueOf(c.Spec).Elem()
	t := reflect.StructOf([]reflect.StructField{
		{Name: "Check", Type: reflect.TypeFor[plainCheck](), Tag: `yaml:",inline"`},
		{Name: "Spec", Type: spec.Type(), Tag: `yaml:",inline"`},
	})
	out := reflect.New(t).Elem()
	out.Field(0).Set(reflect.ValueOf(plainCheck(c)))
	out.Field(1).Set(spec)
	return out.Interface(), nil
}

var (
	checkNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	labelNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// reservedCheckLabels are the labels ward sets on check series itself.
var reservedCheckLabels = map[string]bool{
	"check": true, "kind": true, "op": true, "reason": true, "role": true, "version": true,
}

// validateChecks checks the `checks:` section and resolves its relative
// file paths against the config file's directory.
func (c *Config) validateChecks() []fieldError {
	var errs []fieldError
	seen := map[string]int{}
	for i := range c.Checks {
		ch := &c.Checks[i]
		if c.Source != DefaultSource && ch.Spec != nil {
			ch.Spec.setDirectory(filepath.Dir(c.Source))
		}
		v := pathValidator{path: fmt.Sprintf("checks[%d]", i)}
		switch {
		case ch.Name == "":
			v.add("name", "required")
		case !checkNameRE.MatchString(ch.Name):
			v.add("name", "%q: use letters, digits, '_', '.' and '-', starting with a letter or digit", ch.Name)
		default:
			if first, dup := seen[ch.Name]; dup {
				v.add("name", "%q already names checks[%d]", ch.Name, first)
			} else {
				seen[ch.Name] = i
			}
		}
		validateCommon(&v, ch)
		if ch.Spec != nil {
			for _, key := range ch.foreign {
				v.add(key, "not used by kind %s", ch.Kind)
			}
			ch.Spec.validate(&v, ch)
		} else {
			v.add("kind", "%q: want one of %s", ch.Kind, strings.Join(CheckKinds(), ", "))
		}
		errs = append(errs, v.errs...)
	}
	return errs
}

// validateCommon checks the keys every kind has.
func validateCommon(v *pathValidator, ch *Check) {
	switch iv := time.Duration(ch.Interval); {
	case iv <= 0:
		v.add("interval", "must be positive")
	case iv > MaxCheckInterval:
		v.add("interval", "%s is longer than %s; alerts would see gaps", ch.Interval, model.Duration(MaxCheckInterval))
	}
	switch {
	case ch.Timeout <= 0:
		v.add("timeout", "must be positive")
	case ch.Interval > 0 && ch.Timeout > ch.Interval:
		v.add("timeout", "%s exceeds interval %s", ch.Timeout, ch.Interval)
	}
	for name := range ch.Labels {
		switch {
		case !labelNameRE.MatchString(name) || strings.HasPrefix(name, "__"):
			v.add("labels."+name, "invalid label name")
		case reservedCheckLabels[name]:
			v.add("labels."+name, "ward sets label %q itself", name)
		}
	}
}

// validateAddress checks a host:port key.
func validateAddress(v *pathValidator, addr string) {
	if addr == "" {
		v.add("address", "required")
		return
	}
	if host, port, err := net.SplitHostPort(addr); err != nil || host == "" || port == "" {
		v.add("address", "want host:port, got %q", addr)
	}
}

// validateTLS checks tls_config; enabled is false when the kind turns TLS
// on with `tls: true` and the check does not.
func validateTLS(v *pathValidator, c promcommon.TLSConfig, enabled bool) {
	if reflect.ValueOf(c).IsZero() {
		return
	}
	if !enabled {
		v.add("tls_config", "set tls: true to use it")
	}
	if err := c.Validate(); err != nil {
		v.add("tls_config", "%v", err)
	}
}

// resolvePaths joins each non-empty relative path with dir.
func resolvePaths(dir string, paths ...*string) {
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}
