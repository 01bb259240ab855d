// Suggestions for the SDG code filters: the codes and titles are loaded once, when the box is
// first used, and the <datalist> offers those matching the code being typed (the last one in
// the box, the ones before it kept). Without this script the box still takes codes by hand.
(function () {
  "use strict";
  function attach(input) {
    if (input.dataset.codesReady) { return; }  // the script is included once per box
    input.dataset.codesReady = "1";
    var list = document.getElementById(input.getAttribute("list"));
    var rows = null;
    function suggest() {
      if (!rows) { return; }
      var value = input.value;
      var cut = Math.max(value.lastIndexOf(" "), value.lastIndexOf(",")) + 1;
      var before = value.slice(0, cut);
      var typed = value.slice(cut).trim().toLowerCase();
      var shown = rows.filter(function (row) {
        return !typed || row.code.indexOf(typed) === 0 || row.label.toLowerCase().indexOf(typed) !== -1;
      }).slice(0, 50);
      list.replaceChildren.apply(list, shown.map(function (row) {
        var option = document.createElement("option");
        option.value = before + row.code;
        option.label = row.label;
        return option;
      }));
    }
    function load() {
      input.removeEventListener("focus", load);
      fetch(input.dataset.codesUrl, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { rows = data.results; suggest(); })
        .catch(function () { /* no suggestions: typing codes still works */ });
    }
    input.addEventListener("focus", load);
    input.addEventListener("input", suggest);
  }
  document.querySelectorAll("input[data-codes-url]").forEach(attach);
})();
