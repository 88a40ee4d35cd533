import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Database } from "./db";
import { BUILD, script, startNode, type Child } from "./proc";

/** One secret and admin key for every process of a bench run. */
export const SECRETS = {
  INTERNAL_SECRET: randomBytes(32).toString("base64url"),
  ADMIN_API_KEY: `og_admin_bench_${randomBytes(18).toString("base64url")}`,
};

/**
 * The environment of every process under test: production mode, quiet logs,
 * no background feed sweeps while measuring, and a rate limit high enough
 * that the bench's one client address is never throttled.
 */
export function targetEnv(db: Database, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "production",
    LOG_LEVEL: "error",
    HOST: "127.0.0.1",
    PORT: "0",
    MONGODB_URI: db.uri,
    FEED_SWEEP_INTERVAL_MS: "3600000",
    // The layout npm start gives the embedded database, which the bench runs on (the MONGODB_URI default is one collection).
    FEED_PARTITIONS: "16",
    RATE_LIMIT_PER_MINUTE: "1000000000",
    // The bench's thousands of subscribers all come from this machine.
    MAX_SOCKETS_PER_ADDRESS: "1000000",
    MAX_SUBSCRIPTIONS_PER_KEY: "1000000",
    ...SECRETS,
    ...extra,
  };
}

export interface Target {
  name: string;
  url: string;
  /** The processes whose CPU time counts, by name; `gateway` is the one that serves clients. */
  pids: Record<string, number>;
  children: Child[];
  stop(): Promise<void>;
}

/** Starts `bench/targets/<file>.js` and waits for its `READY <url>`. */
export async function startTarget(name: string, file: string, env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): Promise<Target> {
  const child = startNode(name, script(`bench/targets/${file}.js`), env, args, nodeArgs);
  const url = (await child.waitFor(/^READY (\S+)$/m, 120_000))[1]!;
  return { name, url, pids: { gateway: child.pid }, children: [child], stop: () => child.stop() };
}

/** Starts a compiled src/ entry point (`npm run start:*`) and waits for it to say where it listens. */
export async function startPart(name: string, file: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<{ child: Child; url: string }> {
  // The compiled bench lives in dist/bench, so the gateway's default (beside dist/) would miss the committed supergraph.
  const supergraph: Record<string, string> = file === "gateway/server" && !env.SUPERGRAPH_PATH && !env.SUBGRAPH_URLS ? { SUPERGRAPH_PATH: join(BUILD, "..", "..", "schema", "supergraph.graphql") } : {};
  const child = startNode(name, script(`src/${file}.js`), { ...env, ...supergraph }, [], nodeArgs);
  const url = (await child.waitFor(/listening on (\S+)/, 120_000))[1]!;
  return { child, url };
}
