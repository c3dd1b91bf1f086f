/* The stocktake scanner: a tone per outcome (tones.js) on load and after each htmx swap, and the
   focus back in the barcode field. */
(function () {
  "use strict";

  var KIND = { ok: "ok", again: "warn", on_loan: "warn" };

  function announce() {
    var result = document.getElementById("scan-outcome");
    var outcome = result && result.getAttribute("data-outcome");
    if (outcome && window.circulationTone) { window.circulationTone(KIND[outcome] || "refused"); }
    var field = document.getElementById("stock-barcode");
    if (field) { field.focus({ preventScroll: true }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    announce();
    document.body.addEventListener("htmx:afterSwap", announce);
  });
})();
