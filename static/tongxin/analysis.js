/* Structure analysis charts (ECharts, vendored). Each chart's data and the
   person-list link of every bar or slice come from the server (json_script);
   a click opens that list, whose total equals the figure. */
(function () {
  "use strict";
  var PALETTE = ["#b22222", "#d4a017", "#2f6f9f", "#5b8c5a", "#8e5ea2", "#e07b39", "#4aa3a2", "#7f7f7f", "#c06c84", "#355c7d"];
  var charts = [];

  function toolbox(title) {
    return {
      right: 8,
      feature: { saveAsImage: { title: "保存为图片", name: title, pixelRatio: 2, backgroundColor: "#fff" } }
    };
  }

  function open(urls, index) {
    var url = urls && urls[index];
    if (url) { window.location.href = url; }
  }

  function distribution(el, d) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var option;
    if (d.chart === "pie") {
      option = {
        color: PALETTE,
        tooltip: { trigger: "item", formatter: "{b}：{c}人（{d}%）" },
        legend: { bottom: 0, type: "scroll" },
        toolbox: toolbox(d.title),
        series: [{
          type: "pie", radius: ["30%", "65%"], center: ["50%", "45%"],
          label: { formatter: "{b}\n{c}人" },
          data: d.labels.map(function (label, i) { return { name: label, value: d.values[i] }; })
        }]
      };
    } else if (d.chart === "hbar") {
      // Long or many labels: one per line on the left, first bucket on top.
      el.style.height = Math.max(280, 28 * d.labels.length + 60) + "px";
      option = {
        color: PALETTE,
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        toolbox: toolbox(d.title),
        grid: { left: 8, right: 48, top: 36, bottom: 16, containLabel: true },
        yAxis: { type: "category", data: d.labels, inverse: true, axisLabel: { interval: 0, width: 160, overflow: "break" } },
        xAxis: { type: "value", name: "人数", minInterval: 1 },
        series: [{ type: "bar", data: d.values, barMaxWidth: 24, label: { show: true, position: "right" } }]
      };
    } else {
      option = {
        color: PALETTE,
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        toolbox: toolbox(d.title),
        grid: { left: 48, right: 16, top: 36, bottom: 56 },
        xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", name: "人数", minInterval: 1 },
        series: [{ type: "bar", data: d.values, barMaxWidth: 48, label: { show: true, position: "top" } }]
      };
    }
    chart.setOption(option);
    chart.on("click", function (params) { open(d.urls, params.dataIndex); });
    return chart;
  }

  function trend(el, columns, series, title) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, type: "scroll" },
      toolbox: toolbox(title),
      grid: { left: 56, right: 16, top: 36, bottom: 48 },
      xAxis: { type: "category", data: columns },
      yAxis: { type: "value", name: "人数", minInterval: 1 },
      series: series.map(function (s) { return { name: s.name, type: "bar", stack: "total", data: s.values }; })
    });
    return chart;
  }

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var data = read("analysis-charts") || [];
  data.forEach(function (d) {
    var el = document.querySelector('[data-chart="' + d.key + '"]');
    if (el) { charts.push(distribution(el, d)); }
  });
  var t = read("analysis-trends");
  if (t) {
    var level = document.querySelector('[data-chart="trend_level"]');
    if (level) { charts.push(trend(level, t.columns, t.level, "各年末人数（按分级）")); }
    var group = document.querySelector('[data-chart="trend_group"]');
    if (group) { charts.push(trend(group, t.columns, t.group, "各年末人数（按类别）")); }
  }

  function resizeAll() { charts.forEach(function (c) { c.resize(); }); }
  window.addEventListener("resize", resizeAll);
  // Charts are sized for the printed page before printing, and back afterwards.
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (c) { c.resize({ width: 620, height: 240 }); });
  });
  window.addEventListener("afterprint", resizeAll);
})();
