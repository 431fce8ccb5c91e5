package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserPage is a console page as a browser sees it, for the console tests.
type browserPage struct {
	t   *testing.T
	ctx context.Context
}

func (p browserPage) fail(what string, err error) {
	p.t.Helper()
	html, _ := chromedp.Run(p.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	p.t.Fatalf("%s: %v\npage:\n%s", what, err, html)
}

func (p browserPage) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.fail(what, err)
	}
}

func (p browserPage) text(sel string) string {
	p.t.Helper()
	var err error
	for range 5 {
		var s string
		s, err = chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
		if err == nil {
			return s
		}
		// A live page (data-live) swaps its main between finding the node
		// and reading it: read the new one.
		if !strings.Contains(err.Error(), "No node with given id found") {
			break
		}
	}
	p.fail("reading "+sel, err)
	return ""
}

func (p browserPage) eval(js string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.fail("evaluating "+js, err)
	}
	return s
}

func (p browserPage) count(sel string) int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
	if err != nil {
		p.fail("counting "+sel, err)
	}
	return n
}

// clickNav clicks sel and waits until the page it leads to has loaded.
func (p browserPage) clickNav(what, sel string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`window.wardStale = true`)); err != nil {
		p.fail(what, err)
	}
	p.do(what, chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(20 * time.Second)
	for {
		// Evaluating fails while the old document goes away: try again.
		fresh, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`window.wardStale !== true && document.readyState === "complete"`))
		if err == nil && fresh {
			return
		}
		if time.Now().After(deadline) {
			p.fail(what, fmt.Errorf("no new page after clicking %s (%v)", sel, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// screenshot saves the page as name.png in $WARD_SCREENSHOT_DIR, when
// set, for people to look at.
func (p browserPage) screenshot(name string) {
	p.t.Helper()
	dir := os.Getenv("WARD_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	shot, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.fail("screenshot", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o600); err != nil {
		p.t.Fatal(err)
	}
}

// status is the HTTP status of the page's document.
func (p browserPage) status() int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`performance.getEntriesByType("navigation")[0].responseStatus`))
	if err != nil {
		p.fail("reading the status", err)
	}
	return n
}

// open navigates to u and checks that a console page answered: 200,
// with the layout (navigation, main, footer) and not an error page.
func (p browserPage) open(u string) {
	p.t.Helper()
	p.do("opening "+u, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(`main#main`)))
	if st := p.status(); st != http.StatusOK {
		p.fail("opening "+u, fmt.Errorf("status %d", st))
	}
	if p.count(`header nav`) != 1 || p.count(`footer`) != 1 {
		p.fail("opening "+u, fmt.Errorf("no layout"))
	}
	if h := p.text(`main h1`); slices.Contains([]string{"Not found", "Not accepted", "Not allowed", "Something went wrong"}, h) {
		p.fail("opening "+u, fmt.Errorf("error page %q", h))
	}
}

// alertNames lists the alert names on an /alerts page, with their state.
func (p browserPage) alertNames() []string {
	p.t.Helper()
	var names []string
	js := `Array.from(document.querySelectorAll("li.alert")).map(li => li.querySelector("h3").firstChild.textContent.trim() + ":" + li.className.replace("alert state-", "")).join("\n")`
	for _, s := range strings.Split(p.eval(js), "\n") {
		if s != "" {
			names = append(names, s)
		}
	}
	slices.Sort(names)
	return names
}
