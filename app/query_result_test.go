package app

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestQueryResultLimit: through ward's real API, an answer with more
// points than query.max_result_points is refused (422, naming the limit)
// while a smaller one of the same query passes.
func TestQueryResultLimit(t *testing.T) {
	in := startWard(t, fastGlobal+"query:\n  max_result_points: 40\n")
	c := viewerClient(t, in, 10*time.Second)
	now := time.Now().Unix()
	form := func(points int) url.Values {
		return url.Values{"query": {`vector(1)`}, "start": {strconv.FormatInt(now-int64(points-1), 10)}, "end": {strconv.FormatInt(now, 10)}, "step": {"1"}}
	}
	a, err := ask(context.Background(), c, in.base, http.MethodGet, "/api/v1/query_range", form(40))
	if err != nil || a.code != http.StatusOK {
		t.Fatalf("40 points: %d %+v %v", a.code, a.apiResponse, err)
	}
	a, err = ask(context.Background(), c, in.base, http.MethodGet, "/api/v1/query_range", form(41))
	if err != nil || a.code != http.StatusUnprocessableEntity || !strings.Contains(a.Error, "query.max_result_points") {
		t.Errorf("41 points: %d %+v %v, want 422 naming query.max_result_points", a.code, a.apiResponse, err)
	}
}
