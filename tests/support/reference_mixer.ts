/**
 * A small, slow, sample-by-sample model of what the callback promises, written from the spec
 * rather than from native/rt/callback.c, so render tests compare two independent formulations:
 *
 * - every gain (track x route x mute/solo, and master) ramps linearly across each block of
 *   `blockFrames`: frame i of an n-frame block gets a + (t - a) * (i + 1) / n;
 * - a track's first block starts at its target (no ramp from silence);
 * - transport jumps and pauses fade out over 5 ms, jump, and fade back in over 5 ms; a start
 *   from frame 0 out of silence is not faded in;
 * - when the longest track ends, the song is ended and the output is silent;
 * - every output sample is clamped to [-1, 1] after the master gain.
 */

export interface ReferenceTrack {
  pcm: Float32Array[];
  /** matrix[channel][output], the routing gains. */
  matrix: number[][];
  gain: number;
  muted: boolean;
  solo: boolean;
  applied?: number[][];
}

type Run = "stop" | "play" | "pause";

export class ReferenceMixer {
  readonly fadeFrames: number;
  tracks: ReferenceTrack[] = [];
  masterGain = 1;
  /** Samples clamped per output, as `health.clipped` counts them. */
  readonly clipped: number[];
  #masterApplied = 1;
  #run: Run = "stop";
  #seekRequest?: number;
  #jumpPending = false;
  #jumpFrame = 0;
  #ended = false;
  #envelope = 0;
  #fadeFrom = 0;
  #fadeDone = 0;
  #fadeGoal = 0;
  position = 0;

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
    readonly blockFrames: number,
  ) {
    this.fadeFrames = Math.max(1, Math.floor(sampleRate * 5 / 1000));
    this.clipped = new Array(channels).fill(0);
  }

  get ended(): boolean {
    return this.#ended;
  }

  play(): void {
    this.#run = "play";
  }
  pause(): void {
    this.#run = "pause";
  }
  stop(): void {
    this.#run = "stop";
    this.#seekRequest = 0;
  }
  seek(frame: number): void {
    this.#seekRequest = frame;
  }

  render(frames: number): Float32Array[] {
    const out = Array.from({ length: this.channels }, () => new Float32Array(frames));
    for (let start = 0; start < frames; start += this.blockFrames) {
      this.#block(out, start, Math.min(this.blockFrames, frames - start));
    }
    return out;
  }

  #block(out: Float32Array[], start: number, n: number): void {
    if (this.#seekRequest !== undefined) {
      this.#jumpPending = true;
      this.#jumpFrame = this.#seekRequest;
      this.#seekRequest = undefined;
    }
    const anySolo = this.tracks.some((t) => t.solo);
    const targets = this.tracks.map((t) => {
      const audible = !t.muted && (!anySolo || t.solo);
      return t.matrix.map((row) => row.map((g) => g * t.gain * (audible ? 1 : 0)));
    });
    this.tracks.forEach((t, k) => t.applied ??= targets[k].map((row) => [...row]));
    const songFrames = Math.max(0, ...this.tracks.map((t) => t.pcm[0].length));

    for (let i = 0; i < n; i++) {
      const sample = new Array(this.channels).fill(0);
      if (this.#jumpPending && this.#envelope === 0) {
        this.position = this.#jumpFrame;
        this.#jumpPending = false;
        this.#ended = false;
      }
      const wanted = this.#run === "play" && !this.#jumpPending && !this.#ended;
      let audible = true;
      if (this.#envelope === 0 && !wanted) audible = false;
      else if (wanted && this.position >= songFrames) {
        this.#ended = true;
        this.#envelope = 0;
        audible = false;
      }
      if (audible) {
        if (this.#envelope === 0 && wanted && this.position === 0) this.#envelope = 1;
        const env = this.#nextEnvelope(wanted ? 1 : 0);
        this.tracks.forEach((t, k) => {
          if (this.position >= t.pcm[0].length) return;
          t.pcm.forEach((channel, c) => {
            for (let o = 0; o < this.channels; o++) {
              const a = t.applied![c][o], target = targets[k][c][o];
              const gain = a + (target - a) * (i + 1) / n;
              sample[o] += gain * channel[this.position];
            }
          });
        });
        for (let o = 0; o < this.channels; o++) sample[o] *= env;
        this.position++;
      }
      const master = this.#masterApplied + (this.masterGain - this.#masterApplied) * (i + 1) / n;
      // Full scale and no further, after the master gain: dense mixes of these tests go past it.
      for (let o = 0; o < this.channels; o++) {
        const value = sample[o] * master;
        if (Math.abs(value) > 1) this.clipped[o]++;
        out[o][start + i] = Math.min(1, Math.max(-1, value));
      }
    }
    this.tracks.forEach((t, k) => t.applied = targets[k]);
    this.#masterApplied = this.masterGain;
  }

  /** The envelope for this frame: linear over fadeFrames toward goal. */
  #nextEnvelope(goal: number): number {
    if (this.#envelope === goal) return goal;
    if (this.#fadeGoal !== goal || this.#fadeDone === 0) {
      this.#fadeFrom = this.#envelope;
      this.#fadeGoal = goal;
      this.#fadeDone = 0;
    }
    this.#fadeDone++;
    const steps = Math.max(1, Math.ceil(Math.abs(goal - this.#fadeFrom) * this.fadeFrames - 1e-4));
    const direction = goal > this.#fadeFrom ? 1 : -1;
    this.#envelope = this.#fadeDone >= steps
      ? goal
      : this.#fadeFrom + direction * this.#fadeDone / this.fadeFrames;
    if (this.#envelope === goal) this.#fadeDone = 0;
    return this.#envelope;
  }
}
