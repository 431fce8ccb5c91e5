package servicetest

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	axecore "github.com/ward-monitoring/ward/third_party/axe-core"
)

// Browser starts Debian's headless Chromium for the test, width×height
// pixels wide; a missing chromium is a failure (make test-deps installs
// it), never a skip. The context returned carries a deadline of three
// minutes for the test's actions.
func Browser(tb testing.TB, width, height int) context.Context {
	tb.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		tb.Fatalf("chromium not found (apt-get install chromium, or make test-deps): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(width, height),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// The first Do starts the browser and binds it to ctx, which has no
	// deadline; the actions get one.
	// Headless Chromium keeps its window at least 500 px wide; the
	// emulated viewport is the width asked for (390 px phones).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		cancel()
		cancelAlloc()
		tb.Fatalf("starting chromium: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	tb.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return tctx
}

// AxeViolation is one rule axe-core found broken on a page.
type AxeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
		HTML   string   `json:"html"`
	} `json:"nodes"`
}

func (v AxeViolation) String() string {
	var nodes []string
	for _, n := range v.Nodes {
		nodes = append(nodes, strings.Join(n.Target, " ")+": "+n.HTML)
	}
	return fmt.Sprintf("%s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(nodes, "\n    "))
}

// Axe runs axe-core (WCAG 2 A and AA rules) on the page the browser
// shows and fails the test on every serious or critical violation. It
// injects axe through the DevTools protocol, so the page's CSP, which
// allows no inline or foreign script, stays as ward serves it.
func Axe(tb testing.TB, ctx context.Context, what string) {
	tb.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axecore.Source)); err != nil {
		tb.Fatalf("injecting axe into %s: %v", what, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatalf("axe on %s: %v", what, err)
	}
	var vs []AxeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		tb.Fatalf("axe on %s: %v", what, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.Errorf("axe on %s: %s", what, v)
		}
	}
}

// NoSidewaysScroll fails the test when the page the browser shows is
// wider than its viewport (a phone user would have to scroll sideways).
func NoSidewaysScroll(tb testing.TB, ctx context.Context, what string) {
	tb.Helper()
	widths, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		tb.Fatalf("measuring %s: %v", what, err)
	}
	if widths[0] > widths[1] {
		tb.Errorf("%s scrolls sideways: %d px of content in a %d px viewport", what, widths[0], widths[1])
	}
}
