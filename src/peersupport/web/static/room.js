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

  // Seconds since the state arrived, while ``running``.
  function since(running) {
    return running ? (performance.now() - receivedAt) / 1000 : 0;
  }

  function list(element, people, describe) {
    element.replaceChildren(...people.map((person) => {
      const item = document.createElement("li");
      item.textContent = describe ? describe(person) : person.name;
      item.dataset.member = person.id;
      return item;
    }));
  }

  // A button acting on one entry of the queue, or on one point of process.
  function entryButton(text, label, action, data) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.dataset.action = action;
    Object.assign(button.dataset, data);
    return button;
  }

  function entry(person, text, badge) {
    const item = document.createElement("li");
    item.dataset.member = person.id;
    const name = document.createElement("span");
    name.textContent = person.name + text;
    item.append(name);
    if (badge) {
      const mark = document.createElement("strong");
      mark.className = "badge next";
      mark.textContent = badge;
      item.append(" ", mark);
    }
    return item;
  }

  // The queue of raised hands (head first) and the pending points of process.
  function renderQueue(shown) {
    const hands = state.hands, points = state.points;
    const focused = $("queue").contains(document.activeElement)
      ? document.activeElement.getAttribute("aria-label") : null;
    $("queue").hidden = !state.phase.queue && points.length === 0;
    $("hands-part").hidden = !state.phase.queue;
    $("points-part").hidden = points.length === 0;
    const place = hands.findIndex((hand) => hand.id === state.me.id);
    $("queue-me").textContent = points.length ? "A point of process comes first; the facilitator takes it."
      : place >= 0 ? (hands[place].next ? "You are next." : "Your hand is up: number " + (place + 1) + " in the queue.")
      : hands.length ? "" : "No hands are up.";
    $("hands").replaceChildren(...hands.map((hand, index) => {
      const item = entry(hand, "", hand.next ? "next" : "");
      if (shown.has("move_hand") && index > 0) {
        item.append(entryButton("Up", "Move " + hand.name + " up", "move_hand",
          { target: hand.id, position: String(index - 1) }));
      }
      if (shown.has("move_hand") && index < hands.length - 1) {
        item.append(entryButton("Down", "Move " + hand.name + " down", "move_hand",
          { target: hand.id, position: String(index + 1) }));
      }
      if (shown.has("lower_hand_for")) {
        item.append(entryButton("Remove", "Take " + hand.name + " off the queue", "lower_hand_for",
          { target: hand.id }));
      }
      return item;
    }));
    $("points").replaceChildren(...points.map((point) => {
      const item = entry(point, point.acknowledged ? ": acknowledged" : ": waiting for the facilitator");
      if (!point.acknowledged && shown.has("acknowledge_point")) {
        item.append(entryButton("Acknowledge", "Acknowledge " + point.name + "'s point", "acknowledge_point",
          { target: point.id }));
      }
      if (point.acknowledged && shown.has("resolve_point")) {
        item.append(entryButton("Resolved", point.name + "'s point: resolved", "resolve_point",
          { target: point.id, outcome: "resolved" }));
        item.append(entryButton("To an amendment", point.name + "'s point: to an amendment", "resolve_point",
          { target: point.id, outcome: "amendment" }));
      }
      return item;
    }));
    if (focused) {  // keep the keyboard's place across the redraw
      const again = [...$("queue").querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === focused);
      if (again) again.focus();
    }
  }

  // A facilitator's referrals: who may be referred, and those recorded. Only a
  // facilitator's page has this part, and only theirs is sent what it shows.
  function renderReferrals() {
    const mine = state.facilitation;
    if (!$("referral")) return;
    $("referral").hidden = !mine;
    if (!mine) return;
    const chosen = $("referred").value;
    $("referred").replaceChildren(...mine.referable.map((p) => new Option(p.name, p.id)));
    if (mine.referable.some((p) => p.id === chosen)) $("referred").value = chosen;
    list($("referrals"), mine.referrals, (r) => r.name + ": referred to " + r.label.toLowerCase());
  }

  // Listening, agenda items, skipping, and the wait for a second facilitator.
  function renderPractice() {
    const staffing = state.staffing;
    $("staffing").hidden = !staffing;
    if (staffing) {
      const missing = staffing.needed - staffing.present;
      $("staffing").textContent = "The session waits for "
        + (missing > 1 ? missing + " more facilitators" : staffing.needed === 2 ? "the second facilitator" : "one more facilitator")
        + ": it moves on and gives the floor once " + staffing.needed + " facilitators are present ("
        + staffing.present + (staffing.present === 1 ? " is" : " are") + ").";
    }
    const agenda = state.agenda;
    $("agenda").hidden = !agenda;
    if (agenda) {
      $("agenda-total").textContent = agenda.total === 0 ? "No items proposed yet."
        : agenda.total + (agenda.total === 1 ? " item" : " items") + " proposed so far.";
      list($("agenda-items"), agenda.items, (i) => i.name + ": " + i.count + (i.count === 1 ? " item" : " items"));
    }
    $("listening-wrap").hidden = state.listening.length === 0;
    $("listening").textContent = state.listening.map((p) => p.name).join(", ");
    const targets = state.facilitation ? state.facilitation.skip_to : [];
    $("skipping").hidden = targets.length === 0 || !state.buttons.includes("skip_to");
    const chosen = $("skip-phase").value;
    $("skip-phase").replaceChildren(...targets.map((p) => new Option(p.name, p.id)));
    if (targets.some((p) => p.id === chosen)) $("skip-phase").value = chosen;
  }

  // The propose form asks for a value of the kind of the setting chosen (none where it may be).
  function syncProposing() {
    const option = $("amend-setting").selectedOptions[0];
    const kind = option ? option.dataset.kind : "seconds";
    const nullable = option !== undefined && option.dataset.nullable === "true";
    document.querySelectorAll(".amend-value").forEach((part) => {
      part.hidden = part.dataset.kind !== kind;
      part.querySelectorAll("input, select").forEach((input) => {
        input.disabled = nullable && $("amend-none").checked;
      });
    });
    $("amend-none-wrap").hidden = !nullable;
    const seconds = $("amend-seconds").value;
    $("amend-clock").textContent = seconds !== "" && Number(seconds) > 0 ? "(" + clock(Number(seconds)) + ")" : "";
  }

  const STATUS = { open: "open: the group decides", accepted: "accepted", rejected: "not accepted", withdrawn: "withdrawn" };

  // The group's decision rule, the proposals to amend the agreement, and their counts
  // (never who agreed). A facilitator records the count of an open one, or withdraws it.
  function renderAgreement(shown) {
    const amendments = state.amendments;
    $("consent-prompt").hidden = !shown.has("consent");
    $("consent-version").textContent = "v" + state.agreement.version;
    $("decision-label").textContent = amendments.decision.label;
    $("decision-needs").textContent = amendments.decision.needs;
    const typed = {};  // what a facilitator typed survives the redraw
    $("proposals").querySelectorAll("input").forEach((input) => { typed[input.id] = input.value; });
    const focused = $("proposals").contains(document.activeElement) ? document.activeElement.id : null;
    $("proposals-part").hidden = amendments.proposals.length === 0;
    $("proposals").replaceChildren(...amendments.proposals.map((p) => {
      const item = document.createElement("li");
      item.dataset.proposal = String(p.number);
      item.dataset.status = p.status;
      const counts = p.counts ? " (" + p.counts.agree + " agreed, " + p.counts.disagree + " disagreed, "
        + p.counts.stand_aside + " stood aside)" : "";
      const text = document.createElement("span");
      text.textContent = "Proposal " + p.number + (p.name ? " by " + p.name : "") + ": " + p.text
        + " — " + STATUS[p.status] + counts;
      item.append(text);
      if (p.status !== "open" || !(shown.has("decide_amendment") || shown.has("withdraw_amendment"))) return item;
      const count = document.createElement("div");
      count.className = "count";
      if (shown.has("decide_amendment")) {
        [["agree", "Agree", amendments.taking_part], ["disagree", "Disagree", 0], ["stand_aside", "Stand aside", 0]]
          .forEach(([name, label, first]) => {
            const input = document.createElement("input");
            input.type = "number";
            input.min = "0";
            input.step = "1";
            input.inputMode = "numeric";
            input.id = "count-" + p.number + "-" + name;
            input.value = typed[input.id] !== undefined ? typed[input.id] : String(first);
            const tag = document.createElement("label");
            tag.htmlFor = input.id;
            tag.textContent = label;
            count.append(tag, " ", input, " ");
          });
        count.append(entryButton("Record the decision", "Record the decision on proposal " + p.number,
          "decide_amendment", { proposal: String(p.number), asks: "count" }));
      }
      if (shown.has("withdraw_amendment")) {
        count.append(entryButton("Withdraw", "Withdraw proposal " + p.number, "withdraw_amendment",
          { proposal: String(p.number) }));
      }
      item.append(count);
      return item;
    }));
    if (focused && $(focused)) $(focused).focus();
    $("proposing").hidden = !shown.has("propose_amendment");
    syncProposing();
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
    $("floor").textContent = state.status === "paused"
      ? (state.pause ? "Paused: " + state.pause.label.toLowerCase() + "." : "Paused for a safety break.")
      : state.status === "ended" ? "The meeting has ended."
      : holder ? (holder.id === state.me.id ? "You are sharing." : holder.name + " is sharing.")
      : "Nobody holds the floor.";
    $("next").textContent = state.next
      ? (state.next.id === state.me.id ? "It is your turn." : "Next: " + state.next.name + ".") : "";
    list($("waiting"), state.waiting);
    list($("present"), state.present, (p) => p.name + " (" + p.role + ")" + (p.passed ? ", passed" : "")
      + (p.listening ? ", listening" : ""));
    $("agreement-version").textContent = "v" + state.agreement.version;
    list($("guidelines"), state.agreement.guidelines.map((line, i) => ({ id: String(i), name: line })));
    const shown = new Set(state.buttons);
    document.querySelectorAll("#buttons button, #facilitation button, #proposing button").forEach((button) => {
      button.hidden = !shown.has(button.dataset.action);
    });
    renderQueue(shown);
    renderAgreement(shown);
    const facilitates = state.me.role === "facilitator" || state.me.role === "co-facilitator";
    $("facilitation").hidden = !facilitates || state.status === "ended";
    $("feedback-link").hidden = state.status !== "ended";
    const target = $("target");
    const chosen = target.value;
    target.replaceChildren(...state.present.map((p) => new Option(p.name, p.id)));
    if (state.present.some((p) => p.id === chosen)) target.value = chosen;
    else if (state.next) target.value = state.next.id;
    renderReferrals();
    renderPractice();
    tick();
  }

  // The meeting's time: left until its scheduled end (it runs on while paused), left of
  // the phase (stopped while paused), and how far behind the phases to come are.
  function tickSchedule() {
    const time = state.time;
    $("schedule").hidden = !time || state.status === "ended";
    if (!time) return;
    const left = time.left - since(state.status !== "ended");
    $("meeting-left").textContent = left >= 0 ? clock(left) : "over by " + clock(-left);
    $("phase-time").hidden = time.phase_left === null;
    if (time.phase_left !== null) {
      const phaseLeft = time.phase_left - since(state.status === "open");
      $("phase-left").textContent = phaseLeft >= 0 ? clock(phaseLeft) : "over by " + clock(-phaseLeft);
    }
    $("closing").hidden = !time.closing || time.overran;
    $("overran").hidden = !time.overran;
    const behind = state.facilitation ? state.facilitation.behind : null;
    $("behind-wrap").hidden = !behind;
    $("behind").textContent = behind ? clock(behind) : "";
  }

  function tick() {
    tickSchedule();
    const share = state.share;
    $("timer").hidden = !share;
    if (!share) return;
    $("elapsed").textContent = clock(share.elapsed + since(state.status === "open"));
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

  // Every button, those of the queue included: its action, with what it names.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      say("Not connected yet; try again in a moment.");
      return;
    }
    const data = button.dataset;
    requestId += 1;
    const request = { id: requestId, action: data.action, target: data.target || $("target").value || null };
    if (data.position !== undefined) request.position = Number(data.position);
    if (data.outcome !== undefined) request.outcome = data.outcome;
    if (data.asks === "phase") request.phase = $("skip-phase").value || null;
    if (data.asks === "reason") request.reason = $("reason").value || null;  // "": no reason
    if (data.proposal !== undefined) request.proposal = Number(data.proposal);
    if (data.asks === "count") {  // "" is no number: the server says what is missing
      for (const name of ["agree", "disagree", "stand_aside"]) {
        const typed = $("count-" + data.proposal + "-" + name).value;
        request[name] = typed === "" ? null : Number(typed);
      }
    }
    if (data.asks === "amendment") {
      const option = $("amend-setting").selectedOptions[0];
      const kind = option.dataset.kind, nullable = option.dataset.nullable === "true";
      const typed = $("amend-" + kind).value;
      request.setting = option.value;
      if (nullable && $("amend-none").checked) request.value = null;
      else if (kind === "flag") request.value = typed === "true";
      else if (kind === "decision") request.value = typed;
      else if (typed === "") {
        say("Enter the new value" + (nullable ? ", or choose none." : "."));
        return;
      } else request.value = Number(typed);
    }
    if (data.asks === "referral") {
      request.target = $("referred").value || null;
      request.to = $("referral-kind").value;
    }
    socket.send(JSON.stringify(request));
  });

  $("amend-setting").addEventListener("change", syncProposing);
  $("amend-none").addEventListener("change", syncProposing);
  $("amend-seconds").addEventListener("input", syncProposing);
  render();
  setInterval(tick, 250);
  connect();
})();
