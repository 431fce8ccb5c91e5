package config

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestQuerySection(t *testing.T) {
	example, err := LoadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The example documents the defaults; they must be the defaults.
	if example.Query != DefaultQuery() {
		t.Errorf("example query section %+v differs from DefaultQuery %+v", example.Query, DefaultQuery())
	}
	if example.Server.MemoryLimit != 0 {
		t.Errorf("example server.memory_limit = %v, want 0 (automatic)", example.Server.MemoryLimit)
	}

	empty, err := Load(nil, "empty.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if empty.Query != DefaultQuery() {
		t.Errorf("no query section: %+v, want the defaults", empty.Query)
	}

	// A partial section keeps the defaults of the keys it leaves out.
	partial, err := Load([]byte("query:\n  max_concurrency: 2\n  timeout: 30s\nserver:\n  memory_limit: 512MiB\n"), "partial.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultQuery()
	want.MaxConcurrency, want.Timeout = 2, model.Duration(30*time.Second)
	if partial.Query != want {
		t.Errorf("partial section: %+v, want %+v", partial.Query, want)
	}
	if partial.Server.MemoryLimit != 512<<20 {
		t.Errorf("server.memory_limit = %d, want 512MiB", partial.Server.MemoryLimit)
	}
	if s := partial.String(); !strings.Contains(s, "query:\n") || !strings.Contains(s, "max_concurrency: 2") {
		t.Errorf("printed config lacks the query section:\n%s", s)
	}

	if problems := DefaultQuery().Validate(); len(problems) != 0 {
		t.Errorf("defaults invalid: %v", problems)
	}
	bad := DefaultQuery()
	bad.MaxSamples = 0
	if got := bad.Validate(); len(got) != 1 || got[0] != "query.max_samples: must be positive" {
		t.Errorf("Validate() = %q", got)
	}
}
