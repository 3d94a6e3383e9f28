/**
 * A song's named points, shared by songs (which read them), the show (which jumps to them),
 * the player and the control surfaces (which show them).
 *
 * @module
 */

/** A named point in a song, in seconds from its start. */
export interface Marker {
  /** What the point is called ("Verse 1"). */
  name: string;
  /** Seconds from the start of the song. */
  at: number;
}
