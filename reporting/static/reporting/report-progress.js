/* Polls a report's status every 2 seconds and updates the progress bar; no library needed. */
(function () {
  "use strict";
  var box = document.getElementById("report-progress");
  if (!box || box.getAttribute("data-finished") === "true") { return; }
  var url = box.getAttribute("data-status-url");
  var text = document.getElementById("report-status-text");
  var bar = document.getElementById("report-progress-bar");
  var error = document.getElementById("report-error");
  var reload = document.getElementById("report-reload");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (bar) { bar.value = data.progress; bar.textContent = data.progress + "%"; }
        text.textContent = data.status_label + (data.finished ? "" : " (" + data.progress + "%)");
        (data.parts || []).forEach(function (part) {
          var item = document.querySelector('#report-parts li[data-format="' + part.format + '"] .part-state');
          if (item) { item.textContent = part.state_label; }
        });
        if (data.error) { error.textContent = data.error; error.hidden = false; }
        if (data.finished) {
          if (bar) { bar.hidden = true; }
          if (data.status === "complete") { reload.hidden = false; }
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
