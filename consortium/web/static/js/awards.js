// Consortium: the members chart of an award run (data from the JSON island #award-chart).
(function () {
  "use strict";
  var island = document.getElementById("award-chart");
  var canvas = document.getElementById("chart-award-members");
  if (!island || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(island.textContent);
  var money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.members,
      datasets: [
        { label: "Net award", data: data.net, backgroundColor: "#1f6feb" },
        { label: "Plan: consortium", data: data.consortium, backgroundColor: "#1f7a3a" },
        { label: "Plan: stand-alone", data: data.standalone, backgroundColor: "#9a6700" }
      ]
    },
    options: { maintainAspectRatio: false,
      plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + money.format(c.parsed.y); } } } },
      scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } } } }
  });
})();
