import { withinBudget } from "../../src/shared/redis-options";

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failingAfter = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error("boom")), ms));

describe("a request's budget for one Redis command", () => {
  it("gives the answer that comes in time, null included", async () => {
    expect(await withinBudget(after(1, "7"), 200)).toEqual({ value: "7" });
    expect(await withinBudget(after(1, null), 200)).toEqual({ value: null });
  });

  it("goes on without a late answer, at the budget, not at the answer", async () => {
    const started = performance.now();
    expect(await withinBudget(after(1_000, "7"), 30)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(900);
  });

  it("passes on a failure that comes in time, and ignores one that comes late", async () => {
    await expect(withinBudget(failingAfter(1), 200)).rejects.toThrow("boom");
    const unhandled = jest.fn();
    process.on("unhandledRejection", unhandled);
    try {
      expect(await withinBudget(failingAfter(60), 10)).toBeUndefined();
      await after(120, undefined);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });
});
