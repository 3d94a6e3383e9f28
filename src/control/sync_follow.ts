/**
 * The follower's side of the sync feed (docs/two-rigs.md): it probes the primary's clock,
 * reads its transport, and keeps this player on the same song, state and frame, repeating
 * every jump and loop at the same musical frame. In standby it keeps its outputs (or chosen
 * buses) muted while the primary is healthy, and sounds, in time, when the feed stops or the
 * primary loses its device; `failback` mutes it again.
 *
 * @module
 */

import dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import type { Player } from "../player/player.ts";
import { StemplayError } from "../errors.ts";
import {
  checkSyncKey,
  encodeSyncPacket,
  SYNC_REJECT_WORDS,
  type SyncReject,
  SyncSequence,
  type SyncState,
} from "./sync_packet.ts";
import { ClockOffset, LockError, syncNow } from "./sync_clock.ts";
import { setSyncLink, type SyncHealth } from "./sync_registry.ts";
import { SYNC_TICK_MS } from "./sync_serve.ts";
import { SyncAdmission } from "./sync_admit.ts";
import { type CueMemory, followCues, primaryAt, transitionUnderway } from "./sync_cues.ts";
import { Varispeed } from "./sync_varispeed.ts";
import { CallbackClock } from "./sync_callback_clock.ts";

/** Options of `followSync`. */
export interface SyncFollowOptions {
  /** The primary's address. */
  host: string;
  /** The primary's sync port. */
  port: number;
  /** The shared secret, at least 16 bytes, the same as the primary's. */
  key: string;
  /** Keep the outputs muted while the primary is healthy, and sound when it stops (default
   * false: the follower sounds all along). */
  standby?: boolean;
  /** In standby, mute only these buses (names of the rig profile) instead of the master. */
  standbyBuses?: string[];
  /** Told every notice: a relock, a take-over, a missing song, a rejected packet. */
  onNotice?: (text: string) => void;
  /** @internal Ms added to this machine's clock as the follower reads it (tests inject a
   * skew). */
  clockSkewMs?: number;
}

/** A running follower. */
export interface SyncFollower {
  /** `health.sync` of this follower. */
  readonly health: SyncHealth;
  /** Mutes a follower that took over, once the primary is back (see `failback`). */
  failback(): string;
  /** Stops following (the player plays on as it is, muted or not). Idempotent. */
  close(): Promise<void>;
}

/** A follower in lock relocks (a declicked jump) when it is further than this from the
 * primary; within it, varispeed alone corrects. */
export const RELOCK_MS = 20;
/** Getting into lock (after a start or a song change), the follower jumps until it is within
 * this of the primary; from there varispeed takes it to the frame. */
export const LOCK_MS = 2;
/**
 * How long the feed may be silent before a standby follower takes over: 250 ms, about twelve
 * missed 20 ms packets. Shorter would mistake a busy moment (a garbage collection, a loaded
 * Wi-Fi or switch, a song decoding on either machine) for a dead primary, and a false take-over
 * doubles the music; a hardware switcher on the heartbeat decides in milliseconds where one
 * is fitted.
 */
export const TAKEOVER_MS = 250;
/** How often the follower probes the primary's clock (also its subscription): the last 64
 * round trips (6.4 s) are kept, and the quickest decides the offset. */
const PING_MS = 100;
/** The first probes go this often, so the offset is good before the first play. */
const FIRST_PINGS = 32;
const FIRST_PING_MS = 10;
/** After a jump, a start or a song change of ours, errors are not measured for this long (the
 * position needs a few blocks to settle). */
const HOLD_MS = 300;
/** Rejection notices at most this often. */
const NOTICE_EVERY_MS = 1000;

/** Follows a primary's sync feed with `player` (which loaded the same setlist or song).
 * @throws {StemplayError} "INVALID_ARGUMENT" for a short key, a bad port or an unknown standby
 * bus; "SYNC_LISTEN" when the host cannot be resolved or no UDP socket can be opened */
