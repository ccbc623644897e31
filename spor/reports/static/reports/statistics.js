// The PDF takes seconds to lay out: while it does, the page says so instead of looking
// frozen. The download carries a token; the answer sets a cookie with it, and the message
// goes when the cookie comes (or after two minutes at most), but is shown for three seconds
// at least, so that a file that comes at once does not make it flicker unread.
(function () {
  var status = document.getElementById("download-status");
  if (!status) return;
  document.querySelectorAll("a[data-busy]").forEach(function (link) {
    link.addEventListener("click", function () {
      var token = String(Date.now()) + String(Math.random()).slice(2, 8);
      var url = new URL(link.href, window.location.href);
      url.searchParams.set("download", token);
      link.href = url.toString();
      status.textContent = link.dataset.busy;
      status.hidden = false;
      link.setAttribute("aria-disabled", "true");
      var waited = 0;
      var timer = window.setInterval(function () {
        waited += 500;
        var come = document.cookie.indexOf("spor_download=" + token) !== -1;
        if ((come && waited >= 3000) || waited > 120000) {
          window.clearInterval(timer);
          status.hidden = true;
          link.removeAttribute("aria-disabled");
        }
      }, 500);
    });
  });
})();
