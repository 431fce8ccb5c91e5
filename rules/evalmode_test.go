package rules

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
)

func TestEvalModeField(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		rules   int
		wantErr []string
	}{
		{name: "on_data and interval accepted", rules: 2, file: "groups:\n  - name: a\n    evaluation: on_data\n    rules:\n      - alert: A\n        expr: up == 0\n  - name: b\n    evaluation: interval # tick only\n    rules:\n      - record: b\n        expr: sum(up)\n"},
		{name: "invalid value", file: "groups:\n  - name: a\n    evaluation: sometimes\n    rules:\n      - alert: A\n        expr: up == 0\n", wantErr: []string{"bad.yml:3:17:", "groups[0].evaluation", `"sometimes"`}},
		{name: "flow style", file: "groups:\n  - {name: a, evaluation: on_data, rules: [{alert: A, expr: up == 0}]}\n", wantErr: []string{"bad.yml:2:", "groups[0].evaluation", "block style"}},
		// Positions of later errors stay those of the file.
		{name: "later error keeps its line", file: "groups:\n  - name: a\n    evaluation: on_data\n    rules:\n      - alert: A\n        expr: up ==\n", wantErr: []string{"bad.yml:6:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeRules(t, dir, "bad.yml", tt.file)
			n, errs := CheckFile(filepath.Join(dir, "bad.yml"))
			if len(tt.wantErr) == 0 {
				if errs != nil || n != tt.rules {
					t.Fatalf("%d rules, %v; want %d rules", n, errs, tt.rules)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatal("want an error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errs[0].Error(), w) {
					t.Errorf("error %q lacks %q", errs[0], w)
				}
			}
		})
	}
	l := &loader{parser: NewParser(), logger: slog.New(slog.DiscardHandler)}
	dir := t.TempDir()
	writeRules(t, dir, "m.yml", tests[0].file)
	if _, errs := l.Load(filepath.Join(dir, "m.yml"), false, model.UTF8Validation); errs != nil {
		t.Fatal(errs)
	}
	modes := l.evalModes()
	if len(modes) != 2 || modes[filepath.Join(dir, "m.yml")+";a"] != EvalOnData || modes[filepath.Join(dir, "m.yml")+";b"] != EvalInterval {
		t.Errorf("modes %v", modes)
	}
}
