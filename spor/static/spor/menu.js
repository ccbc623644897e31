// Numbers in the menu (new requests for a talk), fetched after the page has loaded so
// that no page waits for them. The server answers with a ready, escaped fragment.
document.querySelectorAll("[data-fill-from]").forEach(function (place) {
  fetch(place.dataset.fillFrom, {credentials: "same-origin"})
    .then(function (answer) { return answer.ok ? answer.text() : ""; })
    .then(function (html) { place.outerHTML = html; })
    .catch(function () { place.remove(); });
});
