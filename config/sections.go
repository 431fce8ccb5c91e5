package config

import (
	"reflect"
	"strings"

	amconfig "github.com/prometheus/alertmanager/config"
	promconfig "github.com/prometheus/prometheus/config"
)

// ward's own top-level sections are the fields of Config that have a yaml
// key. Everything that needs the list of sections takes it from there:
// the strict checker's document, the lines hidden from Prometheus' loader,
// Load's decoding and String's output. A new section is one field of
// Config (and, in testdata/sections.yaml, a value for it: a test insists).

// section is one of ward's own top-level keys.
type section struct {
	key   string
	field reflect.StructField // the Config field it decodes into
	// shape is the type the strict checker walks for the section.
	shape reflect.Type
	// own says the section type has a loader of its own instead of a
	// plain decode into the field (alerting: Alertmanager's), and is
	// left out of String.
	own bool
}

// ownLoaded is implemented by a section type that Load decodes with a
// loader of its own. yamlShape is the type the strict checker walks for
// it.
type ownLoaded interface {
	yamlShape() reflect.Type
}

// yamlShape is Alertmanager's configuration: the checker walks the
// section as Alertmanager's own type, plus ward's route extensions.
func (*Alerting) yamlShape() reflect.Type { return reflect.TypeFor[amconfig.Config]() }

var _ ownLoaded = (*Alerting)(nil)

// prometheusSections are the top-level keys handed to Prometheus' loader,
// as the strict checker walks them.
var prometheusSections = []reflect.StructField{
	{Name: "Global", Type: reflect.TypeFor[promconfig.GlobalConfig](), Tag: `yaml:"global"`},
	{Name: "ScrapeConfigs", Type: reflect.TypeFor[[]*promconfig.ScrapeConfig](), Tag: `yaml:"scrape_configs"`},
	{Name: "ScrapeConfigFiles", Type: reflect.TypeFor[[]string](), Tag: `yaml:"scrape_config_files"`},
	{Name: "RuleFiles", Type: reflect.TypeFor[[]string](), Tag: `yaml:"rule_files"`},
}

var (
	// sections are Config's yaml-keyed fields, in declaration order.
	sections = sectionsOf(reflect.TypeFor[Config]())
	// documentType is what the strict checker walks at the top level:
	// Prometheus' keys and ward's sections.
	documentType = reflect.StructOf(documentFields())
	// printedType holds the sections String prints, with their tags.
	printedType = reflect.StructOf(printedFields())
)

// yamlKey returns the key of a field's yaml tag: "" for a field without
// one, "-" for one YAML never sees.
func yamlKey(f reflect.StructField) string {
	key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return key
}

func sectionsOf(t reflect.Type) []section {
	var out []section
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key := yamlKey(f)
		if key == "" || key == "-" {
			continue
		}
		s := section{key: key, field: f, shape: f.Type}
		if f.Type.Implements(reflect.TypeFor[ownLoaded]()) {
			s.shape, s.own = reflect.Zero(f.Type).Interface().(ownLoaded).yamlShape(), true
		}
		out = append(out, s)
	}
	return out
}

// wardSection returns the section named key, if ward owns it.
func wardSection(key string) (section, bool) {
	for _, s := range sections {
		if s.key == key {
			return s, true
		}
	}
	return section{}, false
}

func documentFields() []reflect.StructField {
	fields := append([]reflect.StructField(nil), prometheusSections...)
	for _, s := range sections {
		fields = append(fields, reflect.StructField{Name: s.field.Name, Type: s.shape, Tag: s.field.Tag})
	}
	return fields
}

func printedFields() []reflect.StructField {
	var fields []reflect.StructField
	for _, s := range sections {
		if !s.own {
			fields = append(fields, reflect.StructField{Name: s.field.Name, Type: s.field.Type, Tag: s.field.Tag})
		}
	}
	return fields
}

// printed copies c's printed sections into a value of printedType.
func (c *Config) printed() any {
	out := reflect.New(printedType).Elem()
	src := reflect.ValueOf(c).Elem()
	for i := 0; i < printedType.NumField(); i++ {
		name := printedType.Field(i).Name
		out.FieldByName(name).Set(src.FieldByName(name))
	}
	return out.Interface()
}

// sectionField returns a pointer to the field of c that s decodes into.
func (c *Config) sectionField(s section) any {
	return reflect.ValueOf(c).Elem().FieldByIndex(s.field.Index).Addr().Interface()
}
