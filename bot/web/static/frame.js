/* Kaari's chat inside the organisation's page: the frame's script.
 *
 * It reads its texts from the page (#kaari-config, written by Kaari in the page's language), asks /web/status
 * whether someone answers now, and talks on /web/ws in the socket's protocol (bot/web/protocol.py): first
 * {"token", "language"}, then {"start"}, {"text"}, {"choice"} or {"command"}. The token is a random key made
 * here with crypto.getRandomValues and kept in this browser's local storage, so that a reload, or the answer to
 * a left message, finds the conversation again; "forget" removes it. Every text shown comes from Kaari.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("kaari-config").textContent);
  var texts = config.texts;
  var TOKEN = "kaari.token";
  var LANGUAGE = "kaari.language";
  var DISMISSED = "kaari.dismissed";
  var REOPEN = "kaari.reopen"; // the panel was open when the person switched language: it stays open
  var SHOWN = "kaari.shown"; // the panel is open in this tab: a reload (or a lost page) finds it open again
  var STATUS_EVERY = 60000;
  var BACKOFF_MAX = 30000;
  var CLOSE_NORMAL = 1000;
  var CLOSE_POLICY = 1008;

  function byId(id) {
    return document.getElementById(id);
  }
  var ui = {
    launcher: byId("kaari-launcher"), launcherText: byId("kaari-launcher-text"), badge: byId("kaari-badge"),
    panel: byId("kaari-panel"), minimise: byId("kaari-minimise"), closed: byId("kaari-closed"),
    notice: byId("kaari-notice"), intro: byId("kaari-intro"), body: byId("kaari-body"), help: byId("kaari-help"), leave: byId("kaari-leave"), messages: byId("kaari-messages"),
    state: byId("kaari-state"), form: byId("kaari-form"), input: byId("kaari-input"), forget: byId("kaari-forget"),
  };

  function stored(area, name) {
    try {
      return window[area].getItem(name);
    } catch (error) {
      return null; // storage blocked: the chat still works for this page's lifetime
    }
  }
  function keep(area, name, value) {
    try {
      if (value === null) {
        window[area].removeItem(name);
      } else {
        window[area].setItem(name, value);
      }
    } catch (error) {
      /* storage blocked: nothing is kept, which is what the person's browser asked for */
    }
  }

  // A language chosen here before wins over the browser's: the page is asked for in that language.
  var chosen = stored("localStorage", LANGUAGE);
  if (chosen && chosen !== config.language && config.languages.indexOf(chosen) >= 0) {
    relocate(chosen);
    return;
  }
  function relocate(language) {
    var url = new URL(window.location.href);
    url.searchParams.set("lang", language);
    window.location.replace(url.toString());
  }

  var embedded = window.parent !== window && Boolean(config.parent);
  // A small screen (the loader says so): the launcher only, however open the chat is; the person opens it.
  var small = new URLSearchParams(window.location.search).get("small") === "1";
  /* The host page: only this frame's size, whether it is open and its language, to the page's own origin only. */
  function tell(message) {
    if (embedded) {
      window.parent.postMessage(message, config.parent);
    }
  }
  // The loader names the frame for screen readers: in the language this page speaks (also after a switch here).
  tell({ kaari: "language", language: config.language });
  if (config.unknown) {
    unknownService();
    return;
  }

  /* A service this Kaari does not have (the page's data-service is wrong): the launcher still shows, and opens
   * to where to turn right now, so the person on the page is not left with nothing. */
  function unknownService() {
    var launcher = document.getElementById("kaari-launcher");
    var panel = document.getElementById("kaari-panel");
    var notice = document.getElementById("kaari-notice");
    function size() {
      var box = launcher.getBoundingClientRect();
      tell(panel.hidden ? { kaari: "size", open: false, width: box.width + 16, height: box.height + 16 }
        : { kaari: "size", open: true });
    }
    function show(open) {
      var inside = panel.contains(document.activeElement);
      panel.hidden = !open;
      launcher.hidden = open;
      launcher.setAttribute("aria-expanded", String(open));
      size();
      if (open) {
        notice.focus({ preventScroll: true });
      } else if (inside) {
        launcher.focus();
      }
    }
    launcher.addEventListener("click", function () {
      show(true);
    });
    document.getElementById("kaari-minimise").addEventListener("click", function () {
      show(false);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) {
        show(false);
      }
    });
    window.addEventListener("message", function (event) {
      if (embedded && event.origin === config.parent && event.source === window.parent && event.data &&
        event.data.kaari === "open") {
        show(true);
      }
    });
    window.addEventListener("resize", size);
    show(!embedded); // opened on its own (a link to the chat page): the panel is the page
  }

  var memory = null; // the token when storage is blocked
  function token(create) {
    var found = stored("localStorage", TOKEN) || memory;
    if (!found && create) {
      var bytes = new Uint8Array(24);
      window.crypto.getRandomValues(bytes);
      found = btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      memory = found;
      keep("localStorage", TOKEN, found);
    }
    return found;
  }

  function reportSize() {
    if (!ui.panel.hidden) {
      tell({ kaari: "size", open: true });
      return;
    }
    var box = ui.launcher.getBoundingClientRect();
    tell({ kaari: "size", open: false, width: box.width + 16, height: box.height + 16 });
  }
  window.addEventListener("message", function (event) {
    if (!embedded || event.origin !== config.parent || event.source !== window.parent) {
      return;
    }
    if (event.data && event.data.kaari === "open") {
      open(true);
    }
  });

  /* Open and closed. */
  var status = null;
  function views() {
    // Before anything is started here: someone answers (who), or nobody does (when next, where to turn now).
    ui.closed.hidden = !status || status.open || started;
    ui.intro.hidden = !status || !status.open || started;
    ui.help.hidden = !ui.closed.hidden; // the closed view names the places already
  }
  function open(byPerson) {
    ui.panel.hidden = false;
    ui.launcher.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.badge.hidden = true;
    keep("sessionStorage", SHOWN, "1");
    // Slides in from a little lower (only where the person has not asked for less motion: frame.css).
    ui.panel.classList.add("kaari-entering");
    void ui.panel.offsetWidth; // the starting point is laid out first, so the change is a transition
    ui.panel.classList.remove("kaari-entering");
    reportSize();
    if (token(false) && !started) {
      begin({ start: null }); // someone who wrote before: back to where they were, and what waited arrives
    }
    if (byPerson) {
      // Asked for by the person: the keyboard goes where they can act (closed: to the notice, read first, with
      // the offer to leave a message next). Opened on its own it takes no focus.
      (ui.closed.hidden ? ui.input : ui.notice).focus({ preventScroll: true });
      ui.body.scrollTop = ui.closed.hidden ? ui.body.scrollHeight : 0;
    }
  }
  function minimise() {
    var inside = ui.panel.contains(document.activeElement);
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "false");
    keep("sessionStorage", DISMISSED, "1");
    keep("sessionStorage", SHOWN, null);
    reportSize();
    if (inside) {
      ui.launcher.focus();
    }
  }
  ui.launcher.addEventListener("click", function () {
    open(true);
  });
  ui.minimise.addEventListener("click", minimise);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !ui.panel.hidden) {
      minimise();
    }
  });

  function showStatus(found) {
    status = found;
    ui.launcher.classList.toggle("kaari-open-now", found.open);
    ui.launcher.classList.toggle("kaari-closed-now", !found.open);
    ui.launcherText.textContent = found.launcher;
    ui.notice.textContent = found.notice || "";
    ui.intro.textContent = found.opening;
    views();
    reportSize();
  }
  function fetchStatus(first) {
    var url = "/web/status?" + new URLSearchParams({ service: config.service, lang: config.language }).toString();
    window.fetch(url, { credentials: "omit" }).then(function (response) {
      return response.ok ? response.json() : Promise.reject(new Error(String(response.status)));
    }).then(function (found) {
      showStatus(found);
      if (first && found.open && ui.panel.hidden && !small && !stored("sessionStorage", DISMISSED)) {
        open(false); // someone answers now: the chat opens gently, once a visit (not over a phone's whole page)
      }
    }).catch(function () {
      ui.launcherText.textContent = texts.status_failed;
      reportSize();
    });
  }

  /* The socket. */
  var socket = null;
  var started = false;
  var waiting = []; // messages to send once the socket is open
  var pendingText = null; // typed before the chat was open: sent once the chat asks for words
  var retries = 0;
  var retryTimer = null;

  function connect() {
    if (socket || retryTimer) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var opened = new WebSocket(scheme + "//" + window.location.host + "/web/ws");
    socket = opened;
    say(texts.connecting);
    opened.addEventListener("open", function () {
      retries = 0;
      say("");
      opened.send(JSON.stringify({ token: token(true), language: config.language }));
      waiting.splice(0).forEach(function (message) {
        opened.send(JSON.stringify(message));
      });
    });
    opened.addEventListener("message", function (event) {
      receive(JSON.parse(event.data));
    });
    opened.addEventListener("close", function (event) {
      if (socket !== opened) {
        return; // closed on purpose (forgotten)
      }
      socket = null;
      if (event.code === CLOSE_POLICY) {
        say(texts.status_failed);
        return;
      }
      if (event.code === CLOSE_NORMAL) {
        // Closed by Kaari after a quiet while (it said why): back when the person acts or returns to the page.
        say("");
        return;
      }
      // Dropped: try again, waiting longer each time; the token finds the person, and pushes that waited arrive.
      var delay = Math.min(BACKOFF_MAX, 1000 * Math.pow(2, retries)) * (0.75 + Math.random() / 2);
      retries += 1;
      say(texts.reconnecting);
      retryTimer = window.setTimeout(function () {
        retryTimer = null;
        connect();
      }, delay);
    });
  }
  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
    } else {
      waiting.push(message);
      connect();
    }
  }
  function begin(first) {
    started = true;
    views();
    send(first);
  }
  function say(text) {
    ui.state.textContent = text;
  }

  /* What arrives. */
  function receive(message) {
    var item = document.createElement("div");
    item.className = "kaari-msg kaari-theirs" + (message.type === "error" ? " kaari-error" : "");
    if (message.type === "picture") {
      picture(item, message);
    } else if (message.type === "document") {
      documentLink(item, message);
    } else if (message.type === "media") {
      paragraph(item, (message.caption ? message.caption + " " : "") + texts.media_elsewhere);
    } else {
      paragraph(item, message.text);
      if (message.buttons && message.buttons.length) {
        buttons(item, message.buttons);
      }
    }
    var lost = !document.activeElement || document.activeElement === document.body ||
      document.activeElement.disabled;
    ui.messages.appendChild(item);
    scrollDown();
    if (ui.panel.hidden) {
      ui.badge.textContent = texts.new_messages;
      ui.badge.hidden = false;
      reportSize();
    }
    var first = item.querySelector("button");
    if (lost && first && !ui.panel.hidden) {
      first.focus(); // the button the person pressed went away with its question: the next question has it
    }
    if (pendingText !== null && message.type === "text" && (message.free_text || message.buttons.length)) {
      var text = pendingText;
      pendingText = null;
      if (message.free_text) {
        mine(text);
        send({ text: text });
      } else {
        ui.input.value = text; // the chat asks something else first (which service): the words wait here
      }
    }
  }
  function scrollDown() {
    ui.body.scrollTop = ui.body.scrollHeight;
    if (window.getComputedStyle(ui.panel).overflowY === "auto") {
      ui.panel.scrollTop = ui.panel.scrollHeight; // a short window scrolls the whole panel
    }
  }
  function paragraph(item, text) {
    var p = document.createElement("p");
    p.className = "kaari-text";
    p.textContent = text;
    item.appendChild(p);
  }
  function picture(item, message) {
    var figure = document.createElement("figure");
    var img = document.createElement("img");
    img.src = "data:" + message.mime + ";base64," + message.data;
    img.alt = message.caption || texts.picture;
    img.setAttribute("data-testid", "kaari-picture");
    figure.appendChild(img);
    if (message.caption) {
      var caption = document.createElement("figcaption");
      caption.textContent = message.caption;
      figure.appendChild(caption);
    }
    item.appendChild(figure);
  }
  function documentLink(item, message) {
    var raw = atob(message.data);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([bytes], { type: message.mime }));
    link.download = message.filename;
    link.textContent = message.filename;
    link.className = "kaari-document";
    link.setAttribute("data-testid", "kaari-document");
    if (message.caption) {
      paragraph(item, message.caption);
    }
    item.appendChild(link);
  }
  function buttons(item, rows) {
    var group = document.createElement("div");
    group.className = "kaari-buttons";
    group.setAttribute("role", "group");
    rows.forEach(function (row) {
      row.forEach(function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "kaari-choice";
        button.textContent = choice.label;
        button.setAttribute("data-testid", "kaari-choice");
        button.setAttribute("data-value", choice.value);
        button.addEventListener("click", function () {
          group.querySelectorAll("button").forEach(function (other) {
            other.disabled = true;
          });
          mine(choice.label);
          send({ choice: choice.value });
        });
        group.appendChild(button);
      });
    });
    item.appendChild(group);
  }
  function mine(text) {
    var item = document.createElement("div");
    item.className = "kaari-msg kaari-mine";
    var who = document.createElement("span");
    who.className = "kaari-visually-hidden";
    who.textContent = texts.you + ": ";
    item.appendChild(who);
    paragraph(item, text);
    ui.messages.appendChild(item);
    scrollDown();
  }

  /* What the person does. */
  ui.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = ui.input.value.trim();
    if (!text) {
      return;
    }
    if (Array.from(text).length > config.max_text) {
      say(texts.too_long); // the words stay in the box, to be split: nothing is sent, nothing is lost
      ui.input.focus();
      return;
    }
    if (ui.state.textContent === texts.too_long) {
      say(""); // split and sent: the notice has done its work
    }
    ui.input.value = "";
    if (!started) {
      pendingText = text; // the first words open the chat with a worker (or leave a message), then go there
      begin(chatHere());
      return;
    }
    mine(text);
    send({ text: text });
  });
  ui.input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  // The chat of the service this widget was embedded for: not asked again which one.
  function chatHere() {
    return { command: "chat", service: config.service };
  }
  ui.leave.addEventListener("click", function () {
    begin(chatHere());
    ui.input.focus();
  });
  document.querySelectorAll("[data-command]").forEach(function (button) {
    button.addEventListener("click", function () {
      var command = button.getAttribute("data-command");
      var message = command === "chat" ? chatHere() : { command: command };
      if (started) {
        send(message);
      } else {
        begin(message);
      }
    });
  });
  document.querySelectorAll("[data-lang]").forEach(function (button) {
    button.addEventListener("click", function () {
      keep("localStorage", LANGUAGE, button.getAttribute("data-lang"));
      keep("sessionStorage", REOPEN, "1");
      relocate(button.getAttribute("data-lang"));
    });
  });
  ui.forget.addEventListener("click", function () {
    var old = socket;
    socket = null;
    if (old) {
      old.close();
    }
    window.clearTimeout(retryTimer);
    retryTimer = null;
    memory = null;
    keep("localStorage", TOKEN, null);
    started = false;
    waiting = [];
    ui.messages.textContent = "";
    views();
    say(texts.forgotten);
  });

  function reconnectIfKnown() {
    if (token(false) && !socket && document.visibilityState === "visible") {
      connect(); // someone who wrote before: what was sent to them meanwhile arrives (the launcher shows it)
    }
  }
  reconnectIfKnown();
  document.addEventListener("visibilitychange", reconnectIfKnown);
  window.addEventListener("focus", reconnectIfKnown);
  fetchStatus(true);
  window.setInterval(function () {
    if (ui.panel.hidden) {
      fetchStatus(false);
    }
  }, STATUS_EVERY);
  if (stored("sessionStorage", REOPEN)) {
    // Back in the language just chosen, mid-chat: the panel open again (the chat says where they were), the
    // keyboard where they go on writing, not on a launcher of a page they never meant to leave.
    keep("sessionStorage", REOPEN, null);
    open(true);
  } else if (stored("sessionStorage", SHOWN) || !embedded) {
    // Reloaded with the chat open (on purpose or not) it is open again; opened on its own (a link to the chat
    // page) the panel is the page.
    open(false);
  }
  window.addEventListener("resize", reportSize);
})();
