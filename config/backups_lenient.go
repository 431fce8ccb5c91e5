package config

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// backupsProblems checks the backups section of doc, decoded leniently;
// Load uses it when other keys are already wrong, so that one run names
// every problem of the section (the strict pass stops before semantics).
// References it cannot check without the rest of the file (a digest's
// receiver; a stanza's check when the checks do not decode) are left to
// the full pass, as are problems at a path the strict pass reported.
func backupsProblems(doc *yaml.Node, reported []problem, source string) []fieldError {
	n := yamlMapValue(doc, "backups")
	if n == nil {
		return nil
	}
	c := &Config{Source: source}
	// The values the strict pass rejected are left out before decoding:
	// one that fails to unmarshal (rto: 30 minutes) would otherwise abort
	// its whole list item, and the item's other keys would read as
	// missing (T12).
	_ = withoutReported(n, "backups", reported).Decode(&c.Backups)
	checksOK := true
	if ch := yamlMapValue(doc, "checks"); ch != nil {
		checksOK = ch.Decode(&c.Checks) == nil
	}
	var out []fieldError
	for _, fe := range c.validateBackups() {
		switch {
		case strings.HasSuffix(fe.path, ".digest.receiver") || fe.path == "backups.digest.receiver":
			continue
		case !checksOK && strings.HasSuffix(fe.path, ".check"):
			continue
		case reportedAt(fe.path, reported):
			continue
		}
		out = append(out, fe)
	}
	return out
}

// reportedAt says whether the strict pass already reported path, a
// parent or a child of it.
func reportedAt(path string, reported []problem) bool {
	for _, p := range reported {
		if path == p.path || strings.HasPrefix(path, p.path+".") || strings.HasPrefix(path, p.path+"[") || strings.HasPrefix(p.path, path+".") {
			return true
		}
	}
	return false
}

// withoutReported copies n (at path) without the mapping entries the
// strict pass reported; a reported list item becomes an empty mapping so
// the items after it keep their indices.
func withoutReported(n *yaml.Node, path string, reported []problem) *yaml.Node {
	out := *n
	switch n.Kind {
	case yaml.MappingNode:
		out.Content = nil
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := path + "." + n.Content[i].Value
			if isReported(p, reported) {
				continue
			}
			out.Content = append(out.Content, n.Content[i], withoutReported(n.Content[i+1], p, reported))
		}
	case yaml.SequenceNode:
		out.Content = make([]*yaml.Node, len(n.Content))
		for i, item := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			if isReported(p, reported) {
				item = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			}
			out.Content[i] = withoutReported(item, p, reported)
		}
	}
	return &out
}

func isReported(path string, reported []problem) bool {
	for _, p := range reported {
		if p.path == path {
			return true
		}
	}
	return false
}
