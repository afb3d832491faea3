// Consortium: small behaviours that need no inline script (the CSP forbids it).
(function () {
  "use strict";
  // <form data-confirm="Delete this line?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
  // A table wider than its box scrolls inside .table-wrap; keyboard users can only scroll it if the
  // box takes focus, and screen readers then need its name (the table's caption or the heading
  // above it). Boxes that do not overflow stay out of the tab order.
  function tableName(box) {
    var caption = box.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    for (var el = box; el && el !== document.body; el = el.parentElement) {
      for (var prev = el.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) { return prev.textContent.trim(); }
      }
    }
    return "Table";
  }
  function markScrollableTables() {
    var boxes = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", tableName(box) + " (scrolls sideways)");
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  }
  document.addEventListener("DOMContentLoaded", markScrollableTables);
  window.addEventListener("resize", markScrollableTables);
  document.addEventListener("htmx:afterSettle", markScrollableTables);
})();
