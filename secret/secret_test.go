package secret

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"
)

func TestSecretNeverPrints(t *testing.T) {
	const value = "hunter2-6f1c"
	type holder struct {
		S Secret            `yaml:"s" json:"s"`
		M map[string]Secret `yaml:"m" json:"m"`
	}
	h := holder{S: value, M: map[string]Secret{"Authorization": "Bearer " + value}}
	outputs := map[string]string{
		"fmt": fmt.Sprintf("%v %+v %#v %s %q", h, h, h, h.S, h.S),
	}
	y3, err := yaml.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	y2, err := yamlv2.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	// Decoded, so that JSON's escaping of < and > does not hide the marker.
	var back struct {
		S string            `json:"s"`
		M map[string]string `json:"m"`
	}
	if err := json.Unmarshal(j, &back); err != nil {
		t.Fatal(err)
	}
	outputs["yaml v3"], outputs["yaml v2"], outputs["json"] = string(y3), string(y2), back.S+" "+back.M["Authorization"]
	for where, out := range outputs {
		if strings.Contains(out, value) {
			t.Errorf("%s shows the secret: %s", where, out)
		}
		if !strings.Contains(out, Redacted) {
			t.Errorf("%s shows no %s: %s", where, Redacted, out)
		}
	}
	if string(h.S) != value {
		t.Error("the value is lost")
	}
}

func TestEmptySecretMarshalsEmpty(t *testing.T) {
	var s Secret
	if j, _ := json.Marshal(s); string(j) != `""` {
		t.Errorf("JSON %s, want \"\"", j)
	}
	if y, _ := yaml.Marshal(s); strings.TrimSpace(string(y)) != `""` {
		t.Errorf("YAML %q, want \"\"", y)
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	if err := os.WriteFile(file, []byte("from-file\r\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WARD_SECRET_TEST", "from-env")
	tests := []struct {
		name, env, file, want, err string
	}{
		{name: "neither", want: ""},
		{name: "env", env: "WARD_SECRET_TEST", want: "from-env"},
		{name: "file drops trailing newlines", file: file, want: "from-file"},
		{name: "env wins", env: "WARD_SECRET_TEST", file: file, want: "from-env"},
		{name: "unset env", env: "WARD_SECRET_TEST_UNSET", err: "environment variable WARD_SECRET_TEST_UNSET is not set"},
		{name: "missing file", file: filepath.Join(dir, "none"), err: "secret file: open " + filepath.Join(dir, "none")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(tt.env, tt.file)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("Read = %q, %v; want %q", string(got), err, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	got := Redact("user=u password=pw1 token=tok2 pw1", "pw1", "", "tok2")
	if want := "user=u password=<redacted> token=<redacted> <redacted>"; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	if got := Redact("nothing to hide"); got != "nothing to hide" {
		t.Errorf("Redact without secrets = %q", got)
	}
}
