import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import Redis from "ioredis";
import { logger } from "./logger";
import { REDIS_DISCONNECT_TIMEOUT_MS, redisGate, withinBudget, withTimeout } from "./redis-options";

/**
 * The doorbell: "marketplace M has new feed events". It carries no events
 * (those are read from the durable log), so a lost ring costs latency, never
 * an event. `origin` names who rang, so that a listener can skip the rings
 * it caused itself (the feed hub of the process that appended the events has
 * been handed them already).
 */
export interface EventBus {
  ring(marketplaceId: string, origin?: string): void;
  onRing(listener: (marketplaceId: string, origin: string | undefined) => void): () => void;
  /**
   * "The API keys of this account changed": every gateway drops what it
   * cached for the account. Resolves once the message is sent (delivered,
   * for the local bus).
   */
  revokeKeys(principalId: string): Promise<void>;
  onRevokeKeys(listener: (principalId: string) => void): () => void;
  /**
   * A number that changes whenever the account's keys are revoked, read from
   * the shared store: a cache that saw another number must look again. This
   * makes a rotation hold on every replica the moment `revokeKeys` resolves,
   * without waiting for the message to arrive.
   */
  revocationGeneration(principalId: string): Promise<string>;
  /**
   * Revocations may have been missed (the connection to Redis was lost and is
   * back): every listener should treat every account's keys as changed.
   */
  onRevocationsMissed(listener: () => void): () => void;
  /**
   * "These offers were just written, as they are now" (live screens,
   * `offerUpdates`): carries the offers themselves, as JSON-safe objects
   * (dates arrive as strings from other processes). Best effort: a lost
   * message is a screen that shows a change late, never a lost feed event.
   */
  announceOffers(offers: readonly object[]): void;
  onOffers(listener: (offers: readonly Record<string, unknown>[]) => void): () => void;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** One process: an in-memory emitter. */
export function createLocalBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const generations = new Map<string, number>();
  return {
    ring: (id, origin) => void emitter.emit("ring", id, origin),
    onRing: (listener) => {
      emitter.on("ring", listener);
      return () => emitter.off("ring", listener);
    },
    revokeKeys: async (id) => {
      generations.set(id, (generations.get(id) ?? 0) + 1);
      emitter.emit("revoke", id);
    },
    onRevokeKeys: (listener) => {
      emitter.on("revoke", listener);
      return () => emitter.off("revoke", listener);
    },
    revocationGeneration: async (id) => String(generations.get(id) ?? 0),
    announceOffers: (offers) => void emitter.emit("offers", offers),
    onOffers: (listener) => {
      emitter.on("offers", listener);
      return () => emitter.off("offers", listener);
    },
    onRevocationsMissed: (listener) => {
      emitter.on("missed", listener);
      return () => emitter.off("missed", listener);
    },
    ping: async () => true,
    close: async () => void emitter.removeAllListeners(),
  };
}

const CHANNEL = "offergate:feed";
const REVOCATIONS = "offergate:key-revocations";
const OFFERS = "offergate:offers";
const generationKey = (principalId: string) => `offergate:key-generation:${principalId}`;
/** Longer than any gateway caches a key, so a generation never expires under a cached entry. */
const GENERATION_TTL_MS = 10 * 60_000;
/** Marks a generation read from this process's own count, Redis being unreachable (see `isLocalGeneration`). */
const LOCAL_GENERATION = "local:";

/** A generation this process counted itself, because Redis could not be read: it says nothing of other replicas' revocations. */
export const isLocalGeneration = (generation: string): boolean => generation.startsWith(LOCAL_GENERATION);

/** A ring on the Redis channel: the marketplace id, after its origin and a tab when it has one. */
const ringMessage = (id: string, origin?: string) => (origin ? `${origin}\t${id}` : id);
const parseRing = (message: string): [id: string, origin: string | undefined] => {
  const tab = message.indexOf("\t");
  return tab < 0 ? [message, undefined] : [message.slice(tab + 1), message.slice(0, tab)];
};

