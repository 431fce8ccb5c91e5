// graphs.js draws the console's charts with uPlot (issue 11); see
// ui/chart.templ for the markup it reads. The page works without it.
//
// Each <figure class="chart"> becomes one uPlot fed by one query_range;
// the range lives in the URL (range= or from=/to=), so a link reproduces
// the view. Live refresh updates the data in place (setData) while the
// tab is visible and the range is a preset, marked X-Ward-Live (passive).
(function () {
  "use strict";
  if (!window.uPlot || !window.wardChartText || !window.fetch || !window.URLSearchParams) { return; }

  var PALETTE = ["#1f5fae", "#1e7a3c", "#a35c00", "#6b3fa0", "#00778a", "#b0306e", "#4d6b00", "#7a4b1f", "#3d4b5c", "#0f4fd6"];
  var ALERT_FILL = "rgba(179,38,30,0.13)";
  var HEIGHT = 220, MAX_INFLIGHT = 4, MAX_LISTED = 8, MAX_SERIES = 50, MAX_RETRY_S = 10;
  var PRESETS = { "15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800, "30d": 2592000 };

  // st is the page's range: a preset (moving window) or fixed from/to.
  var st = { from: 0, to: 0, preset: "", reset: "1h", refresh: 30, paused: false };
  var charts = [], timer = 0, inflight = 0, waiting = [], swapped = false;

  var T = window.wardChartText, fmt = T.fmt, clock = T.clock;
  // SYNC moves the cursor of every chart on the page together; only the
  // hover is shared (a drag zooms the page once, from its own chart).
  var SYNC = { key: "ward-charts", scales: ["x", null], filters: { pub: function (type) { return type === "mousemove" || type === "mouseleave" || type === "mouseenter"; } } };
  // ALERT_GAP: ALERTS is written at every rule evaluation; samples less
  // than this apart are one span, and a span this close to the range's
  // end is still firing.
  var ALERT_GAP = 60;

  // ---- range and URL ----
  function readSection(sec) {
    st.from = +sec.getAttribute("data-from");
    st.to = +sec.getAttribute("data-to");
    st.preset = sec.getAttribute("data-range") || "";
    st.refresh = +sec.getAttribute("data-refresh") || 0;
    if (st.preset) { st.reset = st.preset; }
  }
  function fromURL() {
    var q = new URLSearchParams(location.search), f = when(q.get("from")), t = when(q.get("to"));
    if (f && t) {
      st.preset = ""; st.from = f; st.to = t;
      return true;
    }
    var p = q.get("range") || "1h";
    if (!PRESETS[p]) { return false; }
    st.preset = st.reset = p;
    st.to = Math.floor(Date.now() / 1000); st.from = st.to - PRESETS[p];
    return true;
  }
  // when reads a from/to parameter as the server does: Unix seconds or
  // a date (UTC unless it names its zone); 0 when absent or bad.
  function when(v) {
    if (!v) { return 0; }
    if (/^\d+(\.\d+)?$/.test(v)) { return +v; }
    var t = Date.parse(/(Z|[+-]\d\d:\d\d)$/i.test(v) ? v : v + "Z");
    return isFinite(t) ? t / 1000 : 0;
  }
  function rangeURL(href) {
    var u = new URL(href || location.href, location.href);
    u.searchParams.delete("range"); u.searchParams.delete("from"); u.searchParams.delete("to");
    if (st.preset) { u.searchParams.set("range", st.preset); } else {
      u.searchParams.set("from", String(Math.round(st.from)));
      u.searchParams.set("to", String(Math.round(st.to)));
    }
    return u;
  }
  // local writes t for a datetime-local field: with seconds (step 1) for
  // a fixed range, so that submitting a zoom's form reproduces it.
  function local(t, secs) { return new Date(t * 1000).toISOString().slice(0, secs ? 19 : 16); }
  // syncBar shows the range in the range bar, the custom form, the
  // sections' attributes and the explorer links.
  function syncBar() {
    document.querySelectorAll("section.charts").forEach(function (sec) {
      sec.setAttribute("data-from", String(Math.round(st.from)));
      sec.setAttribute("data-to", String(Math.round(st.to)));
      sec.setAttribute("data-range", st.preset);
      sec.querySelectorAll(".range-presets a").forEach(function (a) {
        var on = new URL(a.href).searchParams.get("range") === st.preset;
        if (on) { a.setAttribute("aria-current", "true"); } else { a.removeAttribute("aria-current"); }
      });
      var f = sec.querySelector('.range-custom input[name="from"]'), t = sec.querySelector('.range-custom input[name="to"]');
      if (f && t) {
        [f, t].forEach(function (el) { el.step = st.preset ? "60" : "1"; });
        f.value = local(st.from, !st.preset); t.value = local(st.to, !st.preset);
      }
      var b = sec.querySelector("[data-chart-pause]");
      if (b) {
        b.hidden = !(st.preset && st.refresh > 0);
        b.setAttribute("aria-pressed", st.paused ? "true" : "false");
        b.textContent = st.paused ? "Resume" : "Pause";
      }
    });
    document.querySelectorAll("figure.chart a.chart-open").forEach(function (a) {
      a.href = rangeURL(a.href).pathname + rangeURL(a.href).search;
    });
  }
  // go moves every chart to the range in st; push records it in history.
  function go(push) {
    if (push) { history.pushState(null, "", rangeURL().href); }
    syncBar();
    schedule();
    charts.forEach(function (c) { load(c); });
    loadAlerts();
  }
  function zoom(from, to) {
    if (to - from < 10) { var mid = (from + to) / 2; from = mid - 5; to = mid + 5; }
    st.preset = ""; st.from = Math.floor(from); st.to = Math.ceil(to);
    go(true);
  }
  function moveWindow() {
    if (st.preset) { st.to = Math.floor(Date.now() / 1000); st.from = st.to - PRESETS[st.preset]; }
  }

  // ---- queries ----
  // api fetches path (live: a timer's, not activity); busy rejects with .retry s.
  function api(path, params, signal, live) {
    var headers = { Accept: "application/json" };
    if (live) { headers["X-Ward-Live"] = "1"; }
    return new Promise(function (resolve, reject) {
      function run() {
        inflight++;
        fetch(path + "?" + new URLSearchParams(params), { credentials: "same-origin", headers: headers, signal: signal })
          .then(function (r) {
            if (r.status === 401 || r.redirected) { throw new Error("Signed out: reload the page to sign in again."); }
            if (r.status === 429 || r.status === 503) {
              var wait = Math.max(Math.ceil(+r.headers.get("Retry-After")) || 1, 1);
              var e = new Error(r.status === 429 ? limitMessage(r.headers, wait) : "The query API is busy (503): try again later.");
              e.retry = Math.min(wait, MAX_RETRY_S);
              throw e;
            }
            return r.json().then(function (j) {
              return j && (j.status === "success" || j.status === "error") ? j : { status: r.status, detail: j && (j.detail || j.title) };
            }, function () { throw new Error("The query API answered " + r.status + "."); });
          })
          .then(function (j) {
            if (j.status !== "success" && j.status !== "error") { throw new Error("The query API answered " + j.status + (j.detail ? ": " + j.detail : ".")); }
            if (j.status !== "success") { throw new Error((j.errorType ? j.errorType + ": " : "") + (j.error || "query failed")); }
            return j.data;
          })
          .then(resolve, reject)
          .finally(function () { inflight--; if (waiting.length) { waiting.shift()(); } });
      }
      if (inflight < MAX_INFLIGHT) { run(); } else { waiting.push(run); }
    });
  }
  // limitMessage explains a 429: the caller's own quota, from the
  // RateLimit-Policy (q units per w seconds) and the wait.
  function limitMessage(h, wait) {
    var pol = /;q=(\d+);w=(\d+)/.exec(h.get("RateLimit-Policy") || ""), rate = "";
    if (pol && +pol[2] > 0) { rate = " (" + Math.round(+pol[1] * 60 / +pol[2]) + " per minute)"; }
    return "You have reached your query limit" + rate + "; it refills in " + wait + " s.";
  }
  // rateInterval replaces a panel's $__rate_interval (dashboard/expr.go)
  // with max(5m, 2 × step), so that rate() at a wide step still sees
  // every sample between two points.
  function rateInterval(expr, step) { return expr.split("$__rate_interval").join(Math.max(300, 2 * step) + "s"); }
  function stepFor(c) {
    var s = +c.fig.getAttribute("data-step");
    if (s > 0) { return s; }
    return Math.max(1, Math.ceil((st.to - st.from) / Math.max(100, c.plot.clientWidth)));
  }
  // toColumns turns a matrix into uPlot's columns: the union of the
  // timestamps, one column per series, null where a series has no point.
  function toColumns(res) {
    var seen = {}, xs = [];
    res.forEach(function (r) { r.values.forEach(function (p) { if (!seen[p[0]]) { seen[p[0]] = 1; xs.push(p[0]); } }); });
    xs.sort(function (a, b) { return a - b; });
    var idx = {};
    xs.forEach(function (x, i) { idx[x] = i; });
    var data = [xs], points = 0;
    res.forEach(function (r) {
      var col = new Array(xs.length).fill(null);
      r.values.forEach(function (p) { var v = parseFloat(p[1]); if (isFinite(v)) { col[idx[p[0]]] = v; points++; } });
      data.push(col);
    });
    return { data: data, points: points };
  }

  // ---- one chart ----
  function status(c, kind, text) {
    c.status.className = "chart-status " + kind;
    c.status.setAttribute("role", kind === "error" ? "alert" : "status");
    c.status.textContent = text;
    c.status.hidden = !text;
  }
  function json(el, name) {
    try { var v = JSON.parse(el.getAttribute(name) || "[]"); return Array.isArray(v) ? v : []; } catch (e) { return []; }
  }
  function para(cls) { var p = document.createElement("p"); p.className = cls; p.hidden = true; return p; }
  function setup(fig) {
    var plot = fig.querySelector(".chart-plot");
    if (!plot || fig.wardChart) { return; }
    var c = { fig: fig, plot: plot, u: null, keys: "", seq: 0, abort: null, spans: [] };
    c.unit = fig.getAttribute("data-unit") || "";
    c.thresholds = json(fig, "data-thresholds").filter(function (t) { return t && isFinite(t.value); });
    c.alerts = json(fig, "data-alerts").filter(function (a) { return typeof a === "string" && a; });
    var fb = fig.querySelector(".chart-fallback");
    if (fb) { fb.hidden = true; }
    c.status = document.createElement("p");
    c.alertText = para("chart-alerts");
    c.more = para("chart-more");
    plot.after(c.status, c.more, c.alertText);
    fig.wardChart = c;
    charts.push(c);
    c.ro = new ResizeObserver(function () {
      if (c.u && plot.clientWidth && plot.clientWidth !== c.u.width) { c.u.setSize({ width: plot.clientWidth, height: HEIGHT }); }
    });
    c.ro.observe(plot);
  }
  function destroy(c) {
    if (c.abort) { c.abort.abort(); }
    clearTimeout(c.retry);
    c.ro.disconnect();
    if (c.u) { c.u.destroy(); }
    c.fig.wardChart = null;
    c.fig.wardPlot = null;
  }
  function load(c, live, retried) {
    var seq = ++c.seq, step = stepFor(c);
    if (c.abort) { c.abort.abort(); }
    clearTimeout(c.retry);
    c.abort = new AbortController();
    if (!live) { status(c, "loading", "Loading…"); }
    c.fig.setAttribute("data-state", "loading");
    // The points are counted back from the range's end, so that the last
    // one is at its end: aligned to the step instead, the last point
    // could be a whole step (72 min at 30d) before now, and a series
    // younger than that would show no data at all.
    var start = st.to - Math.ceil((st.to - st.from) / step) * step, query = rateInterval(c.fig.getAttribute("data-expr"), step);
    api("/api/v1/query_range", { query: query, start: start, end: st.to, step: step }, c.abort.signal, live).then(function (d) {
      if (seq !== c.seq) { return; }
      var all = d.resultType === "matrix" ? d.result : [], res = all.slice(0, MAX_SERIES);
      more(c, all.length);
      var cols = toColumns(res), tpl = c.fig.getAttribute("data-legend");
      var names = res.map(function (r) { return T.seriesName(tpl, r.metric); });
      draw(c, cols.data, names);
      c.metrics = res.map(function (r) { return r.metric; });
      c.fig.setAttribute("data-points", String(cols.points));
      c.fig.setAttribute("data-query-step", String(step));
      c.fig.setAttribute("data-state", res.length ? "drawn" : "empty");
      status(c, "", res.length ? "" : "No data in this range.");
      // A note that only explains why the chart is empty goes once it
      // has data; other notes (what a panel shows) stay.
      var note = c.fig.querySelector(".chart-note[data-when-empty]");
      if (note) { note.hidden = res.length > 0; }
    }, function (e) {
      if (seq !== c.seq || e.name === "AbortError") { return; }
      if (e.retry && !retried) {
        status(c, "loading", "Busy: retrying");
        c.retry = setTimeout(function () { if (seq === c.seq) { load(c, live, true); } }, e.retry * 1000);
        return;
      }
      c.fig.setAttribute("data-state", "error");
      status(c, "error", e.message);
    });
  }
  // more says when the chart draws only the first MAX_SERIES series, in
  // the API's order (sorted by labels, so the same lines stay on every
  // refresh), and links to the explorer, which shows them all.
  function more(c, n) {
    c.more.hidden = n <= MAX_SERIES;
    c.more.textContent = "";
    if (c.more.hidden) { return; }
    var open = c.fig.querySelector("a.chart-open"), a = document.createElement("a");
    a.href = open ? open.href : "/explore";
    a.textContent = "open in the explorer for all";
    c.more.append("Showing " + MAX_SERIES + " of " + n + " series — ", a);
  }
  function draw(c, data, names) {
    var keys = names.join("\n");
    if (c.u) {
      if (keys !== c.keys) {
        var shown = {};
        c.u.series.forEach(function (s, i) { if (i) { shown[s.label] = s.show; } });
        for (var i = c.u.series.length - 1; i > 0; i--) { c.u.delSeries(i); }
        names.forEach(function (n, j) { c.u.addSeries(series(c, n, j, shown[n] !== false), j + 1); });
        c.keys = keys;
        keyboard(c);
      }
      c.u.setData(data);
      return;
    }
    c.keys = keys;
    // uPlot draws in a microtask after the constructor: data-drawn-ms
    // (for the benchmarks) runs from here to the end of the first draw.
    c.t0 = performance.now();
    c.u = new uPlot(options(c, names), data, c.plot);
    c.fig.wardPlot = c.u;
    keyboard(c);
  }
  function series(c, name, i, show) {
    return { label: name, show: show, stroke: PALETTE[i % PALETTE.length], width: 1.5,
      points: { show: fewPoints, filter: isolated, fill: PALETTE[i % PALETTE.length] },
      value: function (u, v) { return fmt(c.unit, v, 4); } };
  }
  // fewPoints marks every point of a series with fewer points in view
  // than one per 12 px; isolated marks, in the others, each point with
  // no neighbour, which a line alone would not draw.
  function fewPoints(u, si, i0, i1) {
    var d = u.data[si], n = 0;
    for (var i = i0; i <= i1; i++) { if (d[i] != null) { n++; } }
    return n <= Math.max(2, u.bbox.width / (12 * uPlot.pxRatio));
  }
  function isolated(u, si, show) {
    if (show) { return null; }
    var d = u.data[si], out = [];
    for (var i = 0; i < d.length; i++) { if (d[i] != null && d[i - 1] == null && d[i + 1] == null) { out.push(i); } }
    return out.length ? out : null;
  }
  function options(c, names) {
    var s = [{ value: "{YYYY}-{MM}-{DD} {HH}:{mm}:{ss} UTC" }];
    names.forEach(function (n, i) { s.push(series(c, n, i, true)); });
    return {
      width: Math.max(100, c.plot.clientWidth), height: HEIGHT, series: s,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: {
        x: { time: true, range: function () { return [st.from, st.to]; } },
        y: { range: function (u, min, max) { return yRange(c, min, max); } }
      },
      axes: [{ values: T.timeTicks }, yAxis(c)],
      cursor: { drag: { x: true, y: false, setScale: false }, sync: SYNC },
      legend: { live: true, mount: function (u, el) { c.plot.after(el); } },
      hooks: {
        drawClear: [function (u) { shade(c, u); }],
        setCursor: [latest],
        setData: [latest],
        draw: [function (u) {
          lines(c, u);
          if (c.t0) { c.fig.setAttribute("data-drawn-ms", (performance.now() - c.t0).toFixed(1)); c.t0 = 0; }
        }],
        setSelect: [function (u) {
          if (u.select.width < 2) { return; }
          var a = u.posToVal(u.select.left, "x"), b = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
          zoom(a, b);
        }],
        ready: [function (u) { u.over.addEventListener("dblclick", function () { resetZoom(); }); }]
      }
    };
  }
  // latest shows each series' last value in the legend while the
  // cursor is off the plot.
  function latest(u) {
    if (u.cursor.idx != null || !u.data[0].length) { return; }
    u.setLegend({ idx: u.data[0].length - 1 });
  }
  // keyboard lets the legend's series toggles work from the keyboard.
  function keyboard(c) {
    c.fig.querySelectorAll(".u-legend .u-series").forEach(function (tr, i) {
      var th = tr.querySelector("th");
      if (!i || !th || th.tabIndex === 0) { return; }
      th.tabIndex = 0;
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); th.click(); }
      });
    });
  }
  // yRange keeps zero and every alert line in view, and ends on a
  // gridline above the highest value (c.yIncr apart, the axis' splits),
  // so that no line runs above the top gridline against the edge.
  function yRange(c, min, max) {
    var lo = min, hi = max;
    if (lo == null || !isFinite(lo)) { lo = 0; hi = 1; }
    c.thresholds.forEach(function (t) { lo = Math.min(lo, t.value); hi = Math.max(hi, t.value); });
    if (lo > 0) { lo = 0; }
    if (hi === lo) { hi = lo + 1; }
    hi += (hi - lo) * 0.02;
    var inc = yIncr(c.unit, hi - lo);
    c.yIncr = inc;
    return [Math.floor(lo / inc) * inc, Math.ceil(hi / inc) * inc];
  }
  // yIncr is the gridline step for span: the unit's round steps
  // (binary for bytes), else 1, 2, 5 × 10^k; at most Y_TICKS apart.
  var Y_TICKS = 5;
  function yIncr(unit, span) {
    var list = T.incrs(unit) || [];
    for (var i = 0; i < list.length; i++) { if (span / list[i] <= Y_TICKS) { return list[i]; } }
    var mag = Math.pow(10, Math.floor(Math.log10(span / Y_TICKS)));
    var steps = [1, 2, 5, 10];
    for (var j = 0; j < steps.length; j++) { if (span / (steps[j] * mag) <= Y_TICKS) { return steps[j] * mag; } }
    return 10 * mag;
  }
  // yAxis is the shared value axis with gridlines at yRange's steps, the
  // top one included.
  function yAxis(c) {
    var ax = T.yAxis(c.unit);
    ax.splits = function (u, i, min, max) {
      var inc = c.yIncr || (max - min) / Y_TICKS, out = [];
      for (var k = Math.round(min / inc); k * inc <= max + inc * 1e-9; k++) { out.push(k * inc); }
      return out;
    };
    return ax;
  }
  function lines(c, u) {
    if (!c.thresholds.length) { return; }
    c.fig.setAttribute("data-line-labels", JSON.stringify(T.alertLines(u, c.thresholds, c.unit)));
  }
  function shade(c, u) {
    if (!c.spans.length) { return; }
    var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    ctx.fillStyle = ALERT_FILL;
    c.spans.forEach(function (s) {
      var a = Math.max(u.bbox.left, u.valToPos(s.from, "x", true)), b = Math.min(u.bbox.left + u.bbox.width, u.valToPos(s.to, "x", true));
      if (b > a) { ctx.fillRect(a, top, Math.max(b - a, uPlot.pxRatio), h); }
    });
    ctx.restore();
  }

  // ---- alert spans: one query for every chart on the page ----
  var alertSeq = 0;
  function promRegex(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\/g, "\\\\").replace(/"/g, '\\"'); }
  function loadAlerts(live) {
    var names = {};
    charts.forEach(function (c) { c.alerts.forEach(function (a) { names[a] = 1; }); });
    var list = Object.keys(names).sort(), seq = ++alertSeq;
    if (!list.length) { return; }
    var width = Math.max.apply(null, charts.map(function (c) { return c.plot.clientWidth || 300; }));
    var step = Math.max(1, Math.ceil((st.to - st.from) / width)), start = Math.floor(st.from / step) * step;
    // max_over_time over each step: an alert shorter than the step, which
    // sampling ALERTS at the step could miss, still marks its point.
    var q = 'max by (alertname) (max_over_time(ALERTS{alertstate="firing",alertname=~"' + list.map(promRegex).join("|") + '"}[' + step + "s]))";
    // The last point is at or after the range's end, so that the last
    // partial step is covered too.
    var last = start + Math.ceil((st.to - start) / step) * step;
    api("/api/v1/query_range", { query: q, start: start, end: last, step: step }, null, live).then(function (d) {
      if (seq !== alertSeq) { return; }
      var by = {};
      (d.result || []).forEach(function (r) { by[r.metric.alertname] = spansOf(r.values, step, last); });
      charts.forEach(function (c) {
        c.spans = [];
        var text = [];
        c.alerts.forEach(function (a) {
          (by[a] || []).forEach(function (s) {
            c.spans.push(s);
            var at = clock(s.from, st.to - st.from > 86400);
            text.push(s.firing ? a + " firing since " + at + " UTC" : a + " fired " + at + "–" + clock(s.to, false) + " UTC");
          });
        });
        var more = text.length > MAX_LISTED ? " and " + (text.length - MAX_LISTED) + " more" : "";
        c.alertText.textContent = text.slice(0, MAX_LISTED).join("; ") + more + (text.length ? "." : "");
        c.alertText.hidden = !text.length;
        c.fig.setAttribute("data-alert-spans", String(c.spans.length));
        if (c.u) { c.u.redraw(false, false); }
      });
    }, function () { /* the charts still draw; spans are extra */ });
  }
  // spansOf joins the points of one alert into spans: a point at t
  // fired in (t - step, t]; a span reaching last (the range's last point)
  // is still firing.
  function spansOf(values, step, last) {
    var out = [], cur = null, gap = Math.max(step, ALERT_GAP);
    values.forEach(function (p) {
      var t = +p[0];
      if (cur && t - cur.to <= gap) { cur.to = t; } else { cur = { from: t - step, to: t }; out.push(cur); }
    });
    out.forEach(function (s) { s.firing = last - s.to < gap; if (s.firing) { s.to = Math.max(s.to, st.to); } });
    return out;
  }

  // ---- live refresh ----
  function schedule() {
    clearInterval(timer);
    timer = 0;
    if (st.preset && st.refresh > 0 && !st.paused) { timer = setInterval(tick, st.refresh * 1000); }
  }
  function tick() {
    if (document.visibilityState !== "visible" || !st.preset || st.paused) { return; }
    moveWindow();
    syncBar();
    charts.forEach(function (c) { load(c, true); });
    loadAlerts(true);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") { return; }
    if (swapped) { swapped = false; init(document, true); } else if (timer) { tick(); schedule(); }
  });

  function resetZoom() {
    st.preset = st.reset || "1h";
    moveWindow();
    go(true);
  }

  // ---- wiring ----
  // init sets up the charts under root; live: after a ward:swap.
  function init(root, live) {
    charts = charts.filter(function (c) { if (c.fig.isConnected) { return true; } destroy(c); return false; });
    var sec = document.querySelector("section.charts");
    if (!sec) { schedule(); return; }
    readSection(sec);
    root.querySelectorAll("figure.chart").forEach(setup);
    root.querySelectorAll("section.charts").forEach(function (s) {
      if (s.wardBar) { return; }
      s.wardBar = true;
      s.addEventListener("click", function (e) {
        var b = e.target.closest("[data-chart-pause]");
        if (b) { st.paused = !st.paused; syncBar(); if (!st.paused) { tick(); } schedule(); return; }
        var a = e.target.closest(".range-presets a");
        if (!a || e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) { return; }
        var p = new URL(a.href).searchParams.get("range");
        if (!PRESETS[p]) { return; }
        e.preventDefault();
        st.preset = st.reset = p;
        moveWindow();
        go(true);
      });
    });
    syncBar();
    schedule();
    charts.forEach(function (c) { if (!c.u && c.fig.getAttribute("data-state") !== "loading") { load(c, live); } });
    loadAlerts(live);
  }
  window.addEventListener("popstate", function () { if (fromURL()) { go(false); } });
  // A swap while the tab is hidden waits until it is visible again.
  document.addEventListener("ward:swap", function (e) {
    if (document.visibilityState === "visible") { init(e.detail && e.detail.root || document, true); } else { swapped = true; }
  });
  init(document);
}());
