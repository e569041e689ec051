/* The supervision dashboard's two charts, drawn with the vendored Chart.js from the data the page embeds. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("supervision-chart-data").textContent);
  if (typeof Chart === "undefined") { return; }
  var common = { responsive: true, maintainAspectRatio: false, animation: false };
  function line(label, values, color, dash) {
    return { label: label, data: values, borderColor: color, backgroundColor: color, spanGaps: true, tension: 0.2,
             borderDash: dash || [], pointRadius: 2 };
  }
  window.supervisionCharts = {
    rates: new Chart(document.getElementById("rates-chart"), {
      type: "line",
      data: { labels: data.days, datasets: [
        line("Real-name verified %", data.real_name_rate, "#175cd3"),
        line("Inspection passed %", data.inspection_rate, "#1b7f3b", [6, 3]),
        line("Screened before dispatch %", data.screened_rate, "#b54708", [2, 2])
      ] },
      options: Object.assign({}, common, { scales: { y: { min: 0, max: 100, title: { display: true, text: "%" } } },
        plugins: { title: { display: true, text: "Daily compliance rates" } } })
    }),
    alerts: new Chart(document.getElementById("alerts-chart"), {
      type: "bar",
      data: { labels: data.days, datasets: [{ label: "Alerts raised", data: data.alerts, backgroundColor: "#b42318" }] },
      options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { title: { display: true, text: "Alerts per day" } } })
    })
  };
}());
