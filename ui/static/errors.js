// The errors pages' only script (issue 16): "Copy" buttons for the DSN
// and the snippet. Without it the buttons stay hidden and the text is
// selected by hand.
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  var src = document.getElementById(b.getAttribute("data-copy"));
  if (!src || !navigator.clipboard) { return; }
  var label = b.textContent;
  b.hidden = false;
  b.addEventListener("click", function () {
    navigator.clipboard.writeText(src.textContent).then(function () {
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = label; }, 2000);
    }, function () { b.textContent = "Copy failed: select the text"; });
  });
});
