import Redis from "ioredis";
import { createRedisBus } from "../../src/shared/bus";
import { newId } from "../../src/shared/ids";
import { REDIS_URL, describeWithRedis } from "../helpers/redis";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis("the Redis bus", () => {
  it("carries each ring to every replica with the origin it was rung with, or none", async () => {
    const a = await createRedisBus(REDIS_URL);
    const b = await createRedisBus(REDIS_URL);
    try {
      const heard: { by: string; id: string; origin: string | undefined }[] = [];
      const m = newId("marketplace");
      for (const [by, bus] of [["a", a], ["b", b]] as const) {
        bus.onRing((id, origin) => {
          if (id === m) heard.push({ by, id, origin });
        });
      }
      a.ring(m, "hub-of-a");
      b.ring(m);
      const started = Date.now();
      while (heard.length < 4 && Date.now() - started < 5_000) await sleep(10);
      expect(heard).toHaveLength(4);
      expect(heard.filter((h) => h.origin === "hub-of-a").map((h) => h.by).sort()).toEqual(["a", "b"]);
      expect(heard.filter((h) => h.origin === undefined).map((h) => h.by).sort()).toEqual(["a", "b"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("skips an unreadable message on its channels and goes on; a listener that leaves does not silence the others", async () => {
    const a = await createRedisBus(REDIS_URL);
    const b = await createRedisBus(REDIS_URL);
    const stranger = new Redis(REDIS_URL);
    try {
      const marker = newId("offer");
      const heard: string[] = [];
      const leaving = b.onOffers(() => undefined);
      b.onOffers((offers) => offers.forEach((o) => o.id === marker && heard.push(String(o.n))));
      leaving();
      await stranger.publish("offergate:offers", "not json");
      a.announceOffers([{ id: marker, n: 1 }]);
      const started = Date.now();
      while (heard.length < 1 && Date.now() - started < 5_000) await sleep(10);
      expect(heard).toEqual(["1"]);
    } finally {
      stranger.disconnect();
      await a.close();
      await b.close();
    }
  });
});
