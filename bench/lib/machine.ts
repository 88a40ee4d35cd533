import { execFileSync } from "node:child_process";
import { availableParallelism, cpus, totalmem } from "node:os";

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  commit: string;
}

const git = (...args: string[]): string => {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
};

/** What the figures were measured on: cores, CPU model, Node, and the commit (with `+dirty` for uncommitted changes). */
export function machine(): Machine {
  const dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "bench") !== "";
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit: `${git("rev-parse", "--short", "HEAD") || "unknown"}${dirty ? "+dirty" : ""}`,
  };
}

export const describeMachine = (m: Machine): string =>
  `${m.nproc} cores (nproc), ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, commit ${m.commit}`;
