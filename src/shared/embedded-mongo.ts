import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { logger } from "./logger";

/** A MongoDB-wire server that lives exactly as long as this process. */
export interface EmbeddedMongo {
  uri: string;
  /** The server's process id (jongodb; undefined for a mongod run by mongodb-memory-server). */
  pid?: number;
  engine: "mongod" | "jongodb";
  stop(): Promise<void>;
}

function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Prefers a real `mongod` found on the machine (through mongodb-memory-server,
 * never downloading), and otherwise runs the jongodb binary that npm installs.
 */
export async function startEmbeddedMongo(): Promise<EmbeddedMongo> {
  const mongod = process.env.MONGOMS_SYSTEM_BINARY ?? findOnPath("mongod");
  if (mongod) {
    const { MongoMemoryServer } = await import("mongodb-memory-server-core");
    const server = await MongoMemoryServer.create({ binary: { systemBinary: mongod } });
    return {
      uri: server.getUri("offergate"),
      engine: "mongod",
      stop: async () => {
        await server.stop();
      },
    };
  }
  return startJongodb();
}

export function jongodbBinary(): string {
  return require.resolve("@jongodb/memory-server-bin-linux-x64-gnu/bin/jongodb");
}

/**
 * The command that runs `binary` so that it dies with this process, even on a
 * SIGKILL that leaves no chance to stop it: `setpriv --pdeathsig KILL` asks
 * the kernel (prctl PR_SET_PDEATHSIG) to kill it when its parent goes, and a
 * shell then checks that the parent is still this process before it becomes
 * the binary (a parent that died before the prctl would never send it).
 * Without setpriv (util-linux), the binary as it is.
 */
export function diesWithParent(binary: string, args: string[]): [string, string[]] {
  const setpriv = findOnPath("setpriv");
  if (!setpriv) {
    logger.warn("setpriv not found: the embedded database may outlive a killed process");
    return [binary, args];
  }
  const guard = 'if [ "$PPID" != "$1" ]; then exit 70; fi; shift; exec "$@"';
  return [setpriv, ["--pdeathsig", "KILL", "--", "/bin/sh", "-c", guard, "parent-guard", String(process.pid), binary, ...args]];
}

/** Starts jongodb on a free loopback port and resolves once it prints its URI; it dies with this process. */
export async function startJongodb(port = 0): Promise<EmbeddedMongo> {
  const [command, args] = diesWithParent(jongodbBinary(), ["--host=127.0.0.1", `--port=${port}`]);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  const uri = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error("embedded MongoDB server did not start within 15s")), 15_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`embedded MongoDB server exited early (code ${code}): ${out}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /JONGODB_URI=(mongodb:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        child.removeAllListeners("error");
        resolve(match[1]!.replace(/\/[^/]*$/, "/offergate"));
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  logger.debug("embedded MongoDB server started", { uri, pid: child.pid });
  return { uri, engine: "jongodb", pid: child.pid, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
