// Draws a chart beside each table of the school's figures page, from the page's JSON block.
// The tables stay the truth: without JavaScript (or ECharts) the page shows them alone.
(function () {
  "use strict";

  function draw() {
    var block = document.getElementById("figures-data");
    if (!block || typeof window.echarts === "undefined") return;
    var data = JSON.parse(block.textContent);
    var names = data.series;
    var charts = [];

    function bars(categories, series, horizontal) {
      var categoryAxis = { type: "category", data: categories, axisLabel: { interval: 0, width: 160, overflow: "truncate" } };
      var valueAxis = { type: "value", minInterval: 1 };
      if (horizontal) categoryAxis.inverse = true;
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: horizontal ? valueAxis : categoryAxis,
        yAxis: horizontal ? categoryAxis : valueAxis,
        series: series,
        aria: { enabled: true },
      };
    }

    function loansAndCorners(part) {
      var option = bars(part.names, [
        { name: names.loans, type: "bar", stack: "loans", data: part.loans },
        { name: names.corner_loans, type: "bar", stack: "loans", data: part.corner_loans },
        { name: names.per_student, type: "line", yAxisIndex: 1, data: part.per_student },
      ], false);
      option.yAxis = [{ type: "value", minInterval: 1 }, { type: "value", splitLine: { show: false } }];
      return option;
    }

    var options = {
      shares: function () {
        var option = bars(data.shares.names, [
          { name: names.share, type: "bar", data: data.shares.values, label: { show: true, position: "right", formatter: "{c}%" } },
        ], true);
        option.xAxis.max = 100;
        option.legend = { show: false };
        return option;
      },
      grades: function () { return loansAndCorners(data.grades); },
      classes: function () { return loansAndCorners(data.classes); },
      titles: function () {
        var option = bars(data.titles.names, [
          { name: names.titles, type: "bar", data: data.titles.loans, label: { show: true, position: "right" } },
        ], true);
        option.legend = { show: false };
        return option;
      },
    };

    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var make = options[element.dataset.chart];
      var part = data[element.dataset.chart];
      if (!make || !part || !part.names.length) return;
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(make());
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
