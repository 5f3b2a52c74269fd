// The board's only script. Telegram puts the signed initData in the URL
// fragment (#tgWebAppData=...) when it opens the Mini App, and so do the
// demo's links; it goes with every request in a header, never in a URL,
// so it stays out of logs and history entries of other sites.
(function () {
  "use strict";
  var hash = new URLSearchParams(location.hash.slice(1));
  var tg = window.Telegram && window.Telegram.WebApp;
  var initData = (tg && tg.initData) || hash.get("tgWebAppData") || "";
  var headers = { "X-Telegram-Init-Data": initData };
  var main = document.getElementById("main");

  // Telegram's theme colours, when it passed them; CSS falls back to the
  // system's light or dark scheme.
  try {
    var theme = JSON.parse(hash.get("tgWebAppThemeParams") || "{}");
    Object.keys(theme).forEach(function (k) {
      if (/^#[0-9a-fA-F]{3,8}$/.test(theme[k])) {
        document.documentElement.style.setProperty("--tg-" + k.replace(/_/g, "-"), theme[k]);
      }
    });
  } catch (e) { /* no theme: keep the defaults */ }

  function start() {
    var p = new URLSearchParams(location.search).get("p");
    return p && p.indexOf("/app/") === 0 ? p : "/app/board";
  }

  function load(path, push) {
    main.setAttribute("aria-busy", "true");
    return fetch(path, { headers: headers, cache: "no-store" }).then(function (res) {
      return res.text().then(function (html) {
        main.innerHTML = html;
        // The reader's language is known once initData is checked.
        var lang = res.headers.get("Content-Language");
        if (lang) document.documentElement.lang = lang;
        main.dataset.status = String(res.status);
        main.dataset.path = path;
        main.removeAttribute("aria-busy");
        if (push) {
          history.pushState({ path: path }, "", "?p=" + encodeURIComponent(path) + location.hash);
          window.scrollTo(0, 0);
        }
        loadFiles();
      });
    }).catch(function () {
      main.innerHTML = '<p class="msg">网络错误，请重试。 / Network error; please try again.</p>';
      main.removeAttribute("aria-busy");
    });
  }

  // Evidence needs the same header, so it is fetched here and shown from
  // a blob: URL.
  function loadFiles() {
    main.querySelectorAll("[data-file]").forEach(function (el) {
      fetch("/app/file/" + el.dataset.file, { headers: headers }).then(function (res) {
        if (!res.ok) { el.classList.add("missing"); return null; }
        return res.blob();
      }).then(function (blob) {
        if (!blob) return;
        var url = URL.createObjectURL(blob);
        if (el.tagName === "IMG") { el.src = url; } else { el.href = url; el.download = el.dataset.name || "evidence"; }
      });
    });
  }

  document.addEventListener("click", function (e) {
    var a = e.target.closest("a[data-nav]");
    if (!a) return;
    e.preventDefault();
    load(a.getAttribute("href"), true);
  });
  document.addEventListener("submit", function (e) {
    var f = e.target.closest("form[data-form]");
    if (!f) return;
    e.preventDefault();
    var q = new URLSearchParams();
    new FormData(f).forEach(function (v, k) { if (v) q.append(k, v); });
    var qs = q.toString();
    load(f.getAttribute("action") + (qs ? "?" + qs : ""), true);
  });
  document.addEventListener("change", function (e) {
    if (e.target.matches("form[data-form] select")) e.target.form.requestSubmit();
  });
  window.addEventListener("popstate", function (e) {
    load((e.state && e.state.path) || start(), false);
  });
  if (tg && tg.ready) tg.ready();
  load(start(), false);
})();
