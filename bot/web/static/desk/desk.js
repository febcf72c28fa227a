// The desk in the browser: the queue and the worker's chats side by side, kept live over /desk/ws.
// Every word shown comes from the server (the hello's texts, or already written into the state) in the
// worker's language: this file holds no visible text. Elements are made with textContent, never as HTML,
// so nothing a young person writes can become markup.
(function () {
  "use strict";

  var root = document.getElementById("desk-chats");
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!root || !meta) { return; }
  var csrf = meta.getAttribute("content") || "";

  var texts = null;          // the hello's texts
  var quick = [];            // the quick replies: {id, title}
  var pairs = [];            // who can be a new client's pair worker: {id, name}
  var socket = null;
  var retry = 1000;          // reconnect back-off, ms
  var ended = false;         // the session ended: no reconnecting
  var chats = {};            // chat number -> its article's parts

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; }
      else if (name === "hidden") { node.hidden = Boolean(attrs[name]); }
      else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function button(label, key, onClick, extra) {
    var node = el("button", Object.assign({type: "button", "data-key": key, text: label}, extra || {}));
    node.addEventListener("click", onClick);
    return node;
  }

  function connected() {
    return Boolean(socket && socket.readyState === WebSocket.OPEN);
  }

  // An action goes only on an open socket; without one the worker is told why (lost: it reconnects; ended: a new
  // login is needed) and false says so, so that what they wrote stays in its box.
  function send(message) {
    if (connected()) {
      socket.send(JSON.stringify(message));
      return true;
    }
    if (texts) { notice(ended ? texts.ended : texts.lost, "error"); }
    return false;
  }

  // --- the page's frame: notices, the duty bar, the queue, the chats ---

  var notices, duty, queueList, queueEmpty, chatsBox, noChats, confirmBox;

  function frame() {
    root.textContent = "";
    notices = el("div", {"class": "desk-notices", role: "status", "aria-live": "polite"});
    confirmBox = el("div", {"class": "desk-confirm", role: "alertdialog", "aria-modal": "false", hidden: true});
    duty = el("div", {"class": "desk-duty"});
    queueList = el("ul", {"class": "desk-queue-list"});
    queueEmpty = el("p", {"class": "desk-empty", text: texts.queue_empty});
    var queue = el("section", {"class": "desk-queue", "aria-labelledby": "desk-queue-title"}, [
      el("h2", {id: "desk-queue-title", tabindex: "-1", text: texts.queue}), queueEmpty, queueList]);
    noChats = el("p", {"class": "desk-empty", text: texts.no_chats});
    chatsBox = el("div", {"class": "desk-lanes"});
    var mine = el("section", {"class": "desk-mine", "aria-labelledby": "desk-chats-title"}, [
      el("h2", {id: "desk-chats-title", tabindex: "-1", text: texts.chats}), noChats, chatsBox]);
    root.appendChild(notices);
    root.appendChild(confirmBox);
    root.appendChild(duty);
    root.appendChild(el("div", {"class": "desk-columns"}, [queue, mine]));
    chats = {};
  }

  function notice(text, kind) {
    var line = el("p", {"class": "desk-notice desk-notice-" + kind, text: text});
    notices.appendChild(line);
    while (notices.childNodes.length > 3) { notices.removeChild(notices.firstChild); }
  }

  // Keep keyboard focus on "the same" control when a part of the page is drawn again; if it went (a chat
  // taken by someone else), on the queue's heading rather than lost on the page.
  function keepFocus(container, draw) {
    var active = document.activeElement;
    var key = active && container.contains(active) ? active.getAttribute("data-key") : null;
    draw();
    if (key) {
      var again = container.querySelector('[data-key="' + key + '"]');
      (again || document.getElementById("desk-queue-title")).focus();
    }
  }

  function drawDuty(state) {
    keepFocus(duty, function () {
      duty.textContent = "";
      duty.appendChild(el("p", {"class": "desk-status", text: state.status}));
      var actions = el("div", {"class": "desk-actions"});
      if (state.take) {
        actions.appendChild(button(state.take, "take-next", function () { send({action: "take"}); },
          {"class": "primary"}));
      }
      state.join.forEach(function (service) {
        actions.appendChild(button(service.label, "on-" + service.service, function () {
          send({action: "on", service: service.service});
        }));
      });
      if (state.off) {
        actions.appendChild(button(state.off, "off", function () { send({action: "off"}); }));
      }
      duty.appendChild(actions);
    });
  }

  function drawQueue(state) {
    queueEmpty.hidden = state.queue.length > 0;
    keepFocus(queueList, function () {
      queueList.textContent = "";
      state.queue.forEach(function (item) {
        var label = el("span", {"class": "desk-label", text: item.label});
        var entry = el("li", {"class": item.crisis ? "desk-waiting crisis" : "desk-waiting"}, [
          item.crisis ? el("strong", {"class": "badge", text: texts.crisis}) : null, label,
          el("span", {"class": "desk-meta", text: item.service + " · " + item.since}),
          button(texts.take_this, "take-" + item.chat, function () { send({action: "take", chat: item.chat}); },
            {"aria-label": texts.take_this + ": " + item.label})]);
        queueList.appendChild(entry);
      });
    });
  }

  // --- one chat in hand: header, transcript, composer and its actions ---

  function newLane(chat) {
    var n = chat.chat;
    var title = el("h3", {id: "lane-title-" + n, tabindex: "-1"});
    var badge = el("strong", {"class": "badge", text: texts.crisis, hidden: !chat.crisis});
    var meta = el("p", {"class": "desk-meta"});
    // A list that is also a polite live region: role="log" here would take the list's role away from the <ol>
    // and leave its <li> items outside any list (axe-core: listitem, serious).
    var log = el("ol", {"class": "desk-log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": texts.transcript, tabindex: "0"});
    var area = el("textarea", {id: "say-" + n, rows: "3", maxlength: "4000", "aria-describedby": "hint-" + n});
    var form = el("form", {"class": "desk-composer"}, [
      el("label", {"for": "say-" + n, text: texts.message}), area,
      el("p", {id: "hint-" + n, "class": "desk-hint", text: texts.send_hint}),
      el("button", {type: "submit", "class": "primary", text: texts.send})]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!area.value.trim()) { return; }
      if (send({action: "say", chat: n, text: area.value})) { area.value = ""; }
    });
    area.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    var tools = el("div", {"class": "desk-tools"});
    // A new client's invitation, once made: the code is shown only now, beside the chat it is to be given in.
    var invitation = el("p", {"class": "desk-invitation", role: "status", tabindex: "-1", hidden: true});
    var article = el("article", {"class": "desk-lane", "aria-labelledby": "lane-title-" + n},
      [el("header", {}, [badge, title]), meta, log, form, tools, invitation]);
    chatsBox.appendChild(article);
    return {article: article, title: title, badge: badge, meta: meta, log: log, tools: tools, count: 0, shape: "",
      invitation: invitation, offered: false};
  }

  function select(id, label, options) {
    var list = el("select", {id: id});
    options.forEach(function (option) { list.appendChild(el("option", {value: option[0], text: option[1]})); });
    return [el("label", {"for": id, text: label}), list];
  }

  function drawTools(lane, chat) {
    var n = chat.chat;
    var shape = JSON.stringify([chat.targets, chat.ended, chat.confirm_close, lane.offered]);
    if (shape === lane.shape) { return; }
    lane.shape = shape;
    keepFocus(lane.tools, function () {
      lane.tools.textContent = "";
      if (quick.length) {
        var replies = select("quick-" + n, texts.quick, quick.map(function (r) { return [r.id, r.title]; }));
        lane.tools.appendChild(el("div", {"class": "desk-tool"}, [replies[0], replies[1],
          button(texts.quick_send, "quick-send-" + n, function () {
            send({action: "quick", chat: n, reply: replies[1].value});
          })]));
      }
      if (chat.targets.length) {
        var to = select("to-" + n, texts.transfer_to, chat.targets.map(function (t) { return [String(t.id), t.name]; }));
        lane.tools.appendChild(el("div", {"class": "desk-tool"}, [to[0], to[1],
          button(texts.transfer, "transfer-" + n, function () {
            send({action: "transfer", chat: n, to: Number(to[1].value)});
          })]));
      }
      var row = el("div", {"class": "desk-tool"});
      if (chat.ended) {
        row.appendChild(button(texts.next_shift, "next-" + n, function () { send({action: "next_shift", chat: n}); }));
      }
      lane.tools.appendChild(offerTool(lane, chat));
      var closer = button(texts.close, "close-" + n, function () {
        ask(chat.confirm_close, texts.close_yes, texts.close_no, {action: "close", chat: n}, closer);
      });
      row.appendChild(closer);
      lane.tools.appendChild(row);
    });
  }

  // Working under their own name: first the offer (the young person is told how it would go), then the new
  // client's nickname and pair worker, and the invitation is made (the same rules as the Telegram desk).
  function offerTool(lane, chat) {
    var n = chat.chat;
    if (!lane.offered) {
      return el("div", {"class": "desk-tool"}, [button(texts.offer, "offer-" + n, function () {
        send({action: "offer", chat: n});
        lane.offered = true;
        drawTools(lane, chat);
        document.getElementById("nick-" + n).focus();
      })]);
    }
    var nickname = el("input", {id: "nick-" + n, type: "text", maxlength: "60", autocomplete: "off"});
    var pair = select("pair-" + n, texts.pair, [["", texts.no_pair]].concat(pairs.map(function (p) {
      return [String(p.id), p.name];
    })));
    var form = el("form", {"class": "desk-tool desk-invite"}, [
      el("label", {"for": "nick-" + n, text: texts.nickname}), nickname, pair[0], pair[1],
      el("button", {type: "submit", "data-key": "invite-" + n, text: texts.invite})]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send({action: "invite", chat: n, nickname: nickname.value, pair: pair[1].value ? Number(pair[1].value) : null});
    });
    return form;
  }

  function drawLane(chat) {
    var lane = chats[chat.chat] || (chats[chat.chat] = newLane(chat));
    lane.title.textContent = chat.label;
    lane.badge.hidden = !chat.crisis;
    lane.article.classList.toggle("crisis", chat.crisis);
    lane.meta.textContent = chat.service;
    // Only new lines are added, so the live region reads out what is new and nothing twice.
    chat.messages.slice(lane.count).forEach(function (line) {
      var who = line.from === "young" ? texts.from_young : texts.from_worker;
      lane.log.appendChild(el("li", {"class": "from-" + line.from}, [
        el("span", {"class": "desk-who", text: line.time + " " + who + ":"}),
        el("span", {"class": "desk-text", text: " " + line.text})]));
    });
    if (chat.messages.length < lane.count) {  // the transcript was cut at its length: draw it again
      lane.log.textContent = "";
      lane.count = 0;
      return drawLane(chat);
    }
    if (chat.messages.length > lane.count) { lane.log.scrollTop = lane.log.scrollHeight; }
    lane.count = chat.messages.length;
    drawTools(lane, chat);
    return lane;
  }

  function drawChats(state, taking) {
    var open = {};
    state.chats.forEach(function (chat) {
      var isNew = !chats[chat.chat];
      var lane = drawLane(chat);
      open[chat.chat] = true;
      if (isNew && taking) { lane.article.querySelector("textarea").focus(); }  // just taken: write at once
    });
    Object.keys(chats).forEach(function (n) {
      if (open[n]) { return; }
      var gone = chats[n].article;
      var hadFocus = gone.contains(document.activeElement);
      gone.parentNode.removeChild(gone);
      delete chats[n];
      if (hadFocus) { document.getElementById("desk-chats-title").focus(); }
    });
    noChats.hidden = state.chats.length > 0;
  }

  // --- a question to confirm (closing a chat, going off duty with people waiting) ---

  function ask(text, yes, no, action, back) {
    confirmBox.textContent = "";
    var yesButton = button(yes, "confirm-yes", function () { hide(); send(action); }, {"class": "primary"});
    var noButton = button(no, "confirm-no", function () { hide(); if (back) { back.focus(); } });
    var question = el("p", {id: "desk-confirm-text", text: text});
    confirmBox.setAttribute("aria-labelledby", "desk-confirm-text");
    confirmBox.appendChild(question);
    confirmBox.appendChild(el("div", {"class": "desk-actions"}, [yesButton, noButton]));
    confirmBox.hidden = false;
    yesButton.focus();
    function hide() { confirmBox.hidden = true; confirmBox.textContent = ""; }
    confirmBox.onkeydown = function (event) { if (event.key === "Escape") { hide(); if (back) { back.focus(); } } };
  }

  // --- the socket ---

  function receive(event) {
    var message = JSON.parse(event.data);
    if (message.type === "hello") {
      texts = message.texts;
      quick = message.quick;
      pairs = message.pairs || [];
      document.documentElement.lang = message.language;
      if (!notices) { frame(); }  // a reconnect keeps the lanes and what was being typed in them
      retry = 1000;
    } else if (!texts) {
      return;
    } else if (message.type === "state") {
      var active = document.activeElement && document.activeElement.getAttribute("data-key");
      var taking = Boolean(active && /^take-/.test(active));  // read before the take button is drawn away
      drawDuty(message);
      drawQueue(message);
      drawChats(message, taking);
    } else if (message.type === "notice") {
      notice(message.text, "info");
    } else if (message.type === "error") {
      notice(message.text, "error");
      if (message.error === "deskweb.session_ended") { ended = true; }
    } else if (message.type === "invitation" && chats[message.chat]) {
      var lane = chats[message.chat];
      lane.invitation.textContent = message.text;
      lane.invitation.hidden = false;
      lane.invitation.focus();
      var typed = document.getElementById("nick-" + message.chat);
      if (typed) { typed.value = ""; }
    } else if (message.type === "confirm" && message.action === "off") {
      ask(message.text, texts.off_yes, texts.off_no, {action: "off", confirm: true}, duty.querySelector('[data-key="off"]'));
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/desk/ws");
    socket.addEventListener("open", function () { socket.send(JSON.stringify({csrf: csrf})); });
    socket.addEventListener("message", receive);
    socket.addEventListener("close", function (event) {
      if (ended || event.code === 1008) {  // refused or ended: a new login is needed, not a retry
        if (texts && !ended) { notice(texts.ended, "error"); }
        ended = true;
        return;
      }
      if (texts) { notice(texts.lost, "error"); }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  // Presence: the worker's own input at the visible page tells the desk they are there (at most once a minute),
  // so watching a quiet queue does not end the session; a tab nobody touches still ends after the idle time.
  var PRESENT_EVERY = 60000;
  var presentAt = 0;
  function present() {
    var now = Date.now();
    if (!connected() || document.visibilityState !== "visible" || now - presentAt < PRESENT_EVERY) { return; }
    presentAt = now;
    send({action: "present"});
  }
  ["pointermove", "pointerdown", "keydown", "wheel", "touchstart", "scroll"].forEach(function (name) {
    window.addEventListener(name, present, {passive: true, capture: true});
  });
  document.addEventListener("visibilitychange", present);

  connect();
}());
