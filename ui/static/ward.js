// ward's only script: it turns the print hint into a button. Pages work
// without it.
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
});

// Live updates (GET /live): a page whose <main> has data-live (the
// version it was rendered at) follows one event stream and, on a newer
// version, fetches itself and swaps in the new <main>. It holds back
// while someone types in the page or a <form data-nolive> is open.
(function () {
  var main = document.querySelector("main[data-live]");
  if (!main || !window.EventSource || !window.DOMParser || !window.fetch) { return; }
  var version = main.getAttribute("data-live"), pending = false, busy = false, stream;
  var status = document.createElement("p");
  status.className = "live-status";
  status.setAttribute("aria-live", "polite");
  main.parentNode.insertBefore(status, main);
  function show(text, live) { status.textContent = text; status.classList.toggle("paused", !live); }
  function held() {
    var a = document.activeElement;
    return main.querySelector("form[data-nolive]") ||
      (a && main.contains(a) && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName));
  }
  function hold() { pending = true; main.setAttribute("data-live-held", ""); }
  function refresh() {
    if (busy) { pending = true; return; }
    if (held()) { hold(); return; }
    busy = true; pending = false;
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html", "X-Ward-Live": "1" } }).then(function (r) {
      if (!r.ok || r.redirected) { throw new Error("signed out"); }
      return r.text();
    }).then(function (html) {
      var next = new DOMParser().parseFromString(html, "text/html").querySelector("main[data-live]");
      if (!next || held()) { hold(); return; }
      var focused = document.activeElement && document.activeElement.id, y = window.scrollY;
      main.replaceChildren.apply(main, Array.prototype.slice.call(next.childNodes));
      version = next.getAttribute("data-live");
      main.setAttribute("data-live", version);
      main.removeAttribute("data-live-held");
      window.scrollTo(0, y);
      if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
      // Scripts that enhance <main> (graphs.js) set up the new content.
      document.dispatchEvent(new CustomEvent("ward:swap", { detail: { root: main } }));
    }).catch(function () {
      stream.close(); show("Live updates paused: reload the page.", false);
    }).finally(function () {
      busy = false;
      if (pending) { setTimeout(refresh, 500); }
    });
  }
  main.addEventListener("focusout", function () { if (pending) { setTimeout(refresh, 0); } });
  stream = new EventSource("/live");
  stream.onopen = function () { show("Live", true); };
  stream.onerror = function () {
    show(stream.readyState === EventSource.CLOSED ? "Live updates paused: reload the page." : "Live updates paused: reconnecting…", false);
  };
  stream.addEventListener("change", function (e) { if (e.data !== version) { refresh(); } });
}());

// Polling (issue 12: a backup run's page): an element with data-poll="N"
// refetches the page every N seconds (at least 2) and swaps in the new
// element of the same id, until the new one has no data-poll (the run
// ended). The page's own Refresh link does the same without JavaScript.
(function () {
  var el = document.querySelector("[data-poll][id]");
  if (!el || !window.DOMParser || !window.fetch) { return; }
  var id = el.id, every = Math.max(2, parseInt(el.getAttribute("data-poll"), 10) || 3) * 1000;
  function poll() {
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html", "X-Ward-Live": "1" } }).then(function (r) {
      if (!r.ok || r.redirected) { throw new Error("stopped"); }
      return r.text();
    }).then(function (html) {
      var next = new DOMParser().parseFromString(html, "text/html").getElementById(id);
      var cur = document.getElementById(id);
      if (!next || !cur) { return; }
      cur.replaceWith(next);
      if (next.hasAttribute("data-poll")) { setTimeout(poll, every); }
    }).catch(function () {});
  }
  setTimeout(poll, every);
}());
