// The ILL scan page: after htmx has swapped the result in, the field is emptied and keeps the focus,
// so the next scan (a keyboard-wedge scanner types and presses Enter) goes straight in.
(function () {
  function field() { return document.getElementById("scan-input"); }
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "ill-scan-form") return;
    var input = field();
    if (input) { input.value = ""; input.focus(); }
  });
  document.addEventListener("DOMContentLoaded", function () { var input = field(); if (input) input.focus(); });
})();