/** Across replicas: Redis pub/sub, one channel, a ring per marketplace id. */
export async function createRedisBus(url: string): Promise<EventBus> {
  // Every command has a short timeout, and none waits in ioredis's queue while it reconnects (`gate`):
  // a request never waits on an unreachable Redis; what Redis cannot answer falls back to this process's own count.
  const pub = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
  });
  // Its only commands are the SUBSCRIBEs at start and on reconnection, off any request's path.
  const sub = new Redis(url, { lazyConnect: true, commandTimeout: 5_000, disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS });
  for (const client of [pub, sub]) client.on("error", (error) => logger.warn("redis error", { error: error.message }));
  await Promise.all([pub.connect(), sub.connect()]);
  await sub.subscribe(CHANNEL, REVOCATIONS, OFFERS);
  const gate = redisGate(url, pub);
  const local = createLocalBus();
  // Offers announced here reach this process's listeners at once; its own echo from Redis is skipped.
  const origin = randomUUID();
  let offerListeners = 0;
  sub.on("message", (channel: string, message: string) => {
    if (channel === REVOCATIONS) void local.revokeKeys(message);
    else if (channel === OFFERS) {
      const [offers, from] = parseRing(message);
      if (from === origin || offerListeners === 0) return; // no screen here: not even parsed
      try {
        local.announceOffers(JSON.parse(offers) as Record<string, unknown>[]);
      } catch (error) {
        logger.warn("unreadable offers message on the bus", { error: String(error) });
      }
    } else local.ring(...parseRing(message));
  });
  // Back after a loss (ioredis subscribes again by itself): the revocations sent meanwhile were not heard.
  const missed = new Set<() => void>();
  let lost = false;
  sub.on("close", () => void (lost = true));
  sub.on("ready", () => {
    if (!lost) return;
    lost = false;
    for (const listener of missed) listener();
  });
  /** Runs `command` when Redis is usable; throws at once otherwise, or when it fails (and Redis is then left alone for a while). */
  const ask = async <T>(command: () => Promise<T>): Promise<T> => {
    if (!gate.usable()) throw new Error("redis unavailable");
    try {
      return await withTimeout(command());
    } catch (error) {
      gate.failed();
      throw error;
    }
  };
  return {
    ring: (id, origin) => {
      ask(() => pub.publish(CHANNEL, ringMessage(id, origin))).catch((error: Error) => logger.warn("redis publish failed", { error: error.message }));
    },
    onRing: local.onRing,
    // This process's own listeners hear it at once, Redis or not; the others when Redis delivers it.
    revokeKeys: async (id) => {
      await local.revokeKeys(id);
      await ask(() => pub.multi().incr(generationKey(id)).pexpire(generationKey(id), GENERATION_TTL_MS).exec());
      await ask(() => pub.publish(REVOCATIONS, id));
    },
    onRevokeKeys: local.onRevokeKeys,
    announceOffers: (offers) => {
      if (offers.length === 0) return;
      local.announceOffers(offers);
      pub.publish(OFFERS, ringMessage(JSON.stringify(offers), origin)).catch((error: Error) => logger.warn("redis publish failed", { error: error.message }));
    },
    onOffers: (listener) => {
      offerListeners++;
      const off = local.onOffers(listener);
      let on = true;
      return () => {
        if (on) offerListeners--;
        on = false;
        off();
      };
    },
    // Redis unreachable: this process's own count, marked as such, which a cache trusts only briefly (./gateway/authenticate.ts).
    // So is a reply later than the request's budget: the GET runs on to its timeout, but the request does not wait for it.
    revocationGeneration: async (id) => {
      try {
        const command = ask(() => pub.get(generationKey(id)));
        const answer = await withinBudget(command);
        if (answer) return answer.value ?? "0";
        gate.late(command);
      } catch {
        // Redis failed: this process's own count below.
      }
      return `${LOCAL_GENERATION}${await local.revocationGeneration(id)}`;
    },
    onRevocationsMissed: (listener) => {
      missed.add(listener);
      return () => void missed.delete(listener);
    },
    ping: async () => {
      if (!gate.reachable()) return false;
      try {
        return (await withTimeout(pub.ping())) === "PONG";
      } catch {
        return false;
      }
    },
    close: async () => {
      await local.close();
      sub.disconnect();
      pub.disconnect();
    },
  };
}
