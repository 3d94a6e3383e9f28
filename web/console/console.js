// The stemplay console: library, song editor, setlist editor, rig. Preact with htm, and
// wavesurfer.js for the lanes, all served by the console itself (no CDN, no build step).
import {
  html,
  render,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "/vendor/preact-htm.js";
import WaveSurfer from "/vendor/wavesurfer.js";
import RegionsPlugin from "/vendor/regions.js";
import { createTapper } from "/tap_tempo.js";
import { describeWindow, scrollBy, wholeSong, windowQuery, zoomIn, zoomOut } from "/zoom.js";

const PEAK_POINTS = 4000;
const POLL_MS = 2000;
/** The marker lane draws no audio: one silent point. */
const MARKER_PEAKS = [[0, 0]];

async function api(path, body) {
  const response = await fetch(
    path,
    body === undefined ? {} : {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    },
  );
  if (response.status === 401) location.reload(); // the session ended: the PIN page
  const data = await response.json().catch(() => ({}));
  return { status: response.status, ...data };
}

function formatTime(seconds) {
  const m = Math.floor(seconds / 60), s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, "0")}`;
}

/** The song's first tempo as a grid: seconds per beat and per bar, and the first downbeat. */
function gridOf(value) {
  const first = Array.isArray(value?.tempoMap) ? value.tempoMap[0] : value;
  const bpm = Number(first?.tempo);
  if (!(bpm > 0)) return undefined;
  const [beats = 4, unit = 4] = Array.isArray(first?.timeSignature) ? first.timeSignature : [];
  const beat = 60 / bpm;
  return { beat, bar: beat * beats, beats, unit, firstBeat: Number(value.firstBeat) || 0 };
}

function snapTime(t, grid, mode) {
  if (!grid || mode === "off") return Math.max(0, t);
  const step = mode === "beat" ? grid.beat : grid.bar;
  let snapped = grid.firstBeat + Math.round((t - grid.firstBeat) / step) * step;
  if (snapped < 0) snapped += step;
  return Math.round(snapped * 1e6) / 1e6;
}

function barBeat(t, grid) {
  if (!grid) return "";
  const beats = Math.round((t - grid.firstBeat) / grid.beat * 100) / 100;
  const bar = Math.floor(beats / grid.beats) + 1;
  const beat = Math.round((beats - (bar - 1) * grid.beats + 1) * 100) / 100;
  return `${bar}.${beat}`;
}

/** A marker's seconds: `at`, or for one written in bars and beats ("3.3") the seconds the
 * server found on the saved tempo map (`barBeats`); undefined when there are none. */
function secondsOf(at, barBeats) {
  if (typeof at === "number") return at;
  const found = typeof at === "string" && barBeats && Object.hasOwn(barBeats, at)
    ? barBeats[at]
    : undefined;
  return typeof found === "number" ? found : undefined;
}

/** Puts the markers in time order after marker `index` was moved or added (its `at` in
 * seconds); those in bars and beats by their seconds. While one has none (no tempo to place it:
 * the save is refused anyway) only the moved one finds its place among the others. */
function placeInOrder(markers, index, barBeats) {
  const seconds = (marker) => secondsOf(marker.at, barBeats);
  if (markers.every((marker) => seconds(marker) !== undefined)) {
    markers.sort((a, b) => seconds(a) - seconds(b)); // stable: equal times keep their order
    return;
  }
  const [marker] = markers.splice(index, 1);
  const later = markers.findIndex((other) => seconds(other) > marker.at);
  markers.splice(later === -1 ? markers.length : later, 0, marker);
}

function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

function FieldError({ errors, keyPath }) {
  const message = errors[keyPath];
  return message
    ? html`<span class="field-error" id=${`error-${keyPath}`} role="alert">${message}</span>`
    : null;
}

function Notice({ text }) {
  return html`<p class="notice" role="status" aria-live="polite">${text}</p>`;
}

/** Why the song cannot be edited now (console_playing.ts says the same to a save). */
function lockText(playing) {
  return playing === "show"
    ? "this song is playing in the show: it is read-only until it stops, so nothing heard changes " +
      "mid-show."
    : "this song is playing in your audition: press Stop audition to edit it.";
}

function PlayingLock({ playing }) {
  const text = playing ? lockText(playing) : "";
  return playing
    ? html`<p class="playing-lock" role="status">${text[0].toUpperCase() + text.slice(1)}</p>`
    : null;
}

// ---- library ---------------------------------------------------------------------------

function Library({ go }) {
  const [library, setLibrary] = useState();
  useEffect(() => {
    api("/api/library").then(setLibrary);
  }, []);
  if (!library) return html`<p class="loading">Reading the library…</p>`;
  return html`
    <section aria-labelledby="songs-title">
      <h2 id="songs-title">Songs</h2>
      <table class="songs">
        <thead>
          <tr>
            <th>Title</th>
            <th>Length</th>
            <th>Stems</th>
            <th>Tempo</th>
            <th>Markers</th>
            <th>Problems</th>
            <th><span class="visually-hidden">Open</span></th>
          </tr>
        </thead>
        <tbody>
          ${library.songs.map((song) =>
            html`
              <tr class=${song.problems.length ? "has-problems" : ""}>
                <td>${song.title}</td>
                <td>${formatTime(song.seconds)}</td>
                <td>${song.stems}</td>
                <td>${song.tempo
                  ? `${song.tempo.bpm} (${song.tempo.timeSignature.join("/")})`
                  : "—"}</td>
                <td>${song.markers.map((m) => m.name).join(", ") || "—"}</td>
                <td>${song.problems.length
                  ? html`<ul class="problems">${song.problems.map((p) => html`<li>${p}</li>`)}</ul>`
                  : "none"}</td>
                <td><button class="open-song" aria-label=${`Open ${song.title}`}
                  onClick=${() => go(`#/song/${encodeURIComponent(song.id)}`)}>Open</button></td>
              </tr>
            `
          )}
        </tbody>
      </table>
    </section>
    <section aria-labelledby="setlists-title">
      <h2 id="setlists-title">Setlists</h2>
      <ul class="setlists">
        ${library.setlists.map((setlist) =>
          html`
            <li>
              <button class="open-setlist" aria-label=${`Edit setlist ${setlist.title}`}
                onClick=${() => go(`#/setlist/${encodeURIComponent(setlist.id)}`)}>
                ${setlist.title}</button>
              <span class="count">${setlist.songs.length} songs</span>
              ${setlist.problems.map((p) => html`<span class="problem">${p}</span>`)}
            </li>
          `
        )}
      </ul>
    </section>
  `;
}

// ---- an edited JSON file: undo, save, stale, changed on disk ----------------------------

function useEditedFile(kind, id) {
  const [doc, setDoc] = useState(); // { version, value }
  const [errors, setErrors] = useState({});
  const [notice, setNotice] = useState("");
  const undo = useRef([]);
  const saving = useRef(false);
  const load = useCallback(async (why) => {
    const data = await api(`/api/${kind}?id=${encodeURIComponent(id)}`);
    if (data.status !== 200) return setNotice(data.error ?? "cannot read it");
    setDoc({
      version: data.version,
      value: data.value,
      barBeats: data.barBeats,
      playing: data.playing,
    });
    setErrors({});
    if (why) setNotice(why);
    else if (data.draft) {
      setNotice(
        "No song.json yet: the names and buses are guesses from the files. Your first " +
          "edit writes song.json.",
      );
    }
  }, [kind, id]);
  useEffect(() => {
    undo.current = [];
    load();
  }, [load]);
  // A file changed on disk (or by another browser) while open is noticed.
  useEffect(() => {
    const timer = setInterval(async () => {
      if (saving.current || !doc) return;
      const data = await api(`/api/${kind}?id=${encodeURIComponent(id)}`);
      if (data.status !== 200 || saving.current) return;
      if (data.version !== doc.version) {
        setDoc({
          version: data.version,
          value: data.value,
          barBeats: data.barBeats,
          playing: data.playing,
        });
        setErrors({});
        setNotice("The file changed on disk: reloaded.");
      } else if ((data.playing ?? null) !== (doc.playing ?? null)) {
        setDoc({ ...doc, playing: data.playing }); // the song started or stopped playing
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [doc, kind, id]);
  const save = useCallback(async (value, { isUndo = false } = {}) => {
    if (!doc) return;
    saving.current = true;
    try {
      const data = await api(`/api/${kind}`, { id, value, ifVersion: doc.version ?? "" });
      if (data.status === 200) {
        if (!isUndo) undo.current.push(doc.value);
        setDoc({ ...doc, version: data.version, value, barBeats: data.barBeats });
        setErrors({});
        setNotice("Saved.");
        return true;
      } else if (data.status === 409) {
        await load("Someone else changed this file: nothing was written, and it was reloaded.");
      } else if (data.status === 423) {
        if (isUndo) undo.current.push(value); // refused while playing: the step stays to undo later
        await load(`Not saved: ${data.error}.`); // the fields show what is saved, locked
      } else if (data.problems) {
        const byKey = {};
        for (const p of data.problems) byKey[p.keyPath] ??= p.message;
        setErrors(byKey);
        setDoc({ ...doc, value: doc.value }); // the fields show what is saved
        setNotice(`Not saved: ${data.problems.length} problem(s).`);
      } else {
        setNotice(`Not saved: ${data.error}`);
      }
    } finally {
      saving.current = false;
    }
  }, [doc, kind, id, load]);
  const undoLast = useCallback(() => {
    // Locked (Ctrl+Z reaches here with the Undo button disabled): the step is kept for later.
    if (doc?.playing) return setNotice(`Not undone: ${lockText(doc.playing)}`);
    const previous = undo.current.pop();
    if (previous) save(previous, { isUndo: true });
  }, [doc, save]);
  // After an audition starts or stops: whether the song is locked, without waiting for the poll.
  const refreshLock = useCallback(async () => {
    const data = await api(`/api/${kind}?id=${encodeURIComponent(id)}`);
    if (data.status !== 200) return;
    setDoc((d) => d && d.version === data.version ? { ...d, playing: data.playing } : d);
  }, [kind, id]);
  return { doc, errors, notice, setNotice, save, undoLast, refreshLock };
}

// ---- song editor --------------------------------------------------------------------------

/** One waveform lane (wavesurfer with the native peaks; no audio is loaded in the page). */
function Lane(
  { label, peaks, duration, offset = 0, onDrawn, markers, grid, snap, onMove, locked, bars },
) {
  const box = useRef();
  const surfer = useRef();
  const [ready, setReady] = useState(0);
  useEffect(() => {
    const regions = markers ? RegionsPlugin.create() : undefined;
    const ws = WaveSurfer.create({
      container: box.current,
      height: markers ? 44 : 56,
      waveColor: markers ? "transparent" : "#4fb3a9",
      progressColor: markers ? "transparent" : "#4fb3a9",
      cursorWidth: 0,
      interact: false,
      hideScrollbar: true,
      autoScroll: false,
      // Zoomed to single samples: one bar per sample (`bars` px wide), each its own step.
      ...(bars ? { barWidth: bars, barGap: 2 } : {}),
      peaks,
      duration,
      plugins: regions ? [regions] : [],
    });
    surfer.current = { ws, regions };
    ws.on("ready", () => setReady((n) => n + 1));
    ws.on("redrawcomplete", () => onDrawn?.(peaks));
    return () => ws.destroy();
  }, [peaks, duration]);
  useEffect(() => {
    const { regions } = surfer.current ?? {};
    if (!regions) return;
    regions.clearRegions();
    markers.forEach((marker, index) => {
      // The lane shows [offset, offset + duration): flags outside the window are not drawn,
      // nor one in bars and beats the tempo does not place.
      if (!(marker.at >= offset && marker.at <= offset + duration)) return;
      const label = document.createElement("span");
      label.textContent = marker.name;
      label.style.cssText = "white-space: nowrap; padding: 0 0.3em; font-size: 0.85rem";
      const region = regions.addRegion({
        start: marker.at - offset,
        content: label,
        color: "#f5a623",
        drag: !locked,
        resize: false,
      });
      region.element.setAttribute("data-marker", String(index));
      region.on("update-end", () => onMove(index, snapTime(offset + region.start, grid, snap)));
    });
  }, [markers, grid, snap, peaks, ready, locked, offset]);
  // data-ready: its waveform loaded (the flags are put back once then), for the browser tests.
  return html`
    <div class="lane" role="img" aria-label=${label} ref=${box}
      data-ready=${ready > 0 ? "true" : "false"}></div>
  `;
}

/** The index of a stem's entry in song.json's tracks (matched by file, as both a listing and an
 * `"include": "folder"` manifest name them); -1 when it has none yet. */
function entryIndex(value, file) {
  const plain = (f) => String(f ?? "").replace(/^\.\//, "");
  return (value.tracks ?? []).findIndex((entry) => plain(entry?.file) === plain(file));
}

/** A stem's entry for editing, made (as `{ file }`) when the manifest has none yet. */
function entryFor(v, file) {
  v.tracks ??= [];
  let index = entryIndex(v, file);
  if (index < 0) index = v.tracks.push({ file }) - 1;
  return v.tracks[index];
}

function TrackRow({ value, file, name, errors, edit, soloed, onSolo, locked }) {
  const index = entryIndex(value, file);
  const track = index < 0 ? {} : value.tracks[index];
  const position = index < 0 ? (value.tracks ?? []).length : index;
  const key = (field) => `tracks[${position + 1}].${field}`;
  const field = (field, label, parse) =>
    html`
      <label class="field">
        <span>${label}</span>
        <input name=${key(field)} value=${track[field] ?? ""} inputmode="decimal"
          disabled=${locked} aria-label=${`${label} of ${name}`}
          aria-invalid=${errors[key(field)] ? "true" : "false"}
          aria-describedby=${`error-${key(field)}`}
          onChange=${(e) =>
            edit((v) => {
              const text = e.target.value.trim();
              const entry = entryFor(v, file);
              if (text === "") delete entry[field];
              else entry[field] = parse(text);
            })}/>
        <${FieldError} errors=${errors} keyPath=${key(field)}/>
      </label>
    `;
  const number = (text) => Number.isFinite(Number(text)) ? Number(text) : text;
  return html`
    <div class="track-controls">
      <strong class="track-name">${name}</strong>
      ${field("gainDb", "Gain dB", number)}
      ${field("pan", "Pan", number)}
      ${field("bus", "Bus", (t) => t)}
      <label class="field check">
        <input type="checkbox" name=${key("muted")} checked=${track.muted === true}
          disabled=${locked}
          aria-label=${`Mute ${name}`}
          onChange=${(e) =>
            edit((v) => {
              entryFor(v, file).muted = e.target.checked;
            })}/>
        <span>Mute</span>
      </label>
      <label class="field check">
        <input type="checkbox" name=${key("pitched")} checked=${track.pitched !== false}
          disabled=${locked}
          aria-label=${`${name} is pitched (follows a transpose)`}
          onChange=${(e) =>
            edit((v) => {
              entryFor(v, file).pitched = e.target.checked;
            })}/>
        <span>Pitched</span>
      </label>
      <button class="solo" aria-pressed=${soloed ? "true" : "false"}
        aria-label=${`Solo ${name} (audition)`} onClick=${onSolo}>Solo</button>
      <${FieldError} errors=${errors} keyPath=${key("pitched")}/>
      <${FieldError} errors=${errors} keyPath=${`tracks[${position + 1}]`}/>
    </div>
  `;
}

function SongEditor({ id }) {
  const { doc, errors, notice, setNotice, save, undoLast, refreshLock } = useEditedFile(
    "song",
    id,
  );
  const [peaks, setPeaks] = useState();
  // The window the lanes show (undefined: the whole song) and the peaks drawn for it.
  const [view, setView] = useState();
  const [shown, setShown] = useState();
  const drawnLanes = useRef(new Set());
  const [drawn, setDrawn] = useState(false);
  const [snap, setSnap] = useState("bar");
  const [cursor, setCursor] = useState(0);
  // Tap tempo: shown in the tempo field, saved only by "Save tempo".
  const tapper = useRef(createTapper());
  const [tapped, setTapped] = useState();
  const tap = useCallback(() => {
    const found = tapper.current.tap(performance.now());
    setTapped(found);
    setNotice(
      found
        ? `Tapped ${found.bpm} bpm (${found.taps} taps): Save tempo keeps it.`
        : "Tap again, on each beat…",
    );
  }, []);
  // The console's audition: the section looping and the stem soloed, as the player says.
  const [audition, setAudition] = useState({});
  const auditionCall = useCallback(async (path, body, done) => {
    const data = await api(path, { id, at: cursor, ...body });
    refreshLock();
    if (!data.ok) return setNotice(`Not played: ${data.error}`);
    setAudition((before) => ({
      loop: data.loop,
      solo: data.solo,
      section: data.loop ? body.section ?? before.section : undefined,
    }));
    setNotice(done(data));
  }, [id, cursor, refreshLock]);
  useEffect(() => {
    const started = performance.now();
    api(`/api/peaks?id=${encodeURIComponent(id)}&points=${PEAK_POINTS}`).then((data) => {
      if (data.status !== 200) return setNotice(data.error ?? "no waveforms");
      setPeaks(data);
      requestAnimationFrame(() => {
        document.body.dataset.lanesMs = String(Math.round(performance.now() - started));
      });
    });
  }, [id]);
  const total = peaks?.frames ?? 0;
  useEffect(() => {
    if (!peaks) return;
    const target = view ?? wholeSong(total);
    drawnLanes.current = new Set();
    setDrawn(false);
    if (target.frames >= total) return setShown({ view: wholeSong(total), peaks });
    // Zoomed: that window read from the files, up to one point per frame.
    const pixels = document.querySelector(".lane")?.clientWidth || 1200;
    const query = windowQuery(target, peaks.sampleRate, pixels);
    let current = true;
    api(`/api/peaks?id=${encodeURIComponent(id)}&${query}`).then((data) => {
      if (!current) return;
      if (data.status !== 200) return setNotice(data.error ?? "no waveforms");
      setShown({ view: target, peaks: data, pixels });
    });
    return () => (current = false);
  }, [peaks, view]);
  const zoom = useCallback((how) => {
    if (total > 0) setView((v) => how(v ?? wholeSong(total), total));
  }, [total]);
  /** A lane finished drawing `lanePeaks`: all of the shown window's lanes mark it drawn. */
  const laneDrawn = useCallback((lanePeaks) => {
    drawnLanes.current.add(lanePeaks);
    if (drawnLanes.current.size >= (peaks?.tracks.length ?? 0)) setDrawn(true);
  }, [peaks]);
  const lanePeaks = useMemo(() =>
    (shown?.peaks.tracks ?? []).map((track) => {
      // One lane per stem: the channels' min and max interleaved, which wavesurfer draws as bars.
      const n = track.channels[0]?.min.length ?? 0, merged = new Array(n * 2);
      for (let i = 0; i < n; i++) {
        merged[2 * i] = Math.min(...track.channels.map((c) => c.min[i]));
        merged[2 * i + 1] = Math.max(...track.channels.map((c) => c.max[i]));
      }
      return [merged];
    }), [shown]);
  const locked = doc?.playing ?? null;
  const edit = useCallback((change) => {
    if (doc.playing) {
      setNotice(`Not saved: ${lockText(doc.playing)}`);
      return Promise.resolve(false);
    }
    const value = clone(doc.value);
    change(value);
    return save(value);
  }, [doc, save]);
  const value = doc?.value;
  // Kept while the song is the same: a new grid or list would make the marker lane put its
  // flags back, dropping a drag in progress whenever the editor is drawn again (a notice, a tap).
  // A move not saved (refused, or the disk failed) leaves the song as it was: a new list then
  // puts the dragged flag back where the file has it.
  const [unsavedMoves, setUnsavedMoves] = useState(0);
  const grid = useMemo(() => gridOf(value), [value]);
  const markers = useMemo(() => [...(value?.markers ?? [])], [value, unsavedMoves]);
  const barBeats = doc?.barBeats;
  // The flags stand at seconds: a marker in bars and beats where the song's tempo puts it.
  const flags = useMemo(
    () => markers.map((marker) => ({ ...marker, at: secondsOf(marker.at, barBeats) })),
    [markers, barBeats],
  );
  const moveMarker = useCallback(async (index, at) => {
    const saved = await edit((v) => {
      v.markers[index].at = at;
      placeInOrder(v.markers, index, barBeats);
    });
    if (!saved) setUnsavedMoves((n) => n + 1);
  }, [edit, barBeats]);
  // The stem tempo detection listens to: the click if there is one (it is the most exact).
  const [detectFrom, setDetectFrom] = useState("");
  useEffect(() => {
    const tracks = peaks?.tracks ?? [];
    const click = tracks.find((t) => /click|metronome/i.test(`${t.name} ${t.file}`));
    setDetectFrom((click ?? tracks[0])?.file ?? "");
  }, [peaks]);
  const detect = useCallback(async () => {
    setNotice("Detecting the tempo…");
    const found = await api("/api/detect-tempo", { id, file: detectFrom });
    if (!found.ok) return setNotice(`Not detected: ${found.error}`);
    const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;
    const saved = await edit((v) => {
      delete v.tempo;
      delete v.timeSignature;
      delete v.tempoMap;
      v.firstBeat = round(found.firstBeat, 4);
      if (found.tempoMap.length > 1) {
        v.tempoMap = found.tempoMap.map((entry) => ({ ...entry, tempo: round(entry.tempo, 3) }));
      } else {
        v.tempo = round(found.bpm, 3);
        v.timeSignature = found.timeSignature;
      }
    });
    if (!saved) return; // refused: the save said why
    setNotice(
      `Detected ${round(found.bpm, 2)} bpm in ${found.timeSignature.join("/")}, first downbeat ` +
        `${round(found.firstBeat, 3)} s (confidence ${round(found.confidence, 2)}` +
        `${found.confidence < 0.5 ? ": check it by ear" : ""}).`,
    );
  }, [id, detectFrom, edit]);
  const addMarker = useCallback(() => {
    edit((v) => {
      v.markers ??= [];
      v.markers.push({ name: `Marker ${v.markers.length + 1}`, at: snapTime(cursor, grid, snap) });
      placeInOrder(v.markers, v.markers.length - 1, barBeats);
    });
  }, [edit, cursor, grid, snap, barBeats]);
  useEffect(() => {
    const onKey = (event) => {
      if (event.target.tagName === "INPUT" && !(event.ctrlKey || event.metaKey)) return;
      if ((event.ctrlKey || event.metaKey) && event.key === "z") {
        event.preventDefault();
        undoLast();
      } else if (event.key === "m") addMarker();
      else if (event.key === "t") tap();
      else if (event.key === "+" || event.key === "=") zoom(zoomIn);
      else if (event.key === "-") zoom(zoomOut);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [undoLast, addMarker, tap, zoom]);
  // A song that cannot be read says why (a 404, a song.json that is not JSON).
  if (!doc || !value) return html`<p class="loading">${notice || "Opening the song…"}</p>`;
  // The shown window: its length in seconds and where it starts in the song.
  const duration = shown ? shown.view.frames / peaks.sampleRate : 0;
  const offset = shown ? shown.view.startFrame / peaks.sampleRate : 0;
  // At most 256 samples shown: each drawn as a bar of its own (width: the lane's pixels each).
  const sampleLevel = shown?.pixels && shown.view.frames <= 256
    ? Math.max(1, Math.floor(shown.pixels / shown.view.frames) - 2)
    : 0;
  return html`
    <section class="song" aria-labelledby="song-title">
      <h2 id="song-title">${value.title ?? id}</h2>
      <${Notice} text=${notice}/>
        <${PlayingLock} playing=${locked}/>
      <div class="toolbar" role="toolbar" aria-label="Song tools">
        <button onClick=${undoLast} aria-keyshortcuts="Control+Z" disabled=${locked}>Undo</button>
        <button class="add-marker" onClick=${addMarker} aria-keyshortcuts="M" disabled=${locked}>
          Add marker</button>
        <button onClick=${() => zoom(zoomIn)} aria-keyshortcuts="+">Zoom in</button>
        <button onClick=${() => zoom(zoomOut)} aria-keyshortcuts="-">Zoom out</button>
        <button aria-label="Scroll left" onClick=${() => zoom((v, t) => scrollBy(v, t, -1))}>
          ◀</button>
        <button aria-label="Scroll right" onClick=${() => zoom((v, t) => scrollBy(v, t, 1))}>
          ▶</button>
        <button onClick=${() => setView(undefined)}>Whole song</button>
        ${shown
          ? html`
            <span class="view-window" role="status" data-start-frame=${shown.view.startFrame}
              data-frames=${shown.view.frames} data-drawn=${drawn ? "true" : "false"}>
                        ${describeWindow(shown.view, peaks.sampleRate)}</span>
          `
          : null}
        <label class="field">
          <span>Snap</span>
          <select value=${snap} onChange=${(e) => setSnap(e.target.value)}>
            <option value="bar">to bars</option>
            <option value="beat">to beats</option>
            <option value="off">off</option>
          </select>
        </label>
        <label class="field">
          <span>Play from (s)</span>
          <input name="cursor" value=${cursor} inputmode="decimal"
            onChange=${(e) => setCursor(Number(e.target.value) || 0)}/>
        </label>
        <button onClick=${async () => {
          const data = await api("/api/audition", { id, at: cursor });
          refreshLock();
          setNotice(data.ok ? `Playing from ${formatTime(cursor)}.` : `Not played: ${data.error}`);
        }}>Play from here</button>
        <button onClick=${async () => {
          const data = await api("/api/stop", {});
          refreshLock();
          if (data.ok) setAudition({});
          setNotice(data.ok ? "Audition stopped." : `Not stopped: ${data.error}`);
        }}>Stop audition</button>
      </div>
      <div class="tempo">
        <label class="field">
          <span>Tempo (bpm)</span>
          <input name="tempo" value=${tapped?.bpm ?? value.tempo ?? ""} inputmode="decimal"
            disabled=${locked}
            aria-invalid=${errors.tempo ? "true" : "false"} aria-describedby="error-tempo"
            onChange=${(e) => {
              setTapped(undefined);
              edit((v) => {
                const t = e.target.value.trim();
                if (t === "") delete v.tempo;
                else v.tempo = Number.isFinite(Number(t)) ? Number(t) : t;
              });
            }}/>
          <${FieldError} errors=${errors} keyPath="tempo"/>
        </label>
        <button class="tap" onClick=${tap} aria-keyshortcuts="T" disabled=${locked}>Tap</button>
        ${tapped
          ? html`<button class="save-tempo" disabled=${locked} onClick=${async () => {
            const bpm = tapped.bpm;
            if (await edit((v) => (v.tempo = bpm))) setTapped(undefined);
          }}>Save tempo</button>`
          : null}
        <label class="field">
          <span>Time signature</span>
          <input name="timeSignature" value=${(value.timeSignature ?? []).join("/")}
            disabled=${locked}
            placeholder="4/4" onChange=${(e) =>
              edit((v) => {
                const t = e.target.value.trim();
                if (t === "") delete v.timeSignature;
                else v.timeSignature = t.split("/").map((x) => Number(x));
              })}/>
          <${FieldError} errors=${errors} keyPath="timeSignature"/>
        </label>
        <label class="field">
          <span>First downbeat (s)</span>
          <input name="firstBeat" value=${value.firstBeat ?? ""} inputmode="decimal"
            disabled=${locked}
            onChange=${(e) =>
              edit((v) => {
                const t = e.target.value.trim();
                if (t === "") delete v.firstBeat;
                else v.firstBeat = Number.isFinite(Number(t)) ? Number(t) : t;
              })}/>
          <${FieldError} errors=${errors} keyPath="firstBeat"/>
        </label>
        <label class="field">
          <span>Detect from</span>
          <select name="detectFrom" value=${detectFrom}
            onChange=${(e) => setDetectFrom(e.target.value)}>
            ${(peaks?.tracks ?? []).map((t) => html`<option value=${t.file}>${t.name}</option>`)}
          </select>
        </label>
        <button class="detect" onClick=${detect} disabled=${!detectFrom || locked}>
          Detect tempo</button>
      </div>
      <div class="tempo key-tempo">
        ${[["transpose", "Transpose (semitones)"], ["speed", "Speed (1 = as recorded)"]].map((
          [field, label],
        ) =>
          html`
            <label class="field">
              <span>${label}</span>
              <input name=${field} value=${value[field] ?? ""} inputmode="decimal"
                disabled=${locked}
                aria-invalid=${errors[field] ? "true" : "false"}
                aria-describedby=${`error-${field}`}
                onChange=${(e) =>
                  edit((v) => {
                    const t = e.target.value.trim();
                    if (t === "") delete v[field];
                    else v[field] = Number.isFinite(Number(t)) ? Number(t) : t;
                  })}/>
              <${FieldError} errors=${errors} keyPath=${field}/>
            </label>
          `
        )}
      </div>
      ${errors[""] ? html`<p class="field-error" role="alert">${errors[""]}</p>` : null}
      <div class="lanes">
        ${shown
          ? html`
            <div class="lane-row marker-row">
              <div class="track-controls"><strong>Markers</strong></div>
              <${Lane} label="Markers" peaks=${MARKER_PEAKS} duration=${duration}
                offset=${offset} markers=${flags} grid=${grid} snap=${snap}
                onMove=${moveMarker} locked=${locked}/>
            </div>
            ${peaks.tracks.map((track, index) =>
              html`
                <div class="lane-row" data-track=${index}>
                  <${TrackRow} value=${value} file=${track.file} name=${track.name}
                    errors=${errors} edit=${edit} soloed=${audition.solo === track.file}
                    locked=${locked}
                    onSolo=${() => {
                      const on = audition.solo !== track.file;
                      auditionCall(
                        "/api/solo",
                        { file: on ? track.file : null },
                        () => on ? `Soloing ${track.name}.` : "Solo off: every stem plays.",
                      );
                    }}/>
                    <${Lane} label=${`Waveform of ${track.name}`} peaks=${lanePeaks[index]}
                      duration=${duration} onDrawn=${laneDrawn} bars=${sampleLevel}/>
                      </div>
              `
            )}
          `
          : html`<p class="loading">Drawing the waveforms…</p>`}
      </div>
      <h3>Markers</h3>
      <table class="markers">
        <thead><tr><th>Name</th><th>At (s)</th><th>Bar.beat</th><th>
          <span class="visually-hidden">Audition</span></th><th>
          <span class="visually-hidden">Delete</span></th></tr></thead>
        <tbody>
          ${markers.map((marker, index) =>
            html`
              <tr>
                <td><input aria-label=${`Name of marker ${index + 1}`} value=${marker.name}
                  disabled=${locked}
                  name=${`markers[${index + 1}].name`}
                  onChange=${(e) =>
                    edit((v) => {
                      v.markers[index].name = e.target.value;
                    })}/>
                  <${FieldError} errors=${errors} keyPath=${`markers[${index + 1}].name`}/></td>
                <td><input aria-label=${`Time of marker ${index + 1} in seconds`}
                  value=${typeof marker.at !== "string"
                    ? marker.at
                    : flags[index].at === undefined
                    ? "" // in bars and beats the tempo does not place: no seconds to show
                    : Math.round(flags[index].at * 1000) / 1000} inputmode="decimal"
                  placeholder=${typeof marker.at === "string"
                    ? "not on the tempo"
                    : ""} name=${`markers[${index + 1}].at`}
                  disabled=${locked}
                  onChange=${(e) =>
                    edit((v) => {
                      const n = Number(e.target.value);
                      v.markers[index].at = Number.isFinite(n) ? n : e.target.value;
                    })}/>
                  <${FieldError} errors=${errors} keyPath=${`markers[${index + 1}].at`}/></td>
                <td>${typeof marker.at === "string" ? marker.at : barBeat(marker.at, grid)}</td>
                <td>${(() => {
                  // The section: from this marker to the next (or the song's end).
                  const looping = audition.loop !== undefined && audition.section === index;
                  return html`
                    <button class="loop" aria-pressed=${looping ? "true" : "false"}
                      aria-label=${`Loop section ${marker.name}`}
                      onClick=${() =>
                        auditionCall(
                          "/api/loop",
                          { section: looping ? null : index, name: marker.name },
                          (data) =>
                            data.loop
                              ? `Looping ${marker.name}: ${formatTime(data.loop.start)} to ${
                                formatTime(data.loop.end)
                              }.`
                              : "Loop off: playing on.",
                        )}>${looping ? "End loop" : "Loop this section"}</button>
                  `;
                })()}</td>
                <td><button aria-label=${`Delete marker ${marker.name}`} disabled=${locked}
                  onClick=${() =>
                    edit((v) => {
                      v.markers.splice(index, 1);
                    })}>Delete</button></td>
              </tr>
            `
          )}
        </tbody>
      </table>
    </section>
  `;
}

// ---- setlist editor -----------------------------------------------------------------------

function entryOf(entry) {
  return typeof entry === "string" ? { song: entry } : { ...entry };
}

function SetlistEditor({ id }) {
  const { doc, errors, notice, save, undoLast } = useEditedFile("setlist", id);
  const [library, setLibrary] = useState();
  const [adding, setAdding] = useState("");
  const [dragging, setDragging] = useState();
  const list = useRef();
  useEffect(() => {
    api("/api/library").then(setLibrary);
  }, []);
  if (!doc) return html`<p class="loading">${notice || "Opening the setlist…"}</p>`;
  const songs = doc.value.songs ?? [];
  const edit = (change) => {
    const value = clone(doc.value);
    change(value);
    save(value);
  };
  const move = (from, to) => {
    if (to < 0 || to >= songs.length || to === from) return;
    edit((v) => v.songs.splice(to, 0, v.songs.splice(from, 1)[0]));
  };
  const dropIndex = (y) => {
    const rows = [...list.current.querySelectorAll("li")];
    const index = rows.findIndex((row) =>
      y < row.getBoundingClientRect().top + row.offsetHeight / 2
    );
    return index < 0 ? rows.length - 1 : index;
  };
  return html`
    <section class="setlist" aria-labelledby="setlist-title">
      <h2 id="setlist-title">${doc.value.title ?? id}</h2>
      <${Notice} text=${notice}/>
      <div class="toolbar" role="toolbar" aria-label="Setlist tools">
        <button onClick=${undoLast} aria-keyshortcuts="Control+Z">Undo</button>
        <label class="field">
          <span>Song to add</span>
          <select value=${adding} onChange=${(e) => setAdding(e.target.value)}>
            <option value="">choose…</option>
            ${library?.songs.map((s) => html`<option value=${s.id}>${s.title}</option>`)}
          </select>
        </label>
        <button disabled=${!adding} onClick=${() => edit((v) => v.songs.push(adding))}>Add</button>
      </div>
      ${errors[""] ? html`<p class="field-error" role="alert">${errors[""]}</p>` : null}
      <ol class="entries" ref=${list}
        onPointerMove=${(e) => dragging !== undefined && e.preventDefault()}
        onPointerUp=${(e) => {
          if (dragging === undefined) return;
          move(dragging, dropIndex(e.clientY));
          setDragging(undefined);
        }}>
        ${songs.map((raw, index) => {
          const entry = entryOf(raw);
          const key = `songs[${index}]`; // the setlist reader counts entries from 0
          const crossfade = typeof entry.transition === "object";
          const set = (change) =>
            edit((v) => {
              const next = entryOf(v.songs[index]);
              change(next);
              v.songs[index] = next;
            });
          return html`
            <li class=${dragging === index ? "dragging" : ""} data-song=${entry.song}
              onKeyDown=${(e) => {
                if (!e.altKey || !["ArrowUp", "ArrowDown"].includes(e.key)) return;
                e.preventDefault();
                move(index, index + (e.key === "ArrowUp" ? -1 : 1));
              }}>
              <button class="handle" aria-label=${`Drag ${entry.song} to reorder`}
                onPointerDown=${(e) => {
                  e.currentTarget.releasePointerCapture?.(e.pointerId);
                  setDragging(index);
                }}>⠿</button>
              <span class="entry-song">${entry.song}</span>
              <button aria-label=${`Move ${entry.song} up`} aria-keyshortcuts="Alt+ArrowUp"
                onClick=${() => move(index, index - 1)}>▲</button>
              <button aria-label=${`Move ${entry.song} down`} aria-keyshortcuts="Alt+ArrowDown"
                onClick=${() => move(index, index + 1)}>▼</button>
              <label class="field">
                <span>Transition</span>
                <select value=${crossfade ? "crossfade" : entry.transition ?? "stop"}
                  onChange=${(e) =>
                    set((n) => {
                      n.transition = e.target.value === "crossfade"
                        ? { crossfade: 4 }
                        : e.target.value;
                    })}>
                  <option value="stop">stop</option>
                  <option value="next">next (gapless)</option>
                  <option value="crossfade">crossfade</option>
                </select>
              </label>
              ${crossfade
                ? html`<label class="field"><span>Crossfade s</span>
                <input value=${entry.transition.crossfade} inputmode="decimal"
                  onChange=${(e) =>
                  set((n) => {
                    n.transition = { crossfade: Number(e.target.value) };
                  })}/></label>`
                : null}
              <label class="field">
                <span>Count-in bars</span>
                <input name=${`${key}.countIn`} value=${entry.countIn ?? ""} inputmode="numeric"
                  onChange=${(e) =>
                    set((n) => {
                      const t = e.target.value.trim();
                      if (t === "") delete n.countIn;
                      else n.countIn = Number.isFinite(Number(t)) ? Number(t) : t;
                    })}/>
                <${FieldError} errors=${errors} keyPath=${`${key}.countIn`}/>
              </label>
              ${[["transpose", "Transpose"], ["speed", "Speed"]].map(([field, label]) =>
                html`
                  <label class="field">
                    <span>${label}</span>
                    <input name=${`${key}.${field}`} value=${entry[field] ?? ""}
                      inputmode="decimal" aria-label=${`${label} of ${entry.song}`}
                      aria-invalid=${errors[`${key}.${field}`] ? "true" : "false"}
                      aria-describedby=${`error-${key}.${field}`}
                      onChange=${(e) =>
                        set((n) => {
                          const t = e.target.value.trim();
                          if (t === "") delete n[field];
                          else n[field] = Number.isFinite(Number(t)) ? Number(t) : t;
                        })}/>
                    <${FieldError} errors=${errors} keyPath=${`${key}.${field}`}/>
                  </label>
                `
              )}
              <button aria-label=${`Remove ${entry.song}`}
                onClick=${() => edit((v) => v.songs.splice(index, 1))}>Remove</button>
              <${FieldError} errors=${errors} keyPath=${key}/>
            </li>
          `;
        })}
      </ol>
    </section>
  `;
}

// ---- rig ----------------------------------------------------------------------------------

function Rig() {
  const [rig, setRig] = useState();
  const [notice, setNotice] = useState("");
  const signal = async (body) => {
    const data = await api("/api/test-signal", body);
    setNotice(
      data.ok
        ? body.stop
          ? "Test signal stopped."
          : `Test signal on output ${body.output} (${data.dbfs} dBFS, 3 s).`
        : `Refused: ${data.error}`,
    );
  };
  useEffect(() => {
    const read = () => api("/api/rig").then(setRig);
    read();
    const timer = setInterval(read, 250);
    return () => clearInterval(timer);
  }, []);
  if (!rig) return html`<p class="loading">Reading the rig…</p>`;
  return html`
    <section aria-labelledby="rig-title">
      <h2 id="rig-title">Rig</h2>
      <dl class="rig">
        <dt>Device</dt>
        <dd>${rig.device} (${rig.backend})</dd>
        <dt>Outputs</dt>
        <dd>${rig.outputs}</dd>
        <dt>Rate</dt>
        <dd>${rig.sampleRate} Hz</dd>
        <dt>Block</dt>
        <dd>${rig.blockFrames} frames</dd>
      </dl>
      <h3>Buses</h3>
      <ul>${rig.buses.map((b) => html`<li>${b.name}: outputs ${b.outputs.join(", ")}</li>`)}</ul>
      <h3>Outputs: test signal and level</h3>
      <${Notice} text=${notice}/>
        <p class="hint">A 1 kHz tone at -20 dBFS on one output, to find which cable is which.
        Refused while the show plays.</p>
        <button onClick=${() => signal({ stop: true })}>Stop the test signal</button>
        <ul class="meters">
        ${(rig.outputPeaks ?? []).map((peak, i) =>
          html`
            <li><span>Output ${i + 1}</span>
              <button class="test-signal" aria-label=${`Test signal on output ${i + 1}`}
                disabled=${rig.playing} onClick=${() => signal({ output: i + 1 })}>Test</button>
              <meter min="0" max="1" value=${peak} aria-label=${`Output ${i + 1} level`}></meter>
            </li>
          `
        )}
      </ul>
        </section>
  `;
}

// ---- the app ------------------------------------------------------------------------------

function App() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  const go = (to) => (location.hash = to);
  const [, view, id] = /^#\/(song|setlist|rig)\/?(.*)$/.exec(hash) ?? [];
  const name = id ? decodeURIComponent(id) : undefined;
  return html`
    <header>
      <h1>stemplay console</h1>
      <nav aria-label="Pages">
        <a href="#/" aria-current=${!view ? "page" : undefined}>Library</a>
        <a href="#/rig" aria-current=${view === "rig" ? "page" : undefined}>Rig</a>
      </nav>
    </header>
    <main>
      ${view === "song"
        ? html`<${SongEditor} id=${name} key=${name}/>`
        : view === "setlist"
        ? html`<${SetlistEditor} id=${name} key=${name}/>`
        : view === "rig"
        ? html`
          <${Rig} />
        `
        : html`<${Library} go=${go}/>`}
    </main>
  `;
}

const app = document.getElementById("app");
app.textContent = ""; // the "Loading" line
render(
  html`
    <${App} />
  `,
  app,
);
requestAnimationFrame(() => {
  document.body.dataset.firstPaintMs = String(Math.round(performance.now()));
});
