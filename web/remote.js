// The stemplay remote: live state over a WebSocket (reconnecting by itself), actions as JSON
// requests to /action. Everything shown is written with textContent: song and track names come
// from files and are never parsed as HTML. The fixed buttons, their labels and what a
// stage-locked phone may still do come from the server (the "session" message): the page keeps
// no vocabulary of its own.
"use strict";

const $ = (id) => document.getElementById(id);
let retryMs = 250;
let socket;
let session = { locked: false, whenLocked: [], buttons: {} };
let lastStatus;

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function db(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-inf dB";
  const rounded = Math.abs(value) < 0.05 ? 0 : value;
  return `${rounded >= 0 ? "+" : ""}${rounded.toFixed(1)} dB`;
}

// The message line sits in the page's flow (in the "now" panel), never over a button.
function say(text, problem) {
  const box = $("message");
  box.textContent = text;
  box.classList.toggle("problem", !!problem);
  box.classList.add("shown");
  clearTimeout(say.timer);
  say.timer = setTimeout(() => box.classList.remove("shown"), problem ? 6000 : 2500);
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  if (response.status === 401 && path === "/action") {
    location.reload();
    return undefined;
  }
  return await response.json();
}

// A destructive action while playing: the first tap arms the button (its label stays) and
// the server says what the second tap will do; it must come 150 ms to 2 s later.
function arm(button, on) {
  document.querySelectorAll("button.confirm").forEach((b) => b.classList.remove("confirm"));
  clearTimeout(arm.timer);
  if (!on || !button) return;
  button.classList.add("confirm");
  arm.timer = setTimeout(() => button.classList.remove("confirm"), 2000);
}

async function act(action, button) {
  try {
    const result = await post("/action", action);
    if (!result) return;
    arm(button, result.ok && result.pending);
    say(result.ok ? result.message : result.error, !result.ok);
  } catch {
    say("Not sent: no connection to stemplay", true);
  }
}

// A song of the setlist always takes a second tap 150 ms to 2 s after the first. While
// playing the server asks for it (as for Next); stopped, the page does, with the same rule.
let songTap;
function songConfirmed(button) {
  if (lastStatus?.state === "playing") return true;
  const now = performance.now();
  // The song, not the element: a status push may redraw the list between the two taps.
  const song = button.dataset.action;
  const same = songTap && songTap.song === song && now - songTap.at <= 2000;
  if (same && now - songTap.at < 150) return false; // a bounce
  if (same) {
    songTap = undefined;
    return true;
  }
  songTap = { song, at: now };
  arm(button, true);
  say(`tap again to go to ${button.textContent}`);
  return false;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (button && (!button.closest("#setlist") || songConfirmed(button))) {
    act(JSON.parse(button.dataset.action), button);
  }
  if (event.target.closest("button[data-lock]")) lock();
});

async function lock() {
  try {
    const result = await post("/lock", {});
    if (result.ok) applySession({ ...session, locked: true });
    say(result.ok ? "Stage lock on: Play, Pause, jumps, Vamp and Exit loop only" : result.error);
  } catch {
    say("Not sent: no connection to stemplay", true);
  }
}

$("unlock").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("unlock-pin");
  try {
    const result = await post("/unlock", { pin: input.value });
    input.value = "";
    if (result.ok) applySession({ ...session, locked: false });
    say(result.ok ? "Unlocked" : result.error, !result.ok);
  } catch {
    say("Not sent: no connection to stemplay", true);
  }
});

/** Whether a locked phone may send `action` (the server refuses the rest anyway). */
function allowed(action) {
  if (!session.locked) return true;
  if (action.type === "jump") return action.at === undefined || action.at === "bar";
  return session.whenLocked.includes(action.type);
}

function applyLock() {
  document.body.classList.toggle("locked", session.locked);
  for (const button of document.querySelectorAll("button[data-action]")) {
    button.disabled = !allowed(JSON.parse(button.dataset.action));
  }
  $("lock").hidden = session.locked;
  $("unlock").hidden = !session.locked;
}

