/* Draws the dashboard figures embedded in the page as JSON (no inline script, no network).
 * Each `.chart-figure[data-figure]` names the <script type="application/json"> holding its
 * figure. The page works without JavaScript: every chart has a summary and a data table. */
(function () {
  "use strict";

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw() {
    var config = readJSON("dashboard-config") || {};
    var options = {
      responsive: true,
      displaylogo: false,
      topojsonURL: config.topojsonURL,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
    };
    document.querySelectorAll(".chart-figure[data-figure]").forEach(function (div) {
      var figure = readJSON(div.getAttribute("data-figure"));
      if (!figure || typeof Plotly === "undefined") return;
      var layout = Object.assign({}, figure.layout, { height: Number(div.getAttribute("data-height")) || 420 });
      // The section's heading already names the chart; a second title inside the figure is noise.
      delete layout.title;
      layout.margin = Object.assign({}, layout.margin, { t: 20 });
      Plotly.newPlot(div, figure.data, layout, options);
    });
  }

  // Filters: submit on change (progressive enhancement) and leave empty fields out of the URL.
  function enhanceFilters() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("input, select").forEach(function (field) {
          if (field.type !== "checkbox" && field.type !== "submit" && !field.value) field.disabled = true;
        });
      });
      form.addEventListener("change", function (event) {
        if (event.target.matches("select, input[type=checkbox]")) {
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(); enhanceFilters(); });
  } else {
    draw();
    enhanceFilters();
  }
})();
