/**
 * `npm run bench`: every workload in turn (the offer graph and the database
 * round trips share one seeded data set), each section of
 * docs/benchmarks.md rewritten as it finishes.
 */
import { dbReport, runDb } from "./db";
import { feedReport, runFeed } from "./feed";
import { graphReport, runGraph, seedGraph } from "./graph";
import { startDatabase } from "./lib/db";
import { stopAll } from "./lib/proc";
import { writeSection } from "./lib/report";
import { SECRETS, startTarget, targetEnv } from "./lib/targets";
import { Admin } from "./lib/world";
import { mutationsReport, runMutations } from "./mutations";

async function main() {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const db = await startDatabase();
  const seeder = await startTarget("seeder", "offergate", targetEnv(db));
  const world = await seedGraph(new Admin(seeder.url, SECRETS.ADMIN_API_KEY), db);
  await seeder.stop();
  writeSection("graph", graphReport(await runGraph(db, world), world, "npm run bench"));
  process.stdout.write(`[${elapsed()}] graph done\n`);
  writeSection("db", dbReport(await runDb(db, world), world, "npm run bench"));
  process.stdout.write(`[${elapsed()}] db done\n`);
  await stopAll();
  writeSection("mutations", mutationsReport(await runMutations(), "npm run bench"));
  process.stdout.write(`[${elapsed()}] mutations done\n`);
  writeSection("feed", feedReport(await runFeed(), "npm run bench"));
  process.stdout.write(`[${elapsed()}] all done\n`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
