package dashboard

import (
	"strings"
	"testing"
	"time"
)

func TestLegendProblem(t *testing.T) {
	for _, tt := range []struct {
		legend string
		want   string // "" for none
	}{
		{"", ""},
		{"{{instance}}", ""},
		{"{{ instance }} {{mountpoint}} free", ""},
		{"{{__name__}}", ""},
		{"{{job", "unbalanced brace at byte 1"},
		{"{{job}} {{instance", "unbalanced brace at byte 9"},
		{"job}}", "unbalanced brace at byte 4"},
		{"{instance}", "unbalanced brace at byte 1"},
		{"{{a-b}}", `"{{a-b}}" at byte 1 is not a {{label}} template`},
		{"x {{ .Labels.job }}", `"{{ .Labels.job }}" at byte 3 is not a {{label}} template`},
		{"{{1abc}}", "is not a {{label}} template"},
	} {
		t.Run(tt.legend, func(t *testing.T) {
			got := legendProblem(tt.legend)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("legendProblem(%q) = %q, want %q", tt.legend, got, tt.want)
			}
		})
	}
}

func TestExpandRateInterval(t *testing.T) {
	const expr = "rate(a[$__rate_interval]) / rate(b[$__rate_interval])"
	for _, tt := range []struct {
		window time.Duration
		want   string
	}{
		{5 * time.Minute, "rate(a[5m]) / rate(b[5m])"},
		{2 * time.Hour, "rate(a[2h]) / rate(b[2h])"},
		{1230 * time.Second, "rate(a[1230s]) / rate(b[1230s])"},
	} {
		if got := ExpandRateInterval(expr, tt.window); got != tt.want {
			t.Errorf("ExpandRateInterval(%s) = %q, want %q", tt.window, got, tt.want)
		}
	}
	if got := ExpandRateInterval("up", time.Hour); got != "up" {
		t.Errorf("no placeholder: %q", got)
	}
	// Validation reads the placeholder as 5m, so broken PromQL around it
	// still fails and a good expression passes.
	p := Panel{ID: "a", Title: "A", Expr: "rate(x[$__rate_interval])"}
	if errs := p.Validate(); len(errs) != 0 {
		t.Errorf("placeholder rejected: %v", errs)
	}
	p.Expr = "rate(x[$__rate_interval]"
	if errs := p.Validate(); len(errs) != 1 || !strings.HasPrefix(errs[0], "expr: ") {
		t.Errorf("broken expression with the placeholder: %v", errs)
	}
	p.Expr = "rate(x[$__rate_intervl])"
	if errs := p.Validate(); len(errs) != 1 {
		t.Errorf("misspelt placeholder accepted: %v", errs)
	}
}

func TestRequirement(t *testing.T) {
	good := Requirement{Selector: `pg_up or ward_check_up{kind="postgres"}`, Help: "Add a postgres check.", Page: "/checks", Docs: "Health checks"}
	if errs := good.Validate(); len(errs) != 0 {
		t.Fatalf("good requirement: %v", errs)
	}
	if got, want := good.CheckExpr(), `count(last_over_time(pg_up[1h])) or count(last_over_time(ward_check_up{kind="postgres"}[1h]))`; got != want {
		t.Errorf("CheckExpr = %s, want %s", got, want)
	}
	for _, tt := range []struct {
		r    Requirement
		want string
	}{
		{Requirement{Help: "x"}, "selector: required"},
		{Requirement{Selector: "rate(up[5m])", Help: "x"}, "selector: want series selectors"},
		{Requirement{Selector: "up and down", Help: "x"}, "selector: want series selectors"},
		{Requirement{Selector: "up{", Help: "x"}, "selector: 1:"},
		{Requirement{Selector: "up"}, "help: required"},
		{Requirement{Selector: "up", Help: "x", Page: "https://example.com/"}, "page: want a path of ward"},
		{Requirement{Selector: "up", Help: "x", Page: "//evil.example"}, "page: want a path of ward"},
	} {
		errs := tt.r.Validate()
		if len(errs) != 1 || !strings.HasPrefix(errs[0], tt.want) {
			t.Errorf("%+v: %v, want %q", tt.r, errs, tt.want)
		}
	}
}

// TestParseBoardsEveryProblem: a boards file reports every problem at
// once, each with its line and key.
func TestParseBoardsEveryProblem(t *testing.T) {
	doc := `boards:
  - name: a
    title: A
    requires:
      selector: rate(x[5m])
    panels:
      - id: one
        title: One
        expr: up{
        legend: "{{job"
      - id: two
        title: Two
        expr: up
        note: fine
        unit: furlongs
`
	_, err := parseBoards([]byte(doc), "f.yml")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"f.yml: boards[0].requires.selector: want series selectors",
		"f.yml: boards[0].requires.help: required",
		"f.yml:7: boards[0].panels[0].expr: ",
		"f.yml:7: boards[0].panels[0].legend: unbalanced brace at byte 1",
		"f.yml:11: boards[0].panels[1].unit: ",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

// TestBuiltinRequirements: every built-in board says what it needs, and
// the notes the brief of a confused first user asked for are there.
func TestBuiltinRequirements(t *testing.T) {
	boards, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range boards {
		if b.Requires == nil || b.Requires.CheckExpr() == "" {
			t.Errorf("board %s has no requirement", b.Name)
		}
	}
	notes := map[string]string{
		"postgres/replication-lag":   "Only replicas",
		"redis/memory":               "maxmemory",
		"postgres/check-connections": "PostgresConnectionsNearLimit",
		"postgres/connections":       "PostgresConnectionsNearLimit",
	}
	for id, want := range notes {
		board, panel, _ := strings.Cut(id, "/")
		b, _ := Find(boards, board)
		found := false
		for _, p := range b.Panels {
			if p.ID == panel {
				found = true
				if !strings.Contains(p.Note, want) {
					t.Errorf("%s note %q, want it to mention %q", id, p.Note, want)
				}
			}
		}
		if !found {
			t.Errorf("no panel %s", id)
		}
	}
}
