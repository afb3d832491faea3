// Admin pages: the product price curve and the round demand chart (data from JSON islands).
(function () {
  "use strict";

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function money(value) {
    return "$" + Number(value).toLocaleString("en-US", {maximumFractionDigits: 2});
  }

  function priceCurve() {
    var canvas = document.getElementById("price-curve");
    var data = readJSON("price-curve-data");
    if (!canvas || !data || !window.Chart) { return; }
    var tiers = (data.tiers || []).filter(function (t) {
      return t.unit_price !== null && t.min_qty > 0;
    });
    if (!tiers.length) { canvas.parentNode.classList.add("hidden"); return; }
    var points = tiers.map(function (t) { return {x: t.min_qty, y: t.unit_price}; });
    var last = tiers[tiers.length - 1];
    // Extend the last tier so its step is visible.
    points.push({x: Math.max(last.min_qty + 1, Math.ceil(last.min_qty * 1.5)), y: last.unit_price});
    new window.Chart(canvas, {
      type: "line",
      data: {datasets: [{label: "Unit price", data: points, stepped: true, fill: false,
                         pointRadius: function (ctx) { return ctx.dataIndex < tiers.length ? 3 : 0; }}]},
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {legend: {display: false},
                  tooltip: {callbacks: {label: function (ctx) {
                    return "from " + ctx.parsed.x + " units: " + money(ctx.parsed.y);
                  }}}},
        scales: {
          x: {type: "linear", title: {display: true, text: "Tranche quantity"}, min: 0},
          y: {title: {display: true, text: "Unit price"},
              ticks: {callback: function (v) { return money(v); }}}
        }
      }
    });
  }

  function demandChart() {
    var canvas = document.getElementById("demand-chart");
    var data = readJSON("demand-chart-data");
    if (!canvas || !data || !window.Chart) { return; }
    new window.Chart(canvas, {
      type: "bar",
      data: data,
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {legend: {position: "bottom"}},
        scales: {x: {stacked: true, title: {display: true, text: "Earliest delivery period"}},
                 y: {stacked: true, beginAtZero: true, title: {display: true, text: "Units"},
                     ticks: {precision: 0}}}
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    priceCurve();
    demandChart();
  });
})();
