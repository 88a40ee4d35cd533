import { jongodbBinary } from "../../src/shared/embedded-mongo";
import { startProcess, type Child } from "./proc";

export interface Database {
  uri: string;
  process: Child;
}

/**
 * The same embedded MongoDB-wire server that `npm start` runs (jongodb), but
 * started here so that every target of a comparison reads the same data and
 * its CPU time can be counted.
 */
export async function startDatabase(): Promise<Database> {
  const child = startProcess("jongodb", jongodbBinary(), ["--host=127.0.0.1", "--port=0"]);
  const match = await child.waitFor(/JONGODB_URI=(mongodb:\/\/\S+)/, 20_000);
  return { uri: match[1]!.replace(/\/[^/]*$/, "/offergate"), process: child };
}
