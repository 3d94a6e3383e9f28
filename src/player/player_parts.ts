/**
 * The parts a Player composes, in one record: its base classes (player_metering.ts,
 * player_show_flow.ts) reach them through it, so each concern's members live in a file of
 * their own while `Player` keeps composition, transport and events.
 *
 * @module
 */

import type { Engine } from "../engine/engine.ts";
import type { TrackSlots } from "../engine/track_slots.ts";
import type { Meters } from "../engine/meters.ts";
import type { DeviceRecovery } from "../engine/device_recovery.ts";
import type { SongDeck } from "../songs/song_deck.ts";
import type { PlayerSetlist } from "../songs/player_setlist.ts";
import type { ShowFlow } from "../show/show.ts";
import type { Transport } from "./transport.ts";

/** What a Player is made of. */
export interface PlayerParts {
  /** The engine: handle, pointer, what it is, its status tick (src/engine/engine.ts). */
  readonly engine: Engine;
  /** The current song and the songs prepared beside it (src/songs/song_deck.ts). */
  readonly songs: SongDeck;
  /** Cues on the current song; the deck's, reset at every switch. */
  readonly show: ShowFlow;
  /** The setlist and where it stands (src/songs/player_setlist.ts). */
  readonly setlist: PlayerSetlist;
  /** The engine's track slots: tracks attached, and freed once the callback is past them. */
  readonly slots: TrackSlots;
  /** Peaks, clip counts, the latency monitor and stream statistics. */
  readonly meters: Meters;
  /** Device loss and recovery; none offline. */
  readonly recovery?: DeviceRecovery;
  /** Play, pause, seek, the state and its events (src/player/transport.ts). */
  readonly transport: Transport;
}
