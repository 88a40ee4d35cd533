import { EventEmitter } from "node:events";
import Redis from "ioredis";
import { logger } from "./logger";

/**
 * The doorbell: "marketplace M has new feed events". It carries no events
 * (those are read from the durable log), so a lost ring costs latency, never
 * an event.
 */
export interface EventBus {
  ring(marketplaceId: string): void;
  onRing(listener: (marketplaceId: string) => void): () => void;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** One process: an in-memory emitter. */
export function createLocalBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    ring: (id) => void emitter.emit("ring", id),
    onRing: (listener) => {
      emitter.on("ring", listener);
      return () => emitter.off("ring", listener);
    },
    ping: async () => true,
    close: async () => void emitter.removeAllListeners(),
  };
}

const CHANNEL = "offergate:feed";

/** Across replicas: Redis pub/sub, one channel, a ring per marketplace id. */
export async function createRedisBus(url: string): Promise<EventBus> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const sub = new Redis(url, { lazyConnect: true });
  for (const client of [pub, sub]) client.on("error", (error) => logger.warn("redis error", { error: error.message }));
  await Promise.all([pub.connect(), sub.connect()]);
  await sub.subscribe(CHANNEL);
  const local = createLocalBus();
  sub.on("message", (_channel: string, id: string) => local.ring(id));
  return {
    ring: (id) => {
      pub.publish(CHANNEL, id).catch((error: Error) => logger.warn("redis publish failed", { error: error.message }));
    },
    onRing: local.onRing,
    ping: async () => {
      try {
        return (await pub.ping()) === "PONG";
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
