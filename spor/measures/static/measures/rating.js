/* The rating lines: tap or drag a mark with a finger or mouse, or use the arrow keys.
   Each line is a slider for screen readers; no number is shown on screen while rating. */
(function () {
  "use strict";
  var form = document.getElementById("rating-form");
  if (!form) return;
  var texts = JSON.parse(document.getElementById("rating-texts").textContent);
  var lang = document.documentElement.lang || "da";
  var errors = document.getElementById("rating-errors");

  function spoken(value) {
    var number = value.toLocaleString(lang, {minimumFractionDigits: 1, maximumFractionDigits: 1});
    return texts.value.replace("%(value)s", number);
  }

  form.querySelectorAll("[role=slider]").forEach(function (slider) {
    var input = document.getElementById(slider.dataset.input);
    var track = slider.querySelector(".track");
    var mark = slider.querySelector(".mark");

    function set(value) {
      value = Math.round(Math.min(10, Math.max(0, value)) * 10) / 10;
      input.value = value.toFixed(1);
      slider.setAttribute("aria-valuenow", value.toFixed(1));
      slider.setAttribute("aria-valuetext", spoken(value));
      mark.hidden = false;
      mark.style.left = value * 10 + "%";
      slider.closest(".scale").classList.remove("missing");
    }

    function fromPointer(event) {
      var box = track.getBoundingClientRect();
      set((event.clientX - box.left) / box.width * 10);
    }

    slider.addEventListener("pointerdown", function (event) {
      slider.setPointerCapture(event.pointerId);
      slider.classList.add("dragging");
      fromPointer(event);
      slider.focus({preventScroll: true});
      event.preventDefault();
    });
    slider.addEventListener("pointermove", function (event) {
      if (slider.hasPointerCapture(event.pointerId)) fromPointer(event);
    });
    ["pointerup", "pointercancel"].forEach(function (type) {
      slider.addEventListener(type, function () { slider.classList.remove("dragging"); });
    });
    slider.addEventListener("keydown", function (event) {
      var now = input.value === "" ? null : parseFloat(input.value);
      var steps = {ArrowRight: 0.1, ArrowUp: 0.1, ArrowLeft: -0.1, ArrowDown: -0.1,
                   PageUp: 1, PageDown: -1};
      if (event.key in steps) set(now === null ? 5 : now + steps[event.key]);
      else if (event.key === "Home") set(0);
      else if (event.key === "End") set(10);
      else return;
      event.preventDefault();
    });
    if (input.value !== "") set(parseFloat(input.value));
  });

  form.addEventListener("submit", function (event) {
    var missing = Array.prototype.filter.call(
      form.querySelectorAll("[role=slider]"),
      function (slider) { return document.getElementById(slider.dataset.input).value === ""; });
    if (!missing.length) return;
    event.preventDefault();
    missing.forEach(function (slider) { slider.closest(".scale").classList.add("missing"); });
    errors.textContent = texts.missing;
    errors.hidden = false;
    missing[0].focus();
  });
})();
