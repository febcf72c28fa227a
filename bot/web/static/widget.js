/* Kaari's chat on an organisation's own page: the one script the page loads, from Kaari's own address:
 *
 *   <script src="(Kaari's address)/web/widget.js" data-service="social-work" async></script>
 *
 * It works out Kaari's origin from its own src, inserts one iframe of Kaari's chat page from there and loads
 * nothing else. The page and the frame exchange only the frame's size, whether it is open and the language it
 * speaks (postMessage, the other side's origin checked both ways); the conversation stays inside the frame.
 * Optional: data-lang="fi|sv|en" (else the browser's language); any element with data-kaari-open on the page opens
 * the chat when clicked.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-service][src*='/web/widget.js']");
  if (!script || window.__kaariWidget) {
    return;
  }
  window.__kaariWidget = true;
  var kaari = new URL(script.src, document.baseURI).origin;
  // The frame's name for screen readers in each language, written in by Kaari from its catalogs.
  var titles = {} /* KAARI_TITLES */;
  var languages = Object.keys(titles);

  function language() {
    var wanted = [script.getAttribute("data-lang") || ""].concat(navigator.languages || [navigator.language || ""]);
    for (var i = 0; i < wanted.length; i += 1) {
      var code = String(wanted[i]).slice(0, 2).toLowerCase();
      if (languages.indexOf(code) >= 0) {
        return code;
      }
    }
    return languages[0];
  }

  var frame = document.createElement("iframe");
  var lang = language();
  var query = new URLSearchParams({
    service: script.getAttribute("data-service") || "", lang: lang, host: window.location.origin,
  });
  // On a phone the open panel would cover most of the page the person came to read: the frame then does not open
  // by itself, its launcher says that someone answers now.
  if (window.matchMedia("(max-width: 599px), (max-height: 599px)").matches) {
    query.set("small", "1");
  }
  frame.src = kaari + "/web/frame?" + query.toString();
  frame.title = titles[lang];
  frame.setAttribute("data-kaari-widget", "");
  // The frame floats in the page's bottom corner; while closed it is only as big as its button.
  var style = {
    position: "fixed", right: "12px", bottom: "12px", border: "0", "z-index": "2147483000",
    width: "0", height: "0", "color-scheme": "normal", background: "transparent", "max-width": "calc(100vw - 24px)",
    "max-height": "calc(100vh - 24px)",
  };
  Object.keys(style).forEach(function (name) {
    frame.style.setProperty(name, style[name]);
  });

  function resize(data) {
    if (data.open) {
      frame.style.setProperty("width", "min(400px, calc(100vw - 24px))");
      frame.style.setProperty("height", "min(640px, calc(100vh - 24px))");
      return;
    }
    var width = Math.max(0, Math.min(Number(data.width) || 0, 400));
    var height = Math.max(0, Math.min(Number(data.height) || 0, 240));
    frame.style.setProperty("width", Math.ceil(width) + "px");
    frame.style.setProperty("height", Math.ceil(height) + "px");
  }

  window.addEventListener("message", function (event) {
    // Only Kaari's own frame may size it: another origin or another window is not listened to.
    if (event.origin !== kaari || event.source !== frame.contentWindow) {
      return;
    }
    var data = event.data;
    if (data && data.kaari === "size") {
      resize(data);
    } else if (data && data.kaari === "language" && Object.prototype.hasOwnProperty.call(titles, data.language)) {
      frame.title = titles[data.language]; // switched inside the frame: its name follows, in Kaari's words
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target && event.target.closest ? event.target.closest("[data-kaari-open]") : null;
    if (opener && frame.contentWindow) {
      event.preventDefault();
      frame.contentWindow.postMessage({ kaari: "open" }, kaari);
      frame.focus();
    }
  });

  function insert() {
    document.body.appendChild(frame);
  }
  if (document.body) {
    insert();
  } else {
    document.addEventListener("DOMContentLoaded", insert);
  }
})();
