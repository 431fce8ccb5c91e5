package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Position places a key path (backups.stanzas[0].config) in a
// configuration document as "source:line:column", or the nearest parent
// the document spells out; source alone when the document does not
// parse. `ward check config` uses it for warnings about a valid file.
func Position(data []byte, source, path string) string {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return source
	}
	chk := newChecker()
	chk.walk(root.Content[0], documentType, "")
	p := chk.at(path, "")
	if p.line == 0 {
		return source
	}
	return fmt.Sprintf("%s:%d:%d", source, p.line, p.column)
}
