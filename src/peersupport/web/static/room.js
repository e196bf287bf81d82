// The meeting room: render the state the server pushes; send the person's button presses.
// Text only (textContent), never HTML from the server's data.
"use strict";
(function () {
  const script = document.currentScript;
  const socketPath = script.dataset.socket;
  const $ = (id) => document.getElementById(id);
  let state = JSON.parse($("initial").textContent);
  let receivedAt = performance.now();
  let socket = null;
  let requestId = 0;

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function list(element, people, describe) {
    element.replaceChildren(...people.map((person) => {
      const item = document.createElement("li");
      item.textContent = describe ? describe(person) : person.name;
      item.dataset.member = person.id;
      return item;
    }));
  }

  function render() {
    $("phase").textContent = state.phase.name;
    $("status").textContent = state.status;
    $("round-wrap").hidden = !state.phase.rounds;
    $("round").textContent = state.round;
    document.querySelectorAll(".phase").forEach((box) => {
      box.classList.toggle("current", box.dataset.phase === state.phase.id);
      if (box.dataset.phase === state.phase.id) box.setAttribute("aria-current", "step");
      else box.removeAttribute("aria-current");
    });
    const holder = state.holder;
    $("floor").textContent = state.status === "paused" ? "Paused for a safety break."
      : state.status === "ended" ? "The meeting has ended."
      : holder ? (holder.id === state.me.id ? "You are sharing." : holder.name + " is sharing.")
      : "Nobody holds the floor.";
    $("next").textContent = state.next
      ? (state.next.id === state.me.id ? "It is your turn." : "Next: " + state.next.name + ".") : "";
    list($("waiting"), state.waiting);
    list($("present"), state.present, (p) => p.name + " (" + p.role + ")" + (p.passed ? ", passed" : ""));
    $("agreement-version").textContent = "v" + state.agreement.version;
    list($("guidelines"), state.agreement.guidelines.map((line, i) => ({ id: String(i), name: line })));
    const shown = new Set(state.buttons);
    document.querySelectorAll("button[data-action]").forEach((button) => {
      button.hidden = !shown.has(button.dataset.action);
    });
    const facilitates = state.me.role === "facilitator" || state.me.role === "co-facilitator";
    $("facilitation").hidden = !facilitates || state.status === "ended";
    $("feedback-link").hidden = state.status !== "ended";
    const target = $("target");
    const chosen = target.value;
    target.replaceChildren(...state.present.map((p) => new Option(p.name, p.id)));
    if (state.present.some((p) => p.id === chosen)) target.value = chosen;
    else if (state.next) target.value = state.next.id;
    tick();
  }

  function tick() {
    const share = state.share;
    $("timer").hidden = !share;
    if (!share) return;
    const running = state.status === "open" ? (performance.now() - receivedAt) / 1000 : 0;
    $("elapsed").textContent = clock(share.elapsed + running);
    $("limit").textContent = share.limit ? "of " + clock(share.limit) : "";
    $("warning").hidden = !share.warned || share.over;
    $("overtime").hidden = !share.over;
  }

  function say(text) {
    $("message").textContent = text;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + socketPath);
    socket.onopen = () => { $("connection").textContent = "connected"; };
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "state") {
        state = data.state;
        receivedAt = performance.now();
        render();
      } else if (data.type === "reply") {
        say(data.ok ? "" : data.error);
      }
    };
    socket.onclose = () => {
      $("connection").textContent = "reconnecting…";
      setTimeout(connect, 1000);
    };
  }

  document.querySelectorAll("button[data-action]").forEach((button) => {
    button.addEventListener("click", () => {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        say("Not connected yet; try again in a moment.");
        return;
      }
      requestId += 1;
      socket.send(JSON.stringify({ id: requestId, action: button.dataset.action, target: $("target").value || null }));
    });
  });

  render();
  setInterval(tick, 250);
  connect();
})();