export async function followSync(
  player: Player,
  options: SyncFollowOptions,
): Promise<SyncFollower> {
  const key = checkSyncKey(options.key);
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new StemplayError("INVALID_ARGUMENT", `sync port must be 1..65535, got ${options.port}`);
  }
  const buses = (options.standbyBuses ?? []).map((name) => player.bus(name));
  let address: string;
  let family: number;
  try {
    ({ address, family } = await lookup(options.host));
  } catch (error) {
    throw new StemplayError(
      "SYNC_LISTEN",
      `cannot resolve the primary "${options.host}": ${(error as Error).message}`,
    );
  }
  const socket = dgram.createSocket(family === 6 ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once(
      "error",
      (error) =>
        reject(new StemplayError("SYNC_LISTEN", `cannot open a UDP socket: ${error.message}`)),
    );
    socket.bind(0, () => resolve());
  });
  socket.on("error", () => {});
  const follower = new Follower(player, options, key, buses, { address, port: options.port });
  // Deno drops an exception thrown in a dgram listener without a word: receive catches its own.
  socket.on(
    "message",
    (packet, from) => follower.receive(new Uint8Array(packet), from.address, from.port),
  );
  follower.start((bytes) => socket.send(bytes, options.port, address), () => socket.close());
  return follower;
}

interface Mutable {
  gain: number;
}

class Follower implements SyncFollower {
  readonly #player: Player;
  readonly #key: string;
  readonly #admission: SyncAdmission;
  #lastRejected?: string;
  readonly #onNotice?: (text: string) => void;
  readonly #skew: number;
  readonly #standby: boolean;
  /** What standby mutes: the chosen buses, else the master; with each one's gain to restore. */
  readonly #muted: { target: Mutable; gain: number }[];
  readonly #sequence = new SyncSequence();
  #clock = new ClockOffset();
  readonly #lock = new LockError();
  readonly #cues: CueMemory = {};
  readonly #savedCountIn: number;
  #send: (bytes: Uint8Array) => void = () => {};
  #closeSocket: () => void = () => {};
  #timers: ReturnType<typeof setInterval>[] = [];
  #closed = false;
  #state?: SyncState;
  #heardAt = 0;
  #mode: "follow" | "takenOver" = "follow";
  #silent = false;
  #rejected = 0;
  #relocks = 0;
  #lastNotice = 0;
  #problem?: string;
  #holdUntil = 0;
  #busy = false;
  #locked = false;
  /** Frames a jump of ours lands after the position it was aimed at when asked. */
  #seekLead = 0;
  #seeked = false;
  #lastMeasure = 0;
  readonly #varispeed: Varispeed;
  readonly #own: CallbackClock;

  constructor(
    player: Player,
    options: SyncFollowOptions,
    key: string,
    buses: Mutable[],
    primary: { address: string; port: number },
  ) {
    this.#player = player;
    this.#key = key;
    this.#admission = new SyncAdmission(key, primary, this.#sequence.session);
    this.#onNotice = options.onNotice;
    this.#skew = options.clockSkewMs ?? 0;
    this.#standby = options.standby ?? false;
    const master: Mutable = {
      get gain() {
        return player.masterGain;
      },
      set gain(value: number) {
        player.masterGain = value;
      },
    };
    const targets: Mutable[] = buses.length ? buses : [master];
    this.#muted = targets.map((target) => ({ target, gain: target.gain }));
    // The primary's count-in is heard from the primary; the follower starts on its frame.
    this.#savedCountIn = player.countIn;
    this.#varispeed = new Varispeed(player);
    this.#own = new CallbackClock(player, () => 1 + this.#varispeed.ppm * 1e-6);
    this.#seekLead = player.blockFrames;
  }

  start(send: (bytes: Uint8Array) => void, closeSocket: () => void): void {
    this.#send = send;
    this.#closeSocket = closeSocket;
    this.#varispeed.reset(); // the resampler on, at 1:1, before anything plays
    this.#own.start();
    if (this.#player.countIn) this.#player.countIn = 0;
    if (this.#standby) this.#silence(true);
    setSyncLink(this.#player, { health: () => this.health, failback: () => this.failback() });
    let first = 0;
    const burst = setInterval(() => {
      this.#ping();
      if (++first >= FIRST_PINGS) clearInterval(burst);
    }, FIRST_PING_MS);
    this.#timers.push(burst);
    this.#timers.push(setInterval(() => this.#ping(), PING_MS));
    this.#timers.push(setInterval(() => this.#tick(), SYNC_TICK_MS));
  }

  /** This machine's clock (ms), as the engine stamps its callbacks. */
  #local(): number {
    return syncNow(this.#player.native);
  }

  /** This machine's clock as the follower reads it (with a test's injected skew). */
  #now(): number {
    return this.#local() + this.#skew;
  }

  #notice(text: string): void {
    this.#onNotice?.(text);
    this.#player.dispatchEvent(new CustomEvent("sync", { detail: text }));
  }

  #ping(): void {
    if (this.#closed) return;
    this.#send(
      encodeSyncPacket(this.#key, this.#sequence.next(), {
        kind: "ping",
        t0: this.#now(),
        wall: Date.now(),
        cookie: this.#admission.cookie,
      }, this.#sequence.session),
    );
  }

