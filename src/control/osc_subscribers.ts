/**
 * The OSC surface's subscribers: who gets status, for how long, and how many. A subscription
 * is an address (host and port) that asked for status with `/stemplay/subscribe`. Since UDP
 * senders can be spoofed, a subscription is bounded three ways (limits in osc_limits.ts):
 *
 * - per host and in all, so a flood of subscribes holds a fixed amount of memory;
 * - in packets: after `sendsPerRenewal` packets without a renewal (another subscribe from the
 *   same address) it ends, so a spoofed subscribe makes us send a victim a handful of packets,
 *   not a stream;
 * - in time: it ends `lifetimeMs` after the last renewal even when nothing was sent (paused).
 *
 * @module
 */

import { OSC_LIMITS } from "./osc_limits.ts";

/** One subscription. */
export interface Subscriber {
  readonly host: string;
  readonly port: number;
  /** When it ends unless renewed (ms, `performance.now()`). */
  expiresAt: number;
  /** Packets it may still be sent before it must renew. */
  sendsLeft: number;
  /** What was last sent to it, by address (the args as JSON), so only changes go out. */
  readonly sent: Map<string, string>;
}

/** What a subscribe did. */
export type Subscription =
  | { kind: "new"; subscriber: Subscriber }
  | { kind: "renewed"; subscriber: Subscriber }
  | { kind: "refused"; why: string };

/** The table of subscriptions, bounded. */
export class Subscribers {
  readonly #lifetimeMs: number;
  readonly #byAddress = new Map<string, Subscriber>();

  /** @param lifetimeMs how long a subscription lasts after its last renewal */
  constructor(lifetimeMs: number) {
    this.#lifetimeMs = lifetimeMs;
  }

  /** Subscriptions now (expired ones are dropped first). */
  count(now: number): number {
    this.expire(now);
    return this.#byAddress.size;
  }

  /** Subscribes (or renews) `host`:`port`, or says why not. */
  subscribe(host: string, port: number, now: number): Subscription {
    if (!Number.isInteger(port) || port < OSC_LIMITS.lowestPort || port > 65535) {
      return {
        kind: "refused",
        why: `port ${port} is not one status is sent to ` +
          `(${OSC_LIMITS.lowestPort} to 65535; give one with /stemplay/subscribe i PORT)`,
      };
    }
    const key = `${host}|${port}`;
    const existing = this.#byAddress.get(key);
    if (existing) {
      existing.expiresAt = now + this.#lifetimeMs;
      existing.sendsLeft = OSC_LIMITS.sendsPerRenewal;
      return { kind: "renewed", subscriber: existing };
    }
    this.expire(now);
    let fromHost = 0;
    for (const subscriber of this.#byAddress.values()) if (subscriber.host === host) fromHost++;
    if (fromHost >= OSC_LIMITS.subscribersPerHost) {
      return {
        kind: "refused",
        why: `${host} already has ${fromHost} subscriptions, the most one host may have ` +
          `(renew one of them instead: subscribe again from the same port)`,
      };
    }
    if (this.#byAddress.size >= OSC_LIMITS.subscribers) {
      return {
        kind: "refused",
        why: `${this.#byAddress.size} subscriptions already, the most there may be`,
      };
    }
    const subscriber: Subscriber = {
      host,
      port,
      expiresAt: now + this.#lifetimeMs,
      sendsLeft: OSC_LIMITS.sendsPerRenewal,
      sent: new Map(),
    };
    this.#byAddress.set(key, subscriber);
    return { kind: "new", subscriber };
  }

  /** Counts one packet sent to `subscriber`; the last one its renewal allows ends it. */
  spend(subscriber: Subscriber): void {
    subscriber.sendsLeft--;
    if (subscriber.sendsLeft <= 0) this.#byAddress.delete(`${subscriber.host}|${subscriber.port}`);
  }

  /** Drops the subscriptions whose time is over. */
  expire(now: number): void {
    for (const [key, subscriber] of this.#byAddress) {
      if (subscriber.expiresAt <= now) this.#byAddress.delete(key);
    }
  }

  /** The subscriptions, for sending to (a copy: sending may end some). */
  list(): Subscriber[] {
    return [...this.#byAddress.values()];
  }

  /** Ends every subscription. */
  clear(): void {
    this.#byAddress.clear();
  }
}
