/**
 * `npm run bench`: every workload in turn (the offer graph and the database
 * round trips share one seeded data set), each section of docs/benchmarks.md
 * and docs/dev/benchmarks-notes.md rewritten as it finishes.
 */
import { dbReport, runDb } from "./db";
import { feedReport, runFeed } from "./feed";
import { graphReport, runGraph, seedGraph } from "./graph";
import { startDatabase } from "./lib/db";
import { runScript, stopAll } from "./lib/proc";
import { writeSection } from "./lib/report";
import { mutationsReport, runMutations } from "./mutations";

runScript(async () => {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const db = await startDatabase();
  const world = await seedGraph(db);
  writeSection("graph", graphReport(await runGraph(db, world), world, "npm run bench"));
  process.stdout.write(`[${elapsed()}] graph done\n`);
  writeSection("db", dbReport(await runDb(db, world), world, "npm run bench"));
  process.stdout.write(`[${elapsed()}] db done\n`);
  await stopAll();
  writeSection("mutations", mutationsReport(await runMutations(), "npm run bench"));
  process.stdout.write(`[${elapsed()}] mutations done\n`);
  writeSection("feed", feedReport(await runFeed(), "npm run bench"));
  process.stdout.write(`[${elapsed()}] all done\n`);
});
