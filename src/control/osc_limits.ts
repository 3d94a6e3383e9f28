/**
 * What a stranger on the LAN can make the OSC surface hold or send, bounded: OSC is UDP, so a
 * sender's address can be spoofed and nothing is authenticated. Each limit is refused or
 * dropped beyond, counted, and never grows memory or traffic. docs/remote.md explains them to
 * users.
 *
 * @module
 */

/** The limits of the OSC surface (see `OSC_LIMITS` for each one's meaning). */
export interface OscLimits {
  /** Messages in one packet. */
  readonly messagesPerPacket: number;
  /** Packets a second from one source address. */
  readonly packetsPerSecond: number;
  /** Sources whose packet rate is remembered at once. */
  readonly rateSources: number;
  /** Subscriptions from one host. */
  readonly subscribersPerHost: number;
  /** Subscriptions in all. */
  readonly subscribers: number;
  /** Lowest port status is sent to. */
  readonly lowestPort: number;
  /** Packets sent to a subscriber before it must renew. */
  readonly sendsPerRenewal: number;
  /** Actions of this surface waiting or running. */
  readonly pendingActions: number;
  /** Packets handed to the socket and not yet sent. */
  readonly sendsInFlight: number;
  /** Arguments of one message. */
  readonly argumentsPerMessage: number;
  /** Bytes an error reply may have at least (a small request's reply). */
  readonly errorReplyBytes: number;
  /** Bytes an error reply may have at most, however big its request. */
  readonly errorReplyMaxBytes: number;
}

/** The limits of the OSC surface. */
export const OSC_LIMITS: OscLimits = Object.freeze({
  /** Messages in one packet (bundles counted through). More: one error reply, nothing of the
   * packet runs. A foot pedal sends one; a layout button a few. */
  messagesPerPacket: 32,
  /** Arguments of one message (no address takes more than two). More: one error reply,
   * nothing of the packet runs, and it is not decoded (60,000 tags are slow to decode). */
  argumentsPerMessage: 16,
  /** Packets a second from one source address (its IP, any port). More are dropped unread and
   * counted; the first dropped one of a second gets one error reply. */
  packetsPerSecond: 50,
  /** Sources whose packet rate is remembered at once: the rate table cannot grow without end
   * under a flood of spoofed addresses. A further new source takes the place of the one
   * remembered longest (refusing it would let a forger lock every controller out). */
  rateSources: 1024,
  /** Subscriptions from one host (one IP, any ports). */
  subscribersPerHost: 8,
  /** Subscriptions in all. */
  subscribers: 64,
  /** Lowest port status is sent to: ports below are system services (echo, DNS, NTP …), the
   * classic targets of a reflection attack, and no OSC controller listens there. */
  lowestPort: 1024,
  /** Packets sent to a subscriber before it must renew (send `/stemplay/subscribe` again): a
   * spoofed subscription makes us send at most this many packets to its victim. */
  sendsPerRenewal: 10,
  /** Actions of this surface waiting or running. More are refused with an error reply. */
  pendingActions: 64,
  /** Packets handed to the socket and not yet sent. More are dropped and counted. */
  sendsInFlight: 256,
  /** Bytes of an error reply, at most, or the request's size when that is bigger: a reply to
   * a forged sender address sends its victim little more than the forger sent (the text is
   * cut, ending in "…"). */
  errorReplyBytes: 256,
  /** Bytes of an error reply, never more, however big the request. */
  errorReplyMaxBytes: 1024,
});
