package config

import (
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestCheckKindsAgreeOnSharedKeys: a key that several kinds use (address,
// password_env, tls_config, ...) has one type, or the strict checker
// would accept for one kind what another cannot decode.
func TestCheckKindsAgreeOnSharedKeys(t *testing.T) {
	seen := map[string]string{}
	for _, k := range checkKinds {
		spec := k.spec()
		st := reflect.TypeOf(spec).Elem()
		for i := 0; i < st.NumField(); i++ {
			key := yamlKey(st.Field(i))
			if key == "" || key == "-" {
				t.Errorf("%s: field %s has no yaml key", k.name, st.Field(i).Name)
				continue
			}
			if _, common := reflect.TypeFor[plainCheck]().FieldByName(st.Field(i).Name); common {
				t.Errorf("%s: field %s shadows a common key", k.name, st.Field(i).Name)
			}
			if want := checkSpecKeys[key].String(); want != st.Field(i).Type.String() {
				t.Errorf("%s.%s is %s, another kind has %s", k.name, key, st.Field(i).Type, want)
			}
			seen[key] = k.name
		}
	}
	if len(seen) != len(checkSpecKeys) {
		t.Errorf("checkSpecKeys has %d keys, the kinds %d", len(checkSpecKeys), len(seen))
	}
}

// TestCheckSpecByKind: each kind decodes into its own spec type, with the
// kind's defaults under the document's values.
func TestCheckSpecByKind(t *testing.T) {
	cfg, err := Load([]byte(`checks:
  - {name: p, kind: postgres, dsn: "host=db", query: "SELECT true", expect_result: t}
  - {name: r, kind: redis, address: "cache:6379", db: 2}
  - {name: s, kind: s3, bucket: media, access_key_id: k, secret_access_key_env: S3_KEY}
  - {name: h, kind: http, url: "http://web/", expect_status: [204]}
  - {name: t, kind: tcp, address: "smtp:25", interval: 1m}
`), "kinds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []CheckSpec{
		&PostgresCheck{DSN: "host=db", Query: "SELECT true", ExpectResult: "t"},
		&RedisCheck{Address: "cache:6379", DB: 2},
		&S3Check{Bucket: "media", AccessKeyID: "k", SecretAccessKeyEnv: "S3_KEY", Region: "us-east-1", CanaryPrefix: "ward-canary/"},
		&HTTPCheck{URL: "http://web/", Method: "GET", ExpectStatus: []int{204}},
		&TCPCheck{Address: "smtp:25"},
	}
	if len(cfg.Checks) != len(want) {
		t.Fatalf("%d checks, want %d", len(cfg.Checks), len(want))
	}
	for i, ch := range cfg.Checks {
		if !reflect.DeepEqual(ch.Spec, want[i]) {
			t.Errorf("%s: spec %#v, want %#v", ch.Name, ch.Spec, want[i])
		}
	}
	if iv := cfg.Checks[4].Interval.String(); iv != "1m" || cfg.Checks[0].Interval.String() != "30s" {
		t.Errorf("intervals %s, %s; want 30s (default), 1m", cfg.Checks[0].Interval, iv)
	}
}

// TestCheckPrintsFlat: a printed check has the common keys and its own
// kind's, flat as written, and loads back to the same check.
func TestCheckPrintsFlat(t *testing.T) {
	const doc = `checks:
  - {name: h, kind: http, url: "http://web/", username: u, password_env: WEB_PW, critical: true, labels: {team: web}}
`
	cfg, err := Load([]byte(doc), "flat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(cfg.Checks)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"name: h", "kind: http", "critical: true", "url: http://web/", "password_env: WEB_PW", "method: GET"} {
		if !strings.Contains(string(out), "\n  "+key) && !strings.HasPrefix(string(out), "- "+key) {
			t.Errorf("printed check lacks %q:\n%s", key, out)
		}
	}
	for _, key := range []string{"dsn:", "region:", "address:", "Spec", "spec:"} {
		if strings.Contains(string(out), key) {
			t.Errorf("printed http check shows %q:\n%s", key, out)
		}
	}
	back, err := Load(append([]byte("checks:\n"), indent(out)...), "back.yaml")
	if err != nil {
		t.Fatalf("printed check does not load: %v\n%s", err, out)
	}
	again, err := yaml.Marshal(back.Checks)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(out) {
		t.Errorf("printed check loads back as\n%s\nwant\n%s", again, out)
	}
	if back.Checks[0].Spec.(*HTTPCheck).PasswordEnv != "WEB_PW" {
		t.Errorf("loaded back without its password_env: %#v", back.Checks[0].Spec)
	}
}

func indent(b []byte) []byte {
	lines := strings.SplitAfter(string(b), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return []byte(strings.Join(lines, ""))
}
