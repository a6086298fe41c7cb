// starkrisk dashboard: every element with data-live is refreshed from that URL every few seconds, so
// lists, a decision's badges and the health figures follow the service without reloading the page.
"use strict";
(function () {
  var PERIOD_MS = 2000;
  function refresh(element) {
    fetch(element.getAttribute("data-live"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // A lapsed session is sent to sign in: reload so the visitor sees the sign-in page.
        if (response.redirected || response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== undefined && html !== element.innerHTML) { element.innerHTML = html; }
      })
      .catch(function () { /* the next round tries again */ });
  }
  function start() {
    var live = document.querySelectorAll("[data-live]");
    if (live.length === 0) { return; }
    window.setInterval(function () {
      if (document.hidden) { return; }
      live.forEach(refresh);
    }, PERIOD_MS);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
