// The article page: the legend toggles each highlighted kind; a click on a reference highlights exactly the
// sentences that cite it and shows the evidence; a second click clears it.
(function () {
  "use strict";
  var citations = JSON.parse(document.getElementById("citations").textContent);

  document.querySelectorAll("#legend .toggle").forEach(function (button) {
    button.addEventListener("click", function () {
      var on = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", on ? "true" : "false");
      document.body.classList.toggle("hide-" + button.getAttribute("data-kind"), !on);
    });
  });

  function clearSelection() {
    document.querySelectorAll(".cited-active:not(.swatch)").forEach(function (el) { el.classList.remove("cited-active"); });
    document.querySelectorAll(".ref-entry.active").forEach(function (el) { el.classList.remove("active"); });
    document.querySelectorAll("#references .ref").forEach(function (li) {
      li.classList.remove("active");
      li.setAttribute("aria-pressed", "false");
      li.querySelector(".evidence").hidden = true;
    });
  }

  function select(li) {
    var ref = li.getAttribute("data-ref");
    var wasActive = li.classList.contains("active");
    clearSelection();
    if (wasActive) { return; }
    li.classList.add("active");
    li.setAttribute("aria-pressed", "true");
    li.querySelector(".evidence").hidden = false;
    var first = null;
    (citations[ref] || []).forEach(function (sent) {
      document.querySelectorAll('#text .sent[data-sent="' + sent + '"]').forEach(function (el) {
        el.classList.add("cited-active");
        first = first || el;
      });
    });
    document.querySelectorAll('#text .ref-entry[data-ref="' + ref + '"]').forEach(function (el) { el.classList.add("active"); });
    if (first && first.scrollIntoView) { first.scrollIntoView({block: "center", behavior: "smooth"}); }
  }

  document.querySelectorAll("#references .ref").forEach(function (li) {
    li.addEventListener("click", function () { select(li); });
    li.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(li); }
    });
  });
})();
