// plotly.js with only the trace types the monitor draws: bar and heatmap (dashboards, reports),
// choropleth and scattergeo (the world map; markers for States without a shape), and scatter
// (lines: results against an SDG indicator over the years), which lib/core registers itself. Built by
// scripts/build-plotly.sh into reporting/static/vendor/plotly.min.js. Keep this list in step
// with reporting/dashboards.py and reporting/render/html.py (tests/reporting/test_plotly_bundle.py checks it).
var Plotly = require("plotly.js/lib/core");

Plotly.register([
  require("plotly.js/lib/bar"),
  require("plotly.js/lib/heatmap"),
  require("plotly.js/lib/choropleth"),
  require("plotly.js/lib/scattergeo"),
]);

module.exports = Plotly;
