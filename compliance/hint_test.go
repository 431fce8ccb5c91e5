package compliance

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestHintParts(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []HintPart
	}{
		{"plain", []HintPart{{Text: "plain"}}},
		{"check it with `ward audit verify --anchor SEQ:HASH`.", []HintPart{
			{Text: "check it with "}, {Text: "ward audit verify --anchor SEQ:HASH", Code: true}, {Text: "."}}},
		{"see [Backups](/docs#backups) and [/backups](/backups)", []HintPart{
			{Text: "see "}, {Text: "Backups", Href: "/docs#backups"}, {Text: " and "}, {Text: "/backups", Href: "/backups"}}},
		// Not ward's: stays text, marks and all.
		{"[evil](https://example.com)", []HintPart{{Text: "[evil](https://example.com)"}}},
		{"[evil](//example.com)", []HintPart{{Text: "[evil](//example.com)"}}},
		{"[x](javascript:alert(1))", []HintPart{{Text: "[x](javascript:alert(1))"}}},
		{"an ` alone, a [ alone", []HintPart{{Text: "an ` alone, a [ alone"}}},
		{"``", []HintPart{{Text: "``"}}},
	} {
		if got := HintParts(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("HintParts(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if got := HintText("see [Backups](/docs#backups), run `ward backup self`"); got != "see Backups (/docs#backups), run ward backup self" {
		t.Errorf("HintText: %q", got)
	}
}

// TestControlsLinkTheirDocs: every built-in control links to the section
// of ward's documentation that sets it up, and no hint refers to the
// README in words instead of a link.
func TestControlsLinkTheirDocs(t *testing.T) {
	for _, b := range builtins {
		if !strings.HasPrefix(b.Docs, "/docs#") {
			t.Errorf("%s: docs link %q, want /docs#section", b.ID, b.Docs)
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, "in the README") {
				t.Errorf("%s:%d: a hint names the README in words, not a link: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