function applySession(next) {
  session = next;
  const fixed = (box, items) =>
    buttons(
      box,
      (items ?? []).map((item) => ({ ...item, classes: {}, fixed: true })),
    );
  fixed($("transport"), session.buttons.transport);
  fixed($("show-buttons"), session.buttons.show);
  fixed($("level-buttons"), session.buttons.levels);
  fixed($("key-tempo-buttons"), session.buttons.keyTempo);
  if (lastStatus) render(lastStatus);
  applyLock();
}

/** Replaces the children of `box` by buttons, only when their labels changed. */
function buttons(box, items) {
  const key = JSON.stringify(items.map((item) => [item.label, item.action, item.icon]));
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.replaceChildren(...items.map((item) => {
      const button = document.createElement("button");
      button.type = "button";
      if (item.icon) {
        const icon = document.createElement("span");
        icon.setAttribute("aria-hidden", "true");
        icon.textContent = item.icon;
        button.append(icon, " ");
      }
      button.append(item.label);
      button.dataset.action = JSON.stringify(item.action);
      if (item.id) {
        button.id = item.id;
        button.classList.add(item.id);
      }
      return button;
    }));
    applyLock();
  }
  items.forEach((item, i) => {
    const button = box.children[i];
    for (const [name, on] of Object.entries(item.classes)) button.classList.toggle(name, on);
    if (item.pressed !== undefined) button.setAttribute("aria-pressed", String(item.pressed));
  });
}

function levels(s) {
  $("master-gain").textContent = `Master ${db(s.master.gainDb)}`;
  $("key-tempo").textContent = s.keyTempo || "As recorded";
  const peaks = s.outputPeaks ?? [];
  const meters = $("meters");
  if (meters.children.length !== peaks.length) {
    meters.replaceChildren(...peaks.map((_, i) => {
      const row = document.createElement("div");
      row.className = "meter";
      const label = document.createElement("span");
      label.textContent = `Out ${i + 1}`;
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.append(document.createElement("div"));
      row.append(label, bar);
      return row;
    }));
  }
  peaks.forEach((peak, i) => {
    const level = peak > 0 ? Math.max(0, 1 + 20 * Math.log10(peak) / 60) : 0; // -60..0 dBFS
    const fill = meters.children[i].querySelector(".bar > div");
    fill.style.width = `${Math.min(100, level * 100).toFixed(1)}%`;
    fill.classList.toggle("hot", peak >= 0.89); // -1 dBFS
  });
  $("bus-gains").textContent = s.buses.map((bus) => `${bus.name} ${db(bus.gainDb)}`).join(
    "   ·   ",
  );
}

