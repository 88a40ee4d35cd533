import { decodeCursor, encodeCursor, parsePage, toConnection } from "../../src/shared/pagination";

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return "no error";
};

describe("parsePage", () => {
  it("defaults first to 20 and starts from the beginning", () => {
    expect(parsePage({})).toEqual({ first: 20, afterKey: undefined });
    expect(parsePage({ first: null, after: null })).toEqual({ first: 20, afterKey: undefined });
    expect(parsePage({ after: "" })).toEqual({ first: 20, afterKey: undefined });
  });

  it("accepts 0 to the maximum", () => {
    expect(parsePage({ first: 0 }).first).toBe(0);
    expect(parsePage({ first: 100 }).first).toBe(100);
    expect(parsePage({ first: 1000 }, 1000).first).toBe(1000);
  });

  it.each([-1, 101, 1.5, Number.NaN])("rejects first = %p as BAD_USER_INPUT", (first) => {
    expect(codeOf(() => parsePage({ first }))).toBe("BAD_USER_INPUT");
  });

  it("uses the given maximum and fallback", () => {
    expect(codeOf(() => parsePage({ first: 1001 }, 1000))).toBe("BAD_USER_INPUT");
    expect(parsePage({}, 1000, 100).first).toBe(100);
  });

  it("decodes the cursor into the key to continue after", () => {
    expect(parsePage({ first: 5, after: encodeCursor("sel_abc") })).toEqual({ first: 5, afterKey: "sel_abc" });
  });
});

describe("cursors", () => {
  it("round-trip any key", () => {
    for (const key of ["sel_0123456789abcdef01234567", "a", "ü/+=?", "42:off_x"]) {
      expect(decodeCursor(encodeCursor(key))).toBe(key);
    }
  });

  it.each(["!!!", "c2VsX2FiYw==", "c2VsX2FiYw=", " c2VsX2FiYw"])("rejects the invalid cursor %p as BAD_USER_INPUT", (cursor) => {
    expect(codeOf(() => decodeCursor(cursor))).toBe("BAD_USER_INPUT");
  });

  it("accepts the canonical form of the same key", () => {
    expect(decodeCursor("c2VsX2FiYw")).toBe("sel_abc");
  });
});

describe("toConnection", () => {
  const rows = ["a", "b", "c", "d"].map((id) => ({ id }));
  const keyOf = (r: { id: string }) => r.id;

  it("uses the extra row only to tell that there is a next page", () => {
    const c = toConnection(rows.slice(0, 3), { first: 2 }, keyOf, 4);
    expect(c.edges.map((e) => e.node.id)).toEqual(["a", "b"]);
    expect(c.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor("b") });
    expect(c.totalCount).toBe(4);
  });

  it("ends when there is no extra row", () => {
    const c = toConnection(rows.slice(2), { first: 2 }, keyOf, 4);
    expect(c.edges.map((e) => e.cursor)).toEqual([encodeCursor("c"), encodeCursor("d")]);
    expect(c.pageInfo.hasNextPage).toBe(false);
  });

  it("has a null end cursor for an empty page", () => {
    expect(toConnection([], { first: 20 }, keyOf, 0).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    expect(toConnection(rows.slice(0, 1), { first: 0 }, keyOf, 4).pageInfo).toEqual({ hasNextPage: true, endCursor: null });
  });

  it("walking page by page visits each row once, in order", () => {
    const all = Array.from({ length: 23 }, (_, i) => ({ id: `k${String(i).padStart(3, "0")}` }));
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const page = parsePage({ first: 5, after });
      const from = page.afterKey ? all.findIndex((r) => r.id > page.afterKey!) : 0;
      const c = toConnection(from < 0 ? [] : all.slice(from, from + page.first + 1), page, keyOf, all.length);
      seen.push(...c.edges.map((e) => e.node.id));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((r) => r.id));
  });
});
