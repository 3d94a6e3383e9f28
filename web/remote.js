// The stemplay remote: live state over a WebSocket (reconnecting by itself), actions as JSON
// requests to /action. Everything shown is written with textContent: song and track names come
// from files and are never parsed as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
let retryMs = 250;
let socket;

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function say(text, problem) {
  const box = $("message");
  box.textContent = text;
  box.classList.toggle("problem", !!problem);
  box.classList.add("shown");
  clearTimeout(say.timer);
  say.timer = setTimeout(() => box.classList.remove("shown"), problem ? 6000 : 2500);
}

async function act(action) {
  try {
    const response = await fetch("/action", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(action),
      credentials: "same-origin",
    });
    if (response.status === 401) return location.reload();
    const result = await response.json();
    say(result.ok ? result.message : result.error, !result.ok);
  } catch {
    say("Not sent: no connection to stemplay", true);
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (button) act(JSON.parse(button.dataset.action));
});

/** Replaces the children of `box` by buttons, only when their labels changed. */
function buttons(box, items) {
  const key = JSON.stringify(items.map((item) => [item.label, item.action]));
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.replaceChildren(...items.map((item) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = item.label;
      button.dataset.action = JSON.stringify(item.action);
      return button;
    }));
  }
  items.forEach((item, i) => {
    const button = box.children[i];
    for (const [name, on] of Object.entries(item.classes)) button.classList.toggle(name, on);
    if (item.pressed !== undefined) button.setAttribute("aria-pressed", String(item.pressed));
  });
}

function render(s) {
  const state = $("state");
  state.textContent = s.state === "error" ? "DEVICE LOST" : s.state.toUpperCase();
  state.dataset.state = s.state;
  const ok = s.health.problems.length === 0;
  const health = $("health");
  health.textContent = ok ? "Audio OK" : s.health.problems.join(" · ");
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
  $("count-in").textContent = s.countIn > 0 ? `Count-in: ${s.countIn}` : "Count-in: off";
  $("count-in").setAttribute("aria-pressed", String(s.countIn > 0));

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

  const list = $("setlist");
  const songs = s.setlist ? s.setlist.songs : [{ number: 1, title: s.song.title }];
  $("setlist-title").textContent = s.setlist ? s.setlist.title || "Setlist" : "Song";
  const current = s.setlist ? s.setlist.current : 1;
  const key = JSON.stringify([songs, current]);
  if (list.dataset.key !== key) {
    list.dataset.key = key;
    list.replaceChildren(...songs.map((song) => {
      const item = document.createElement("li");
      item.textContent = song.title;
      if (song.number === current) item.className = "current";
      if (song.number === current + 1) item.className = "next";
      return item;
    }));
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
