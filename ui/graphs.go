package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/dashboard"
)

// Graph pages (issue 11): /graphs lists the boards, /graphs/{board}
// draws one board's panels; the overview shows a few key panels. The
// panels are data (package dashboard); these pages only lay them out as
// charts (chart.templ).

// overviewPanels are the overview's key panels, as board/panel ids; a
// panel that does not exist (the board was renamed) is left out.
var overviewPanels = [][2]string{
	{"host", "cpu"}, {"host", "memory"}, {"app", "errors"}, {"app", "latency"},
}

// boards returns the boards to show; none when ward has no source.
func (s *Server) boards() []dashboard.Board {
	if s.deps.Boards == nil {
		return nil
	}
	return s.deps.Boards()
}

// panelChart is the chart of panel p on board.
func panelChart(board string, p dashboard.Panel) chartSpec {
	c := chartSpec{
		ID:     "panel-" + board + "-" + p.ID,
		Title:  p.Title,
		Expr:   p.Expr,
		Legend: p.Legend,
		Unit:   p.Unit,
		Note:   p.Note,
	}
	seen := map[string]bool{}
	for _, l := range p.Lines {
		c.Thresholds = append(c.Thresholds, chartThreshold{Value: l.Value, Op: l.Op, Rule: l.Rule, Group: l.Group})
		if !seen[l.Rule] {
			seen[l.Rule] = true
			c.Alerts = append(c.Alerts, l.Rule)
		}
	}
	return c
}

// boardCharts is every panel of b as a chart.
func boardCharts(b dashboard.Board) []chartSpec {
	out := make([]chartSpec, 0, len(b.Panels))
	for _, p := range b.Panels {
		out = append(out, panelChart(b.Name, p))
	}
	return out
}

// keyCharts are the overview's key panels found in boards.
func keyCharts(boards []dashboard.Board) []chartSpec {
	var out []chartSpec
	for _, k := range overviewPanels {
		b, ok := dashboard.Find(boards, k[0])
		if !ok {
			continue
		}
		for _, p := range b.Panels {
			if p.ID == k[1] {
				out = append(out, panelChart(b.Name, p))
			}
		}
	}
	return out
}

// graphsIndexPage serves GET /graphs: the boards and their panels, and
// which of them cannot have data yet.
func (s *Server) graphsIndexPage(w http.ResponseWriter, r *http.Request) {
	boards := s.boards()
	unmet := map[string]*dashboard.Requirement{}
	// One deadline for every board's check: the page waits at most
	// requirementTimeout in all (a board not checked in time shows no
	// notice).
	ctx, cancel := context.WithTimeout(r.Context(), requirementTimeout)
	defer cancel()
	for _, b := range boards {
		if req := s.unmetRequirement(ctx, b); req != nil {
			unmet[b.Name] = req
		}
	}
	s.render(w, r, http.StatusOK, graphsIndexView(s.page(r, "Graphs"), boards, unmet))
}

// requirementTimeout bounds the query that checks a board's requirement:
// it reads one hour of a few series and is skipped (no notice) when slow.
const requirementTimeout = 2 * time.Second

// unmetRequirement is b's requirement when the TSDB has none of its
// series in the last hour; nil when it is met, when b has none, or when
// the answer is unknown (an error or a timeout: better no notice than a
// wrong one).
func (s *Server) unmetRequirement(ctx context.Context, b dashboard.Board) *dashboard.Requirement {
	if b.Requires == nil || s.deps.Query == nil {
		return nil
	}
	expr := b.Requires.CheckExpr()
	if expr == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, requirementTimeout)
	defer cancel()
	vec, err := s.deps.Query(ctx, expr, s.now())
	if err != nil {
		s.logger.Debug("checking a board's requirement", "err", err, "board", b.Name)
		return nil
	}
	if len(vec) > 0 {
		return nil
	}
	return b.Requires
}

// graphsBoardPage serves GET /graphs/{board}: one chart per panel.
func (s *Server) graphsBoardPage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("board")
	b, ok := dashboard.Find(s.boards(), name)
	if !ok {
		s.fail(w, r, notFound(fmt.Sprintf("board: no board named %q", clip(name, 32))))
		return
	}
	cr, custom, status := s.chartRangeInline(w, r)
	p := s.chartPage(s.page(r, b.Title+" graphs"))
	p.Current = "/graphs"
	s.render(w, r, status, graphsBoardView(p, b, s.unmetRequirement(r.Context(), b), boardCharts(b), rangeLinks(r, cr), cr, custom))
}

// requirementNeeds is a requirement in a few words for the boards list:
// its help sentence, cut at the first full stop.
func requirementNeeds(req *dashboard.Requirement) string {
	h := req.Help
	if i := strings.Index(h, ". "); i >= 0 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	if h != "" {
		h = strings.ToLower(h[:1]) + h[1:]
	}
	return clip(h, 160)
}

// docsSentence names a README section as text (it works offline):
// lead + " “Health checks” of ward's README" + end; just end when docs
// is empty.
func docsSentence(docs, lead, end string) string {
	if docs == "" {
		return end
	}
	return lead + " \u201c" + docs + "\u201d of ward's README" + end
}
