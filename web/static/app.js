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
  var root = document.documentElement;

  // Telegram's theme colours, when it passed them; CSS falls back to the
  // system's light or dark scheme. The scheme follows Telegram's
  // background rather than the system: Telegram's theme can be dark on a
  // phone set to light, and the colours of the lights must suit the
  // background they are on.
  try {
    var theme = JSON.parse(hash.get("tgWebAppThemeParams") || "{}");
    Object.keys(theme).forEach(function (k) {
      if (/^#[0-9a-fA-F]{3,8}$/.test(theme[k])) {
        root.style.setProperty("--tg-" + k.replace(/_/g, "-"), theme[k]);
      }
    });
    var bg = rgb(theme.bg_color);
    if (bg) root.dataset.scheme = luminance(bg) < 0.179 ? "dark" : "light"; // where white text reads better than black
    readable("--tg-hint-color");
    readable("--tg-link-color");
  } catch (e) { /* no theme: keep the defaults */ }

  // readable moves one of Telegram's colours towards its text colour until
  // it reaches WCAG AA (4.5:1) on the page and on the cards: Telegram's
  // hint and link colours are often fainter (its light theme's hint,
  // #999999, is 2.8:1 on white), and they carry small text here.
  function readable(name) {
    var style = getComputedStyle(root);
    var c = rgb(style.getPropertyValue(name).trim());
    var fg = rgb(style.getPropertyValue("--fg").trim());
    var grounds = [rgb(style.getPropertyValue("--bg").trim()), rgb(style.getPropertyValue("--card").trim())];
    if (!c || !fg || !grounds[0] || !grounds[1]) return;
    for (var step = 0; step <= 20; step++) {
      var m = c.map(function (v, i) { return Math.round(v + (fg[i] - v) * step / 20); });
      if (contrast(m, grounds[0]) >= 4.5 && contrast(m, grounds[1]) >= 4.5) {
        if (step > 0) root.style.setProperty(name, "rgb(" + m.join(", ") + ")");
        return;
      }
    }
  }

  // rgb reads "#rgb" or "#rrggbb" as [r, g, b]; null for anything else.
  function rgb(hex) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); });
  }

  // luminance and contrast are WCAG 2's.
  function luminance(c) {
    var l = c.map(function (v) { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

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
        if (filtersOpen) showFilters(true);
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

  // The board's folded filters stay open across its reloads while the
  // reader narrows the list with them.
  var filtersOpen = false;
  function showFilters(open) {
    var button = main.querySelector(".filters [aria-controls]");
    var panel = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) return;
    button.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
    filtersOpen = open;
  }

  // "More" adds the next page's rows below those shown, and moves the
  // focus to the first of them, where a keyboard or a screen reader left
  // off. A task already listed (the list moved meanwhile) is not repeated.
  function loadMore(link) {
    var at = link.closest(".more-rows");
    main.setAttribute("aria-busy", "true");
    fetch(link.getAttribute("href"), { headers: headers, cache: "no-store" }).then(function (res) {
      if (!res.ok) throw new Error("status " + res.status);
      return res.text();
    }).then(function (html) {
      var page = document.createElement("template");
      page.innerHTML = html;
      var list = main.querySelector("ul.rows");
      var added = [];
      page.content.querySelectorAll("ul.rows > li.row").forEach(function (li) {
        if (list.querySelector('li.row[data-code="' + CSS.escape(li.dataset.code) + '"]')) return;
        list.appendChild(li);
        added.push(li);
      });
      var next = page.content.querySelector(".more-rows");
      if (next) at.replaceWith(next); else at.remove();
      main.removeAttribute("aria-busy");
      if (added.length) added[0].querySelector("a").focus();
    }).catch(function () {
      main.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("click", function (e) {
    var more = e.target.closest("a[data-more]");
    if (more) {
      e.preventDefault();
      loadMore(more);
      return;
    }
    if (e.target.closest(".filters [aria-controls]")) {
      showFilters(main.querySelector(".filters [aria-controls]").getAttribute("aria-expanded") !== "true");
      return;
    }
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
