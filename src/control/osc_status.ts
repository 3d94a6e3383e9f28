/**
 * The status an OSC subscriber gets: one message per thing a remote shows, each sent again only
 * when its arguments changed. The same truth as the web remote's (bar, loop, next section, the
 * notice of an action waiting for its confirmation, levels).
 *
 * @module
 */

// deno-lint-ignore no-import-prefix
import type { OscArgInput } from "npm:osc-min@2.1.2";
import type { ControlStatus } from "./status.ts";

/** One OSC message to send. */
export interface OutMessage {
  /** The address. */
  address: string;
  /** Its arguments. */
  args: OscArgInput[];
}

/** Whether every part of the show is well, in words: "ok", or the problems. */
function healthWords(status: ControlStatus): string {
  return status.health.problems.length ? status.health.problems.join("; ") : "ok";
}

const text = (value: string): OscArgInput => ({ type: "string", value });
const int = (value: number): OscArgInput => ({ type: "integer", value });
const float = (value: number): OscArgInput => ({ type: "float", value });

/** dB as OSC carries it: a float, -144 standing for silence (OSC floats have no -inf). */
function db(value: number): OscArgInput {
  return float(Number.isFinite(value) ? value : -144);
}

/**
 * The status messages, in the order a subscriber gets them. `overruns` comes from the latency
 * monitor (0 while it is off). See docs/remote.md ("Status") for each address.
 */
export function statusMessages(status: ControlStatus, overruns: number): OutMessage[] {
  const loop = status.loop;
  const next = status.nextMarker;
  const { midiOut, spokenCues: cues } = status;
  return [
    { address: "/stemplay/state", args: [text(status.state)] },
    { address: "/stemplay/position", args: [float(status.position), float(status.duration)] },
    { address: "/stemplay/song", args: [int(status.song.number ?? 1), text(status.song.title)] },
    { address: "/stemplay/marker", args: [text(status.marker?.name ?? "")] },
    // "" without a tempo (no bars)
    { address: "/stemplay/bar", args: [text(status.barBeat ?? "")] },
    {
      address: "/stemplay/loop",
      args: loop
        ? [int(1), float(loop.start), float(loop.end), int(loop.leaving ? 1 : 0)]
        : [int(0), float(0), float(0), int(0)],
    },
    // the next section's name ("" for none) and the bars to it (-1: no tempo to count them)
    {
      address: "/stemplay/nextsection",
      args: [text(next?.name ?? ""), int(next ? status.barsToNextSection ?? -1 : -1)],
    },
    { address: "/stemplay/notice", args: [text(status.notice ?? "")] },
    { address: "/stemplay/master", args: [db(status.master.gainDb)] },
    {
      address: "/stemplay/health",
      args: [text(healthWords(status)), int(overruns), int(status.health.clipped)],
    },
    // On the addresses that toggle them, so a toggle control shows the state: 1 on, 0 off,
    // -1 none (no MIDI out; no cue track in this song, and why).
    {
      address: "/stemplay/midiclock",
      args: midiOut
        ? [int(midiOut.clock ? 1 : 0), text(midiOut.port), text(midiOut.lastSent ?? "")]
        : [int(-1), text(""), text("")],
    },
    {
      address: "/stemplay/spokencues",
      args: [int(cues.available ? (cues.on ? 1 : 0) : -1), text(cues.reason ?? "")],
    },
  ];
}
