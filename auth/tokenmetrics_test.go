package auth

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestTokenExpiryCollector(t *testing.T) {
	e := newEnv(t, nil)
	cli := Local("cli:root")
	for i, name := range []string{"grafana", "backup"} {
		if _, err := e.svc.CreateToken(e.ctx, cli, TokenSpec{Name: name, Role: RoleViewer, Expires: e.clk.Now().Add(time.Duration(i+1) * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	at := func(days int) string {
		return strconv.FormatFloat(float64(e.clk.Now().Add(time.Duration(days)*24*time.Hour).Unix()), 'g', -1, 64)
	}
	want := `
# HELP ward_api_token_expiry_timestamp_seconds When each API token stops working (Unix seconds); tokens without expiry have no series.
# TYPE ward_api_token_expiry_timestamp_seconds gauge
ward_api_token_expiry_timestamp_seconds{created_by="cli:root",token="backup"} ` + at(2) + `
ward_api_token_expiry_timestamp_seconds{created_by="cli:root",token="grafana"} ` + at(1) + "\n"
	if err := testutil.CollectAndCompare(NewTokenExpiryCollector(e.svc), strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

func TestTokensPerCreatorBounded(t *testing.T) {
	e := newEnv(t, nil)
	cli := Local("cli:root")
	for i := range MaxTokensPerCreator {
		if _, err := e.svc.CreateToken(e.ctx, cli, TokenSpec{Name: "t" + string(rune('a'+i/26)) + string(rune('a'+i%26)), Role: RoleViewer}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.CreateToken(e.ctx, cli, TokenSpec{Name: "one-more", Role: RoleViewer}); err != ErrTooManyTokens {
		t.Errorf("token %d: %v, want ErrTooManyTokens", MaxTokensPerCreator+1, err)
	}
}
