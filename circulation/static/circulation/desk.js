/* The desk page with a keyboard-wedge scanner: the focus stays in the scan field, Enter submits
   (htmx posts it and swaps the result in place), Esc clears the field and then the reader,
   F2/F3/F4 switch mode, and each outcome plays a short tone (tones.js). */
(function () {
  "use strict";

  var DONE = { ok: "ok", reader: "reader", late: "warn", found: "warn" };

  function scanField() { return document.getElementById("desk-scan"); }

  function focusScan() {
    var field = scanField();
    if (field && document.activeElement !== field) { field.focus({ preventScroll: true }); }
  }

  function interactive(element) {
    return element && element.closest && element.closest("a, button, input, select, textarea, summary, label");
  }

  function play(outcome) {
    if (outcome && window.circulationTone) { window.circulationTone(DONE[outcome] || "refused"); }
  }

  function announce() {
    var result = document.getElementById("desk-result");
    if (result) { play(result.getAttribute("data-outcome")); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("desk-form");
    if (!form) { return; }
    focusScan();
    announce();

    // The scan is sent: empty the field at once, so the next scan starts clean while this one runs.
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt === form) { scanField().value = ""; }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "desk-state") { announce(); }
      focusScan();
    });
    document.body.addEventListener("htmx:responseError", focusScan);
    document.body.addEventListener("htmx:sendError", focusScan);

    // Focus comes back to the scan field whenever it would otherwise go nowhere.
    scanField().addEventListener("blur", function () {
      window.setTimeout(function () {
        var active = document.activeElement;
        if (!active || active === document.body || !interactive(active)) { focusScan(); }
      }, 0);
    });
    document.addEventListener("click", function (event) {
      if (!interactive(event.target)) { focusScan(); }
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        var field = scanField();
        if (field.value) {
          field.value = "";
        } else {
          var clear = document.getElementById("desk-clear");
          if (clear) { clear.click(); }  // a click, so htmx sends the button's name with the form
        }
        focusScan();
        return;
      }
      var link = document.querySelector('.desk-modes a[data-key="' + event.key + '"]');
      if (link) {
        event.preventDefault();
        window.location.href = link.href;
      }
    });
  });
})();
