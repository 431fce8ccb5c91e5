package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/discovery/dns"
	"github.com/prometheus/prometheus/discovery/file"
	"github.com/prometheus/prometheus/discovery/http"
	"github.com/prometheus/prometheus/discovery/targetgroup"
	"go.yaml.in/yaml/v3"
)

// sdConfigTypes are the service discovery mechanisms ward compiles in, by
// their scrape config key. Each import also registers the mechanism with
// Prometheus' discovery package.
var sdConfigTypes = map[string]reflect.Type{
	"static_configs":  reflect.TypeFor[[]*targetgroup.Group](),
	"file_sd_configs": reflect.TypeFor[[]*file.SDConfig](),
	"dns_sd_configs":  reflect.TypeFor[[]*dns.SDConfig](),
	"http_sd_configs": reflect.TypeFor[[]*http.SDConfig](),
}

var (
	amRouteType          = reflect.TypeFor[amconfig.Route]()
	discoveryConfigsType = reflect.TypeFor[discovery.Configs]()
	// opaqueTypes decode themselves from a mapping whose keys do not match
	// their Go fields; the checker decodes them whole instead of walking.
	opaqueTypes = map[reflect.Type]bool{
		reflect.TypeFor[targetgroup.Group](): true,
	}
	v2Unmarshaler   = reflect.TypeFor[interface{ UnmarshalYAML(func(any) error) error }]()
	v3Unmarshaler   = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// problem is one finding of the checker, located in the source document.
type problem struct {
	line, column int
	path         string
	msg          string
}

// checker walks a YAML document alongside the Go type it must decode into
// and records every unknown key and every value its type rejects, with the
// key path, so that all problems are reported in one pass.
type checker struct {
	problems []problem
	// nodes maps each key path to its value node, to place later
	// (semantic) validation errors on a line.
	nodes map[string]*yaml.Node
}

func newChecker() *checker {
	return &checker{nodes: map[string]*yaml.Node{}}
}

func (c *checker) report(n *yaml.Node, path, format string, args ...any) {
	c.problems = append(c.problems, problem{line: n.Line, column: n.Column, path: path, msg: fmt.Sprintf(format, args...)})
}

func customUnmarshal(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(v2Unmarshaler) || p.Implements(v3Unmarshaler) || p.Implements(textUnmarshaler)
}

// decodeInto checks that n decodes into a value of type t.
func (c *checker) decodeInto(n *yaml.Node, t reflect.Type, path string) {
	v := reflect.New(t)
	if err := n.Decode(v.Interface()); err != nil {
		c.report(n, path, "%s", cleanYAMLError(err))
	}
}

// cleanYAMLError strips the decoder's "yaml: unmarshal errors: line N:"
// framing; the checker supplies the position itself.
func cleanYAMLError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	msg = strings.TrimSpace(msg)
	if strings.HasPrefix(msg, "line ") {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
	}
	return msg
}

func (c *checker) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	c.nodes[path] = n
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if customUnmarshal(t) && (n.Kind == yaml.ScalarNode || opaqueTypes[t] || !hasYAMLFields(t)) {
		c.decodeInto(n, t, path)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		c.walkStruct(n, t, path)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.report(n, path, "expected a mapping, got %s", kindName(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.walk(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value))
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			c.report(n, path, "expected a list, got %s", kindName(n))
			return
		}
		for i, item := range n.Content {
			c.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Interface:
		// Any value is acceptable.
	default:
		if n.Kind != yaml.ScalarNode {
			c.report(n, path, "expected a %s value, got %s", t.Kind(), kindName(n))
			return
		}
		c.decodeInto(n, t, path)
	}
}

func (c *checker) walkStruct(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		c.report(n, path, "expected a mapping, got %s", kindName(n))
		return
	}
	fields, acceptsDiscovery, inlineMap := yamlFields(t)
	switch t {
	case amRouteType:
		for k := range routeExtensions {
			fields[k] = reflect.TypeFor[string]()
		}
	case checkType:
		// Which keys a check uses depends on its kind; validation
		// reports those of another kind.
		for k, ft := range checkSpecKeys {
			fields[k] = ft
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		p := joinPath(path, key.Value)
		if first, dup := seen[key.Value]; dup {
			c.report(key, p, "duplicate key, first set at line %d", first)
			continue
		}
		seen[key.Value] = key.Line
		if ft, ok := fields[key.Value]; ok {
			c.walk(value, ft, p)
			continue
		}
		if acceptsDiscovery {
			if st, ok := sdConfigTypes[key.Value]; ok {
				c.walk(value, st, p)
				continue
			}
			if strings.HasSuffix(key.Value, "_sd_configs") {
				c.report(key, p, "service discovery %q is not built into ward (supported: static_configs, file_sd_configs, dns_sd_configs, http_sd_configs)", strings.TrimSuffix(key.Value, "_sd_configs"))
				continue
			}
		}
		if inlineMap != nil {
			c.walk(value, inlineMap, p)
			continue
		}
		c.report(key, p, "unknown key %q", key.Value)
	}
}

// yamlFields lists the keys a struct accepts, following yaml tags and
// inlined structs the way the YAML decoders do.
func yamlFields(t reflect.Type) (fields map[string]reflect.Type, acceptsDiscovery bool, inlineMap reflect.Type) {
	fields = map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type == discoveryConfigsType {
			acceptsDiscovery = true
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Map {
				inlineMap = ft.Elem()
				continue
			}
			sub, d, m := yamlFields(ft)
			for k, v := range sub {
				fields[k] = v
			}
			acceptsDiscovery = acceptsDiscovery || d
			if m != nil {
				inlineMap = m
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields, acceptsDiscovery, inlineMap
}

// hasYAMLFields reports whether a struct exposes any key to YAML.
func hasYAMLFields(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	fields, d, m := yamlFields(t)
	return len(fields) > 0 || d || m != nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}
