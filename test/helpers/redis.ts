import { spawnSync } from "node:child_process";

/** Where the tests that need a real Redis find it. */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * True when a Redis answers PING at REDIS_URL within two seconds. Synchronous
 * (a child process), so that a test file can choose `describe` or
 * `describe.skip` when it is loaded.
 */
export function redisAnswers(url = REDIS_URL): boolean {
  const script = `
    const { hostname, port } = new URL(process.argv[1]);
    const socket = require("node:net").connect(Number(port || 6379), hostname || "127.0.0.1");
    socket.setTimeout(2000, () => process.exit(1));
    socket.on("error", () => process.exit(1));
    socket.on("connect", () => socket.write("PING\\r\\n"));
    socket.on("data", (d) => process.exit(String(d).startsWith("+PONG") || String(d).startsWith("-NOAUTH") ? 0 : 1));`;
  return spawnSync(process.execPath, ["-e", script, url], { timeout: 5_000 }).status === 0;
}

/**
 * `describe` when Redis answers; otherwise `describe.skip` with a message,
 * except under CI=true, where a missing Redis must fail the run, not hide it.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisAnswers()) return describe(name, body);
  if (process.env.CI === "true") {
    return describe(name, () => {
      it("needs a Redis", () => {
        throw new Error(`No Redis answers at ${REDIS_URL}, and CI=true: start one (redis-server) or set REDIS_URL`);
      });
    });
  }
  process.stderr.write(`\n[skipped] "${name}": no Redis answers at ${REDIS_URL} (set REDIS_URL, or start redis-server)\n`);
  describe.skip(name, body);
}
