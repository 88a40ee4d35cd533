import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The compiled bench (dist/bench), whose `src/` is this same checkout's code. */
export const BUILD = join(__dirname, "..", "..");
export const script = (path: string): string => join(BUILD, path);

/** Clock ticks per second for /proc/<pid>/stat (100 on every Linux this runs on). */
const CLK_TCK = 100;

/** User + system CPU time a process has used so far, in milliseconds (0 once it is gone). */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Resident memory of a process, in bytes. */
export function rssBytes(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface Child {
  name: string;
  child: ChildProcess;
  pid: number;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

const running = new Set<Child>();

/** Runs `node <file> ...args` with the given environment added to this one's. */
export function startNode(name: string, file: string, env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): Child {
  return startProcess(name, process.execPath, [...nodeArgs, file, ...args], env);
}

/** Runs a program with the given environment added to this one's, keeping what it prints. */
export function startProcess(name: string, command: string, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  // BENCH_CHILD_LOG=<prefix>: also appends what each child prints to <prefix>-<name>.log, each chunk
  // after a line "@<CLOCK_MONOTONIC ms>" (a monotonic clock shared with traced processes), to be read after.
  const log = process.env.BENCH_CHILD_LOG ? `${process.env.BENCH_CHILD_LOG}-${name.replace(/\W/g, "_")}.log` : undefined;
  const keep = (d: Buffer) => {
    if (log) appendFileSync(log, `@${Number(process.hrtime.bigint() / 1000n) / 1000}\n${d.toString()}`);
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const handle: Child = {
    name,
    child,
    pid: child.pid!,
    output: () => out,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const tick = () => {
          const match = pattern.exec(out);
          if (match) return resolve(match);
          if (child.exitCode !== null || child.signalCode !== null) {
            return reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${out.slice(-4000)}`));
          }
          if (Date.now() - started > timeoutMs) return reject(new Error(`${name}: timed out waiting for ${pattern}:\n${out.slice(-4000)}`));
          setTimeout(tick, 20);
        };
        tick();
      }),
    stop: async () => {
      running.delete(handle);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      child.kill("SIGTERM");
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(handle);
  return handle;
}

/** Stops every child this process started (on the way out, also after a failure). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}

/** Runs a bench script's `main`: its failure is printed and sets the exit code, and every child is stopped either way. */
export function runScript(main: () => Promise<void>): void {
  main()
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(() => stopAll());
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}