  /** A dropped packet: counted, kept in `lastRejected` (never in `problem`: junk from anyone
   * must not change what health says), and said at most once a second. */
  #reject(reason: SyncReject, from: string): void {
    this.#rejected++;
    this.#lastRejected = `sync packet from ${from} dropped: ${SYNC_REJECT_WORDS[reason]}`;
    this.#rateLimitedNotice(`${this.#lastRejected} (${this.#rejected} rejected so far)`);
  }

  #rateLimitedNotice(text: string): void {
    const now = this.#local();
    if (now - this.#lastNotice >= NOTICE_EVERY_MS) {
      this.#lastNotice = now;
      this.#notice(text);
    }
  }

  /** One datagram: checked whole before anything changes. An error while following it is a
   * problem said, not an exception lost in the socket's listener. */
  receive(packet: Uint8Array, address: string, port: number): void {
    if (this.#closed) return;
    try {
      this.#receive(packet, address, port);
    } catch (error) {
      const text = `sync error: ${(error as Error).message}`;
      if (this.#problem !== text) this.#lastNotice = 0;
      this.#problem = text;
      this.#rateLimitedNotice(text);
    }
  }

  #receive(packet: Uint8Array, address: string, port: number): void {
    const t3 = this.#now();
    const from = `${address}:${port}`;
    const admitted = this.#admission.admit(packet, address, port, t3);
    if (!admitted.ok) return this.#reject(admitted.reason, from);
    const message = admitted.message;
    if (message.kind === "pong") {
      if (admitted.newSession) {
        // A (re)started primary: its clock is measured afresh.
        if (this.#clock.known) this.#notice(`the primary restarted (a new session, from ${from})`);
        this.#clock = new ClockOffset();
      }
      this.#clock.add(message.t0, message.t1, message.t2, t3);
      return;
    }
    if (message.sampleRate !== this.#player.sampleRate) {
      this.#problem = `the primary runs at ${message.sampleRate} Hz and this rig at ` +
        `${this.#player.sampleRate} Hz: open both at the same rate`;
      return;
    }
    this.#state = message;
    this.#heardAt = this.#local();
    if (this.#clock.known) this.#follow();
  }

  /** Where the primary is at our clock's `now` (sync_cues.ts), frames. */
  #primaryAt(now: number, taking = true): number {
    return primaryAt(this.#state!, now + this.#clock.offsetMs, taking);
  }

  #hold(): void {
    this.#holdUntil = this.#local() + HOLD_MS;
    this.#lock.clear();
  }

  #tick(): void {
    if (this.#closed || !this.#state) return;
    const quiet = this.#local() - this.#heardAt;
    if (this.#mode === "follow" && quiet > TAKEOVER_MS && this.#state.state === "playing") {
      this.#feedLost(`no packet from the primary for ${Math.round(quiet)} ms`);
    }
  }

  #feedLost(why: string): void {
    if (!this.#standby) {
      if (!this.#problem?.startsWith("feed lost")) {
        this.#varispeed.hold(); // the drift it learned, without chasing a silent primary
        this.#problem = `feed lost: ${why}; playing on alone`;
        this.#notice(this.#problem);
      }
      return;
    }
    this.#mode = "takenOver";
    // Alone now: the song goes on at this rig's own rate (the primary's clock is gone).
    this.#varispeed.reset();
    this.#silence(false);
    this.#problem = `took over: ${why}`;
    this.#notice(`TAKE-OVER: ${why}; this rig sounds now, in time (failback mutes it again)`);
  }

  /** Mutes (ramped, like every gain) or restores what standby mutes. */
  #silence(on: boolean): void {
    if (on === this.#silent) return;
    this.#silent = on;
    for (const muted of this.#muted) {
      if (on) {
        muted.gain = muted.target.gain;
        muted.target.gain = 0;
      } else {
        muted.target.gain = muted.gain;
      }
    }
  }

  /** One state packet: the song, the state, the armed jump and loop, then the lock. */
  #follow(): void {
    const s = this.#state!;
    const player = this.#player;
    if (this.#mode === "takenOver" || this.#busy || player.closed) return;
    if (s.deviceLost && this.#standby) return this.#feedLost("the primary lost its device");
    if (this.#problem?.startsWith("feed lost")) this.#problem = undefined;
    if (!this.#sameSong(s) || !this.#keyAndTempo(s)) return;
    const now = this.#now();
    const mine = player.state;
    if (s.state === "playing") {
      if (mine !== "playing") {
        this.#seekToPrimary();
        player.play();
        this.#locked = false;
        return;
      }
    } else {
      this.#locked = false;
      if (s.state === "paused" && mine === "playing") player.pause();
      if (s.state === "stopped" && mine === "playing") player.stop();
      if ((s.state === "paused" || s.state === "stopped") && mine !== "playing") {
        if (Math.abs(player.timelinePositionFrames - s.position) > player.blockFrames) {
          player.seekTimelineFrames(Math.max(0, Math.round(s.position)));
        }
      }
      return;
    }
    const { mismatch, catchUp } = followCues(
      this.#player,
      s,
      this.#primaryAt(now, false),
      this.#cues,
    );
    if (mismatch) this.#mismatch(mismatch);
    else if (this.#problem?.startsWith("mismatch")) this.#problem = undefined;
    if (catchUp) {
      this.#locked = false; // getting back into lock, not a relock
      this.#seekToPrimary();
      return;
    }
    this.#measure(now);
  }

  /** True when this rig plays the primary's song; else loads it (same setlist position and
   * title) or reports it missing. Never plays another song in its place. */
  #sameSong(s: SyncState): boolean {
    const player = this.#player;
    let setlist = player.setlist;
    if (setlist && s.song.index >= 0 && setlist.index !== s.song.index) {
      player.engineContext.tick(); // a transition of our own, taken in
      setlist = player.setlist;
    }
    if (setlist && s.song.index >= 0) {
      const entry = setlist.songs[s.song.index];
      if (!entry || entry.title !== s.song.title) {
        return this.#missing(s, entry ? `song ${s.song.index + 1} here is "${entry.title}"` : "");
      }
      if (setlist.index !== s.song.index && transitionUnderway(player, s, setlist)) return false;
      if (setlist.index !== s.song.index) {
        this.#busy = true;
        this.#locked = false;
        this.#hold();
        player.goto(s.song.index).catch((error) => {
          this.#problem = `cannot load song ${s.song.index + 1}: ${(error as Error).message}`;
          this.#notice(this.#problem);
        }).finally(() => this.#busy = false);
        return false;
      }
    } else if (player.title !== s.song.title) {
      return this.#missing(s, `this rig plays "${player.title}"`);
    }
    if (this.#problem?.startsWith("missing")) this.#problem = undefined;
    return true;
  }

  #missing(s: SyncState, here: string): false {
    const text = `missing: the primary plays song ${s.song.index + 1} "${s.song.title}", ` +
      `which this rig lacks${here ? ` (${here})` : ""}; nothing is played in its place`;
    if (this.#problem !== text) {
      this.#problem = text;
      this.#notice(text);
    }
    if (this.#player.state === "playing") this.#player.pause();
    this.#locked = false;
    return false;
  }

  /** The primary's key and tempo (issue 24), set here as the primary's operator set them
   * (while playing, the old key plays on until the new one crossfades in). False while the
   * song is prepared at them: the lock is not measured meanwhile, and the transport follows
   * again once it is ready. */
  #keyAndTempo(s: SyncState): boolean {
    const player = this.#player;
    const transpose = s.transpose ?? player.transpose;
    const speed = s.speed ?? player.speed;
    if (transpose === player.transpose && speed === player.speed) return true;
    try {
      player.transpose = transpose;
      player.speed = speed;
    } catch (error) {
      const problem = `cannot follow the key and tempo: ${(error as Error).message}`;
      if (this.#problem !== problem) {
        this.#problem = problem;
        this.#notice(problem);
      }
      return true;
    }
    this.#busy = true;
    this.#locked = false;
    this.#hold();
    player.keyTempoReady().catch((error) => {
      this.#problem = `cannot follow the key and tempo: ${(error as Error).message}`;
      this.#notice(this.#problem);
    }).finally(() => this.#busy = false);
    return false;
  }

  #mismatch(text: string): void {
    const problem = `mismatch: ${text}`;
    if (this.#problem === problem) return;
    this.#problem = problem;
    this.#notice(problem);
  }

  /** This player's position now (frames): its callbacks' stamps filtered (CallbackClock). */
  #ownPosition(local: number): number {
    const status = this.#player.engineContext.readStatus();
    if (status.callbackMs <= 0 || status.state !== "playing") return status.position;
    this.#own.sample();
    return this.#own.frameAt(local)!;
  }

  /** A declicked jump to where the primary will be when the jump lands, `#seekLead` frames
   * ahead (learned from the error measured after each such jump). */
  #seekToPrimary(): void {
    const player = this.#player;
    const target = Math.round(this.#primaryAt(this.#now()) + this.#seekLead);
    player.seekTimelineFrames(Math.max(0, target));
    this.#seeked = true;
    this.#varispeed.hold();
    this.#hold();
  }

  /**
   * The position error, then: while getting into lock (after a start, a song change or a
   * relock), declicked jumps until within LOCK_MS; once locked, varispeed only, and a
   * declicked jump (a relock, said) only past RELOCK_MS.
   */
  #measure(now: number): void {
    const player = this.#player;
    const local = this.#local();
    if (local < this.#holdUntil) return;
    const rate = player.sampleRate;
    const error = this.#ownPosition(local) - this.#primaryAt(now);
    this.#lock.add(local, error);
    if (this.#lock.count < 3) return;
    const median = this.#lock.median;
    const errorMs = median * 1000 / rate;
    if (this.#seeked) {
      // How far the last jump landed from the primary: the next one leads by that much less.
      this.#seekLead -= median;
      this.#seeked = false;
    }
    const seconds = this.#lastMeasure ? Math.min(0.2, (local - this.#lastMeasure) / 1000) : 0;
    this.#lastMeasure = local;
    if (this.#locked && Math.abs(errorMs) <= RELOCK_MS) {
      this.#varispeed.update(errorMs, seconds);
      return;
    }
    if (!this.#locked && Math.abs(errorMs) <= LOCK_MS) {
      this.#locked = true;
      this.#lockedOnce();
      this.#varispeed.update(errorMs, seconds);
      return;
    }
    // Getting into lock after a start or a song change is not a relock; losing it is.
    if (this.#locked) {
      this.#relocks++;
      this.#notice(
        `relock: ${errorMs.toFixed(1)} ms off the primary, a declicked jump back ` +
          `(relock ${this.#relocks})`,
      );
    }
    this.#locked = false;
    this.#seekToPrimary();
  }

  /** A failback waiting for the lock mutes now. */
  #lockedOnce(): void {
    if (this.#standby && !this.#silent && this.#mode === "follow") this.#silence(true);
  }

  get health(): SyncHealth {
    const rate = this.#player.sampleRate;
    const state: SyncHealth["state"] = this.#mode === "takenOver"
      ? "takenOver"
      : !this.#state
      ? "waiting"
      : this.#problem?.startsWith("missing")
      ? "missing"
      : this.#problem?.startsWith("feed lost")
      ? "lost"
      : this.#locked
      ? "locked"
      : "locking";
    return {
      role: "follower",
      state,
      offsetMs: this.#lock.count ? this.#lock.median * 1000 / rate : 0,
      // The drift varispeed holds (its integral), else the error's slope before it learned.
      driftPpm: this.#varispeed.heldPpm !== 0
        ? -this.#varispeed.heldPpm
        : this.#lock.driftPpm(rate),
      clockOffsetMs: this.#clock.known ? this.#clock.offsetMs : undefined,
      relocks: this.#relocks,
      rejected: this.#rejected,
      callbackLateMs: this.#own.lateMs,
      standby: this.#standby,
      problem: this.#problem,
      lastRejected: this.#lastRejected,
    };
  }

  failback(): string {
    if (!this.#standby) return "this follower is not in standby: nothing to fail back";
    if (this.#mode !== "takenOver") return "this rig has not taken over: nothing to fail back";
    if (!this.#state || this.#local() - this.#heardAt > TAKEOVER_MS) {
      return "the primary is not back yet: this rig keeps sounding";
    }
    this.#mode = "follow";
    this.#problem = undefined;
    this.#locked = false;
    this.#hold();
    this.#notice("failback: following the primary again; muted once locked");
    return "failback: muting once locked to the primary";
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#own.stop();
    setSyncLink(this.#player, undefined);
    if (!this.#player.closed) {
      this.#varispeed.reset();
      if (this.#savedCountIn) this.#player.countIn = this.#savedCountIn;
    }
    this.#closeSocket();
    return Promise.resolve();
  }
}
