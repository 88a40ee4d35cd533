/**
 * A process of feed subscribers for bench/feed.ts (forked with IPC): opens
 * graphql-ws subscriptions of `offerFeed` through the gateway (or to the
 * protocol floor, which answers them as the gateway would), or raw
 * WebSockets to the raw floor, and records when each message arrives
 * (CLOCK_MONOTONIC, the same in every process of the machine). Commands
 * come from the parent:
 *   { kind: "graphql", url, apiKey, marketplaces: string[] }: one subscriber per entry
 *   { kind: "raw", url, count }
 *   { kind: "collect" }: sends back and clears the arrival times
 *   { kind: "close" }
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

const now = () => Number(process.hrtime.bigint()) / 1e6;
let arrivals: number[] = [];
const distinct = process.env.BENCH_FEED_SHARED === "0";
let named = 0;
let sample: string | undefined;
const closers: (() => void)[] = [];
const send = (m: unknown) => process.send!(m);

/** Runs `open` for every item, at most `width` at a time (a burst of thousands of connects overflows the listen backlog). */
async function inBatches<T>(items: T[], width: number, open: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(open));
}

async function graphql(url: string, apiKey: string, marketplaces: string[]) {
  let opened = 0;
  let failed = 0;
  let silent = 0;
  await inBatches(
    marketplaces,
    100,
    (marketplaceId) =>
        new Promise<void>((resolve) => {
          const client: Client = createClient({
            url: url.replace(/^http/, "ws"),
            webSocketImpl: WebSocket,
            retryAttempts: 0,
            lazy: true,
            connectionParams: { authorization: `Bearer ${apiKey}` },
            on: {
              connected: () => {
                opened++;
                resolve();
              },
              closed: () => resolve(),
              error: () => resolve(),
            },
          });
          client.subscribe(
            {
              // Named apart when asked (BENCH_FEED_SHARED=0), so that no two subscriptions share one at the gateway.
              query: `subscription${distinct ? ` S${process.pid}_${++named}` : ""}($m: ID!) { offerFeed(marketplaceId: $m, after: null) { cursor type offerId available quantity price occurredAt } }`,
              variables: { m: marketplaceId },
            },
            {
              next: (r) => {
                arrivals.push(now());
                if (r.errors) failed++;
                // The text of one event as the socket carries it, for the floor to send.
                sample ??= JSON.stringify({ id: "00000000-0000-4000-8000-000000000000", type: "next", payload: r });
              },
              error: (e) => {
                failed++;
                if (failed <= 3) process.stderr.write(`subscription error: ${JSON.stringify(e)}\n`);
              },
              // offerFeed never completes on its own: an end without an error is a subscription lost unseen.
              complete: () => void silent++,
            },
          );
          closers.push(() => void client.dispose());
        }),
  );
  // Subscribers of the gateway and of the protocol floor may share this process: count both.
  const before = ended;
  ended = () => before() + silent;
  return { opened, failed };
}

/** Subscriptions that ended with no error (read when the arrivals are collected). */
let ended = () => 0;

async function raw(url: string, count: number) {
  let opened = 0;
  await inBatches(
    Array.from({ length: count }, (_, i) => i),
    100,
    () =>
        new Promise<void>((resolve) => {
          const ws = new WebSocket(url);
          ws.on("open", () => {
            opened++;
            resolve();
          });
          ws.on("message", () => arrivals.push(now()));
          ws.on("error", () => resolve());
          closers.push(() => ws.terminate());
        }),
  );
  return { opened, failed: 0 };
}

process.on("message", async (m: any) => {
  try {
    if (m.kind === "graphql") send({ kind: "ready", ...(await graphql(m.url, m.apiKey, m.marketplaces)) });
    else if (m.kind === "raw") send({ kind: "ready", ...(await raw(m.url, m.count)) });
    else if (m.kind === "collect") {
      send({ kind: "arrivals", arrivals, sample, ended: ended() });
      arrivals = [];
    } else if (m.kind === "close") {
      for (const close of closers.splice(0)) close();
      send({ kind: "closed" });
    }
  } catch (error) {
    send({ kind: "error", message: String(error) });
  }
});

// The bench that forked this process is gone (stopped, or crashed): its sockets would keep this one alive.
process.on("disconnect", () => process.exit(0));
