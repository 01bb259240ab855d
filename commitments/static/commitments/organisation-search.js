// Suggestions for the organisation filter: as people type, ask the server for matching names
// and put them in the input's <datalist>, which browsers show as a keyboard-navigable list that
// screen readers announce. Without this script the field still takes a full name or a number.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.dataset.searchUrl;
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2 || text === last) { return; }
      timer = setTimeout(function () {
        last = text;
        fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            if (input.value.trim() !== text) { return; }  // a later keystroke asked again
            list.replaceChildren.apply(list, data.results.map(function (row) {
              var option = document.createElement("option");
              option.value = row.name;
              if (row.acronym) { option.label = row.acronym; }
              return option;
            }));
          })
          .catch(function () { /* no suggestions: typing a full name still works */ });
      }, 150);
    });
  }
  document.querySelectorAll("input[data-search-url]").forEach(attach);
})();