function render(s) {
  lastStatus = s;
  const state = $("state");
  state.textContent = s.state === "error" ? "DEVICE LOST" : s.state.toUpperCase();
  state.dataset.state = s.state;
  const problems = [...s.health.problems];
  if (s.health.clipped > 0) problems.push(`Clipped: ${s.health.clipped} samples`);
  // Two rigs (docs/two-rigs.md): a take-over, a missing song or a lost feed is a problem.
  const sync = s.health.sync;
  if (sync && ["takenOver", "missing", "lost"].includes(sync.state)) {
    problems.push(`Sync ${sync.state}${sync.problem ? `: ${sync.problem}` : ""}`);
  }
  const ok = problems.length === 0;
  const health = $("health");
  const syncLine = sync && sync.role === "follower"
    ? ` · sync ${sync.state} ${sync.offsetMs.toFixed(1)} ms`
    : "";
  health.textContent = ok ? `Audio OK${syncLine}` : problems.join(" · ");
  health.classList.toggle("problem", !ok);
  $("song-number").textContent = s.song.number ? `Song ${s.song.number} of ${s.song.of}` : "";
  $("song").textContent = s.song.title || "(untitled)";
  $("marker").textContent = s.position < 0 ? "Count-in" : s.marker ? s.marker.name : "–";
  $("remaining").textContent = `−${clock(s.remaining)}`;
  const next = s.nextMarker;
  $("next-section").textContent = next
    ? (s.barsToNextSection !== undefined
      ? `${next.name} in ${s.barsToNextSection} bar${s.barsToNextSection === 1 ? "" : "s"}`
      : `Next: ${next.name}`)
    : "Last section";
  const flags = [];
  if (s.barBeat) flags.push(`Bar ${s.barBeat}`);
  if (s.loop) flags.push(s.loop.leaving ? "Leaving loop" : "Vamping");
  if (s.scheduledJump) flags.push(`Jump to ${s.scheduledJump.marker?.name ?? "?"} armed`);
  $("flags").textContent = flags.join("   ·   ");
  const notice = $("notice");
  notice.hidden = !s.notice;
  notice.textContent = s.notice ?? "";
  const countIn = $("count-in");
  if (countIn) {
    countIn.textContent = s.countIn > 0 ? `Count-in: ${s.countIn}` : "Count-in: off";
    countIn.setAttribute("aria-pressed", String(s.countIn > 0));
  }
  const midiClock = $("midi-clock");
  if (midiClock) {
    midiClock.hidden = !s.midiOut;
    midiClock.textContent = `MIDI clock: ${s.midiOut?.clock ? "on" : "off"}`;
    midiClock.setAttribute("aria-pressed", String(!!s.midiOut?.clock));
    midiClock.title = s.midiOut
      ? `${s.midiOut.port}${s.midiOut.lastSent ? `, last: ${s.midiOut.lastSent}` : ""}`
      : "";
  }
  const spokenCues = $("spoken-cues");
  if (spokenCues && s.spokenCues) {
    const cues = s.spokenCues;
    spokenCues.textContent = `Spoken cues: ${cues.available ? (cues.on ? "on" : "off") : "none"}`;
    spokenCues.setAttribute("aria-pressed", String(cues.on));
    spokenCues.title = cues.reason ?? "";
  }
  const cancel = $("cancel-jump");
  if (cancel) cancel.classList.toggle("armed", !!s.scheduledJump);

  const jumpTarget = s.scheduledJump?.marker?.number;
  buttons(
    $("section-buttons"),
    s.markers.map((m) => ({
      label: m.name,
      action: { type: "jump", marker: m.number, at: "bar" },
      classes: { current: s.marker?.number === m.number, armed: jumpTarget === m.number },
    })),
  );
  buttons(
    $("track-buttons"),
    s.tracks.map((t) => ({
      label: t.name,
      action: { type: "mute", track: t.number, on: !t.muted },
      classes: { muted: t.muted },
      pressed: t.muted,
    })),
  );
  levels(s);

  // The setlist: tap a song to go to it (while playing, a second tap confirms).
  const list = $("setlist");
  const songs = s.setlist ? s.setlist.songs : [{ number: 1, title: s.song.title }];
  $("setlist-title").textContent = s.setlist ? s.setlist.title || "Setlist" : "Song";
  const current = s.setlist ? s.setlist.current : 1;
  const key = JSON.stringify([songs, current, !!s.setlist]);
  if (list.dataset.key !== key) {
    list.dataset.key = key;
    list.replaceChildren(...songs.map((song) => {
      const item = document.createElement("li");
      if (s.setlist) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = song.title;
        button.dataset.action = JSON.stringify({ type: "goto", song: song.number });
        item.append(button);
      } else {
        item.textContent = song.title;
      }
      if (song.number === current) item.className = "current";
      if (song.number === current + 1) item.className = "next";
      return item;
    }));
    applyLock();
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  let opened = false;
  socket.onopen = () => {
    opened = true;
    retryMs = 250;
    $("connection").hidden = true;
    document.body.classList.remove("offline");
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "session") applySession(message);
    if (message.type === "status") render(message.status);
  };
  socket.onclose = async () => {
    $("connection").hidden = false;
    document.body.classList.add("offline");
    if (!opened) {
      // Refused: the session may be gone (stemplay restarted): back to the PIN page.
      try {
        const check = await fetch("/session", { credentials: "same-origin" });
        if (check.status === 401) return location.reload();
      } catch {
        // no network: keep trying
      }
    }
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 2000);
  };
}

connect();
