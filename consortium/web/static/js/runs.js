// Consortium: the charts of an optimizer run (data from the JSON island #run-charts).
(function () {
  "use strict";
  var island = document.getElementById("run-charts");
  if (!island || typeof Chart === "undefined") { return; }
  var data = JSON.parse(island.textContent);
  var palette = ["#1f6feb", "#1f7a3a", "#9a6700", "#b42318", "#6f42c1", "#0a7ea4", "#d4a72c", "#8250df", "#57606a", "#bf3989"];
  var money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
  function moneyTick(value) { return money.format(value); }

  var savings = document.getElementById("chart-savings");
  if (savings) {
    new Chart(savings, {
      type: "bar",
      data: {
        labels: data.members.map(function (m) { return m.member; }),
        datasets: [{ label: "Savings", data: data.members.map(function (m) { return m.savings; }),
                     backgroundColor: palette[1] }]
      },
      options: { maintainAspectRatio: false, plugins: { legend: { display: false },
        tooltip: { callbacks: { label: function (c) { return money.format(c.parsed.y); } } } },
        scales: { y: { beginAtZero: true, ticks: { callback: moneyTick } } } }
    });
  }

  var units = document.getElementById("chart-units");
  if (units) {
    new Chart(units, {
      type: "bar",
      data: {
        labels: data.periods,
        datasets: data.units.map(function (u, i) {
          return { label: u.product, data: u.values, backgroundColor: palette[i % palette.length] };
        })
      },
      options: { maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "units" } } } }
    });
  }

  var curves = document.getElementById("chart-curves");
  if (curves) {
    data.curves.forEach(function (curve, i) {
      var figure = document.createElement("figure");
      var caption = document.createElement("figcaption");
      caption.textContent = curve.product + " · " + curve.name;
      var box = document.createElement("div");
      box.className = "chart-box small";
      var canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", "Price tiers of " + curve.product + " with the plan's tranches");
      box.appendChild(canvas);
      figure.appendChild(caption);
      figure.appendChild(box);
      curves.appendChild(figure);
      new Chart(canvas, {
        type: "scatter",
        data: { datasets: [
          { label: "Tier price", data: curve.tiers, showLine: true, stepped: true, pointRadius: 0,
            borderColor: palette[0], backgroundColor: palette[0] },
          { label: "Tranches", data: curve.tranches, pointRadius: 6, pointStyle: "rectRot",
            borderColor: palette[3], backgroundColor: palette[3] }
        ] },
        options: { maintainAspectRatio: false,
          plugins: { tooltip: { callbacks: { label: function (c) {
            var p = c.raw; return (p.label ? p.label + ": " : "") + p.x + " units at " + money.format(p.y);
          } } } },
          scales: { x: { type: "linear", beginAtZero: true, title: { display: true, text: "units in the tranche" } },
                    y: { ticks: { callback: moneyTick }, title: { display: true, text: "unit price" } } } }
      });
    });
  }
})();
