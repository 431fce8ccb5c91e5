// graphs-format.js is the text of the console's charts (issue 11): values
// in their unit, the axes' ticks and width, series names and the alert
// lines' labels. graphs.js, loaded after it, draws with it.
(function () {
  "use strict";
  if (!window.uPlot) { return; }

  var SI = ["", "k", "M", "G", "T", "P"];
  var IEC = [" B", " KiB", " MiB", " GiB", " TiB", " PiB"];
  var LINE = "#b3261e", LABEL_BG = "rgba(255,255,255,0.85)", FONT_PX = 11;

  function num(v, digits) {
    var a = Math.abs(v);
    if (a !== 0 && (a < 0.001 || a >= 1e15)) { return v.toExponential(2); }
    return String(+v.toPrecision(digits || 3));
  }
  function scaled(v, base, units, digits) {
    var i = 0;
    while (Math.abs(v) >= base && i < units.length - 1) { v /= base; i++; }
    return num(v, digits) + units[i];
  }
  // fmt writes v in unit; days under one day are written in hours.
  function fmt(unit, v, digits) {
    if (v == null || !isFinite(v)) { return "–"; }
    switch (unit) {
    case "percent": return num(v * 100, digits) + "%";
    case "bytes": return scaled(v, 1024, IEC, digits);
    case "bytes/s": return scaled(v, 1024, IEC, digits) + "/s";
    case "ops": return scaled(v, 1000, SI, digits) + "/s";
    case "days": return Math.abs(v) < 86400 && v !== 0 ? num(v / 3600, digits) + " h" : num(v / 86400, digits) + " d";
    case "seconds":
      if (Math.abs(v) < 1 && v !== 0) { return num(v * 1000, digits) + " ms"; }
      if (Math.abs(v) < 120) { return num(v, digits) + " s"; }
      if (Math.abs(v) < 7200) { return num(v / 60, digits) + " min"; }
      return num(v / 3600, digits) + " h";
    }
    return scaled(v, 1000, SI, digits);
  }
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function clock(t, withDate) {
    var d = new Date(t * 1000);
    var hm = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    return withDate ? d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + hm : hm;
  }

  // timeTicks labels the time axis in UTC on a 24 h clock, with seconds
  // when the ticks are under a minute apart and the date under the first
  // tick of each day.
  function timeTicks(u, splits, ax, space, incr) {
    var prev = "";
    return splits.map(function (t) {
      var d = new Date(t * 1000), date = d.toISOString().slice(5, 10), s = clock(t, false);
      if (incr >= 86400) { return date; }
      if (incr < 60) { s += ":" + pad(d.getUTCSeconds()); }
      if (date !== prev) { prev = date; s += "\n" + date; }
      return s;
    });
  }

  // Round tick steps: bytes in binary steps (1, 2, 4 … 512 × B, KiB,
  // MiB …), days in whole days or, below a day, in hours (minutes below
  // an hour). Other units keep uPlot's decimal steps.
  var BYTE_INCRS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5], DAY_INCRS = [1, 5, 10, 15, 30, 60, 300, 600, 900, 1800];
  for (var k = 0; k < 7; k++) {
    for (var m = 1; m < 1024; m *= 2) { BYTE_INCRS.push(m * Math.pow(1024, k)); }
  }
  [1, 2, 3, 6, 12].forEach(function (h) { DAY_INCRS.push(h * 3600); });
  [1, 2, 5, 7, 14, 30, 60, 90, 180, 365, 730, 1825, 3650, 36500].forEach(function (d) { DAY_INCRS.push(d * 86400); });
  function incrs(unit) {
    if (unit === "bytes" || unit === "bytes/s") { return BYTE_INCRS; }
    if (unit === "days") { return DAY_INCRS; }
    return undefined;
  }
  // yAxis is the value axis: its width is its widest label's, so no
  // label is clipped on the left.
  function yAxis(unit) {
    var ax = {
      values: function (u, splits) { return splits.map(function (v) { return fmt(unit, v, 3); }); },
      size: function (u, values, i) {
        var w = 0, a = u.axes[i];
        if (!values || !values.length) { return 40; }
        u.ctx.save();
        u.ctx.font = a.font[0];
        values.forEach(function (v) { w = Math.max(w, u.ctx.measureText(v).width); });
        u.ctx.restore();
        return Math.ceil(w / uPlot.pxRatio + a.gap + a.ticks.size + 6);
      }
    };
    var inc = incrs(unit);
    if (inc) { ax.incrs = inc; }
    return ax;
  }

  // seriesName is a series' legend text: the legend template filled in
  // with its labels, else its labels as PromQL writes them, else "{}"
  // (never the whole expression).
  function seriesName(tpl, m) {
    if (tpl) {
      var s = tpl.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, function (_, k) { return Object.prototype.hasOwnProperty.call(m, k) ? m[k] : ""; }).trim();
      if (s) { return s; }
    }
    var keys = Object.keys(m).filter(function (k) { return k !== "__name__"; }).sort();
    var s2 = (m.__name__ || "") + (keys.length ? "{" + keys.map(function (k) { return k + '="' + m[k] + '"'; }).join(", ") + "}" : "");
    return s2 || "{}";
  }

  // alertLines draws each alert line across the plot and its label
  // inside the plot, right-aligned above the line. Rules at the same
  // value share one label ("A, B == 0"); labels closer than their height
  // stack downwards. It returns the labels drawn, in CSS pixels.
  function alertLines(u, thresholds, unit) {
    var ctx = u.ctx, px = uPlot.pxRatio, l = u.bbox.left, r = l + u.bbox.width, top = u.bbox.top, bottom = top + u.bbox.height;
    var h = (FONT_PX + 3) * px, groups = [], byKey = {};
    thresholds.forEach(function (t) {
      var key = (t.op || "") + " " + t.value, g = byKey[key];
      if (!g) {
        g = byKey[key] = { rules: [], y: Math.round(u.valToPos(t.value, "y", true)) + 0.5, tail: (t.op || "") + " " + fmt(unit, t.value, 3) };
        groups.push(g);
      }
      if (t.rule && g.rules.indexOf(t.rule) < 0) { g.rules.push(t.rule); }
    });
    groups.sort(function (a, b) { return a.y - b.y; });
    ctx.save();
    ctx.strokeStyle = LINE; ctx.lineWidth = px;
    ctx.setLineDash([6 * px, 4 * px]);
    groups.forEach(function (g) { ctx.beginPath(); ctx.moveTo(l, g.y); ctx.lineTo(r, g.y); ctx.stroke(); });
    ctx.font = FONT_PX * px + "px sans-serif";
    ctx.textAlign = "right"; ctx.textBaseline = "bottom";
    var prev = -Infinity, out = [];
    groups.forEach(function (g) {
      var text = (g.rules.join(", ") + " " + g.tail).trim(), w = ctx.measureText(text).width;
      var y = Math.min(Math.max(g.y - 2 * px, top + h, prev + h), bottom);
      var x = r - 4 * px, left = Math.max(l + 2 * px, x - w);
      prev = y;
      ctx.fillStyle = LABEL_BG; ctx.fillRect(left - 2 * px, y - h + px, x - left + 4 * px, h);
      ctx.fillStyle = LINE; ctx.fillText(text, x, y, x - left);
      out.push({ text: text, left: left / px, right: x / px, top: (y - h) / px, bottom: y / px });
    });
    ctx.restore();
    return out;
  }

  window.wardChartText = { fmt: fmt, clock: clock, pad: pad, timeTicks: timeTicks, yAxis: yAxis, incrs: incrs, seriesName: seriesName, alertLines: alertLines };
}());
