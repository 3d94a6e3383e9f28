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
 * A reply subscription (`/stemplay/reply i PORT`: where the errors of a host's messages go, for
 * a sender whose own port is not listening, like oscsend's) is one more subscription of the
 * same table, under the same caps and the same renewal rule.
 *
 * @module
 */

import { OSC_LIMITS } from "./osc_limits.ts";

/** One subscription. */
export interface Subscriber {
  /** "status": gets the show's status; "reply": gets the errors of the host's messages. */
  readonly kind: SubscriberKind;
  readonly host: string;
  readonly port: number;
  /** When it ends unless renewed (ms, `performance.now()`). */
  expiresAt: number;
  /** Packets it may still be sent before it must renew. */
  sendsLeft: number;
  /** What was last sent to it, by address (the args as JSON), so only changes go out. */
  readonly sent: Map<string, string>;
}

/** What a subscription gets. */
export type SubscriberKind = "status" | "reply";

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

  /** Subscriptions now, of `kind` or all (expired ones are dropped first). */
  count(now: number, kind?: SubscriberKind): number {
    this.expire(now);
    if (!kind) return this.#byAddress.size;
    return this.list(kind).length;
  }

  /** Subscribes (or renews) `host`:`port`, or says why not. */
  subscribe(
    host: string,
    port: number,
    now: number,
    kind: SubscriberKind = "status",
  ): Subscription {
    if (!Number.isInteger(port) || port < OSC_LIMITS.lowestPort || port > 65535) {
      return {
        kind: "refused",
        why: `port ${port} is not one status is sent to ` +
          `(${OSC_LIMITS.lowestPort} to 65535; give one with /stemplay/subscribe i PORT)`,
      };
    }
    const key = `${kind}|${host}|${port}`;
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
      kind,
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
    if (subscriber.sendsLeft <= 0) {
      this.#byAddress.delete(`${subscriber.kind}|${subscriber.host}|${subscriber.port}`);
    }
  }

  /** Drops the subscriptions whose time is over. */
  expire(now: number): void {
    for (const [key, subscriber] of this.#byAddress) {
      if (subscriber.expiresAt <= now) this.#byAddress.delete(key);
    }
  }

  /** The subscriptions (of `kind`, or all), for sending to (a copy: sending may end some). */
  list(kind?: SubscriberKind): Subscriber[] {
    const all = [...this.#byAddress.values()];
    return kind ? all.filter((subscriber) => subscriber.kind === kind) : all;
  }

  /** Ends every subscription. */
  clear(): void {
    this.#byAddress.clear();
  }
}
