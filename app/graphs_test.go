package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestGraphsFollowConfig: a user panel from the config makes its board,
// draws the line of the built-in rule it names, and follows reloads:
// disabling the rule removes its line everywhere, and a panel naming a
// rule that is not loaded is refused with its file:line while the
// running boards stay.
func TestGraphsFollowConfig(t *testing.T) {
	const panel = `dashboard:
  refresh: 15s
  panels:
    - board: queues
      id: depth
      title: %s
      expr: sum(up)
      thresholds: [%s]
`
	cfg := func(title, rule, extra string) string { return fmt.Sprintf(panel, title, rule) + extra }
	in := startWard(t, cfg("Queue depth", "HostHighCPU", "scrape_configs: []\n"+noTwoFactor))
	c := signInClient(t, in, "ada")

	body := fetch(t, c, in.base+"/graphs/queues")
	for _, want := range []string{`id="panel-queues-depth"`, `>Queue depth</span>`, `HostHighCPU</a> &gt; 0.8`, `data-refresh="15"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/graphs/queues lacks %s", want)
		}
	}
	if body := fetch(t, c, in.base+"/graphs/host"); !strings.Contains(body, `HostHighCPU</a> &gt; 80%`) {
		t.Error("/graphs/host lacks the HostHighCPU line")
	}

	writeFile(t, in.cfgFile, cfg("Queue depth now", "HostHighCPU", "scrape_configs: []\nrules:\n  disable: [HostHighCPU]\n"+noTwoFactor)+storageOf(t, in))
	if code, body := in.postReload(t); code != http.StatusOK {
		t.Fatalf("reload: %d %s", code, body)
	}
	body = fetch(t, c, in.base+"/graphs/queues")
	if !strings.Contains(body, `>Queue depth now</span>`) || strings.Contains(body, "HostHighCPU</a>") {
		t.Errorf("after disabling HostHighCPU: /graphs/queues\n%s", body)
	}
	if body := fetch(t, c, in.base+"/graphs/host"); strings.Contains(body, `HostHighCPU</a>`) {
		t.Error("/graphs/host still draws the disabled rule's line")
	}

	writeFile(t, in.cfgFile, cfg("Broken", "NoSuchAlert", "scrape_configs: []\n"+noTwoFactor)+storageOf(t, in))
	code, msg := in.postReload(t)
	if code == http.StatusOK || !strings.Contains(msg, in.cfgFile+`:8:20: dashboard.panels[0].thresholds[0]: no alerting rule named "NoSuchAlert" is loaded`) {
		t.Errorf("reload with an unknown rule: %d %s", code, msg)
	}
	if body := fetch(t, c, in.base+"/graphs/queues"); !strings.Contains(body, `>Queue depth now</span>`) {
		t.Error("a rejected reload changed the boards")
	}
}

// storageOf is the storage and listen lines startWard appends, for a
// rewritten config of the same instance.
func storageOf(tb testing.TB, in *instance) string {
	tb.Helper()
	cfg := readFile(tb, in.cfgFile)
	return cfg[strings.Index(cfg, "\nstorage:"):]
}

// TestBrowserGraphsPhone: /graphs/host, /graphs and /docs on a 390 px
// phone pass axe-core, and the board and the README do not scroll
// sideways.
func TestBrowserGraphsPhone(t *testing.T) {
	in := startWard(t, "scrape_configs: []\n"+noTwoFactor)
	ctx := signInBrowser(t, in, "vic", auth.RoleViewer, 390)
	p := browserPage{t: t, ctx: ctx}
	p.open(in.base + "/graphs/host")
	if n := p.count(`figure.chart`); n != 5 {
		t.Errorf("%d charts on /graphs/host, want 5", n)
	}
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if w > 390 {
		t.Errorf("/graphs/host is %d px wide on a 390 px phone", w)
	}
	servicetest.Axe(t, ctx, "/graphs/host at 390 px")
	p.open(in.base + "/graphs")
	servicetest.Axe(t, ctx, "/graphs at 390 px")
	// The README the console's set-up links open, served by ward.
	p.open(in.base + "/docs")
	servicetest.Axe(t, ctx, "/docs at 390 px")
	servicetest.NoSidewaysScroll(t, ctx, "/docs at 390 px")
}
