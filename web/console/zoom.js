// The window of a song the waveform lanes show, in frames, from the whole song down to single
// samples. Zoomed in, the lanes are drawn from peaks of that window read from the files at up
// to one point per frame (not the whole song's overview stretched), so at the deepest zoom
// each point is one sample.

/** The fewest frames the lanes show: a few dozen samples, each many pixels wide. */
export const MIN_FRAMES = 32;

/** The whole song of `total` frames. */
export function wholeSong(total) {
  return { startFrame: 0, frames: total };
}

/** A window of `frames` from `startFrame`, kept inside the song and at least MIN_FRAMES. */
function inside(startFrame, frames, total) {
  const size = Math.max(Math.min(MIN_FRAMES, total), Math.min(total, Math.round(frames)));
  return { startFrame: Math.max(0, Math.min(total - size, Math.round(startFrame))), frames: size };
}

/** Half the window, around its middle. */
export function zoomIn(view, total) {
  const frames = Math.floor(view.frames / 2);
  return inside(view.startFrame + (view.frames - frames) / 2, frames, total);
}

/** Twice the window, around its middle (at most the whole song). */
export function zoomOut(view, total) {
  const frames = view.frames * 2;
  return inside(view.startFrame - (frames - view.frames) / 2, frames, total);
}

/** The window moved by `halves` half-windows (negative: left). */
export function scrollBy(view, total, halves) {
  return inside(view.startFrame + halves * Math.floor(view.frames / 2), view.frames, total);
}

/**
 * The peaks request of a window: song seconds a quarter frame inside its first and last
 * frame (so the native side's floor and ceil land on exactly these frames), and as many
 * points as the lanes have pixels, never more than the window has frames.
 */
export function windowQuery(view, sampleRate, pixels) {
  const points = Math.max(1, Math.min(view.frames, Math.round(pixels)));
  const start = (view.startFrame + 0.25) / sampleRate;
  const end = (view.startFrame + view.frames - 0.25) / sampleRate;
  return `points=${points}&start=${start}&end=${end}`;
}

/** The window in words: "0:04.0000 to 0:04.0010 (46 samples)". */
export function describeWindow(view, sampleRate) {
  const clock = (frame) => {
    const seconds = frame / sampleRate, m = Math.floor(seconds / 60);
    const s = (seconds - m * 60).toFixed(view.frames < sampleRate ? 4 : 1).padStart(
      view.frames < sampleRate ? 7 : 4,
      "0",
    );
    return `${m}:${s}`;
  };
  const end = view.startFrame + view.frames;
  return `${clock(view.startFrame)} to ${clock(end)} (${view.frames.toLocaleString("en")} samples)`;
}
