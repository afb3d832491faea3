// Consortium: small behaviours that need no inline script (the CSP forbids it).
(function () {
  "use strict";
  // <form data-confirm="Delete this line?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
})();
