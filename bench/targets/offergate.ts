/**
 * offergate in its embedded mode, started as `npm start` starts it (the
 * subgraphs and the gateway in one process), on the bench's database.
 * `--transport=http` and `--planner=javascript` select the alternatives the
 * bench compares the defaults with.
 */
import "reflect-metadata";
import { startOffergate, type StartOptions } from "../../src/app";
import { runTarget, targetConfig } from "./common";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];

runTarget(async () => {
  const app = await startOffergate(targetConfig(), {
    subgraphTransport: arg("transport") as StartOptions["subgraphTransport"],
    queryPlanner: arg("planner") as StartOptions["queryPlanner"],
  });
  return app.url;
});
