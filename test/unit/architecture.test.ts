import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

interface Violation {
  rule: string;
  from: string;
  to: string;
  cycle?: string[];
  via?: string[];
}

/** The project's rules (.dependency-cruiser.cjs) applied by dependency-cruiser to `paths` under `baseDir`. */
function cruise(baseDir: string, paths: string[]): { modules: string[]; violations: Violation[] } {
  const out = execFileSync(
    process.execPath,
    [join(ROOT, "test/helpers/depcruise.mjs"), join(ROOT, ".dependency-cruiser.cjs"), join(ROOT, "tsconfig.json"), baseDir, ...paths],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(out);
}

/** One line per violation, with the path that makes it (the circle, or the modules between). */
const describeViolation = ({ rule, from, to, cycle, via }: Violation) =>
  `${rule}: ${from} -> ${(cycle ?? via ?? [to]).join(" -> ")}`;

describe("the walls between subgraphs, gateway and shared code", () => {
  it("hold across src/, web/ and the typed client, with no circular import", () => {
    const { modules, violations } = cruise(ROOT, ["src", "web", "clients/typescript/src"]);
    // The cruise reads the real tree: the gateway's lazily imported modules, the subgraphs, the web pages.
    expect(modules).toEqual(
      expect.arrayContaining([
        "src/gateway/server.ts",
        "src/gateway/gateway.ts",
        "src/exchange/schema.ts",
        "src/shared/config.ts",
        "src/app.ts",
        "web/ide/main.tsx",
        "clients/typescript/src/index.ts",
      ]),
    );
    expect(violations.map(describeViolation)).toEqual([]);
  });

  describe("on a tree that breaks each of them", () => {
    let dir: string;
    const files: Record<string, string> = {
      // The gateway reaches a subgraph through a lazy import and a shared module.
      "src/gateway/server.ts": 'export const load = () => import("./helper.js");',
      "src/gateway/helper.ts": 'import { c } from "../shared/util.js";\nexport const h = c;',
      "src/shared/util.ts": 'import { e } from "../exchange/thing.js";\nexport const c = e;',
      // Two subgraphs import each other (a circle too), one of them through a type.
      "src/exchange/thing.ts": 'import { p } from "../catalog/product.js";\nexport const e = p;',
      "src/catalog/product.ts": 'import type { e } from "../exchange/thing.js";\nexport const p = 1;\nexport type E = typeof e;',
      // A subgraph imports the gateway; its own modules it may import.
      "src/accounts/seller.ts": 'import { h } from "../gateway/helper.js";\nimport { a } from "./account.js";\nexport const s = h + a;',
      "src/accounts/account.ts": "export const a = 1;",
      // The embedded mode may wire everything.
      "src/app.ts": 'import { e } from "./exchange/thing.js";\nimport { s } from "./accounts/seller.js";\nexport const app = [e, s];',
    };

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "walls-"));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("names every broken wall, and nothing else", () => {
      expect(cruise(dir, ["src"]).violations.map(describeViolation).sort()).toEqual([
        "gateway-to-subgraph: src/gateway/helper.ts -> src/shared/util.ts -> src/exchange/thing.ts",
        "gateway-to-subgraph: src/gateway/helper.ts -> src/shared/util.ts -> src/exchange/thing.ts -> src/catalog/product.ts",
        "gateway-to-subgraph: src/gateway/server.ts -> src/gateway/helper.ts -> src/shared/util.ts -> src/exchange/thing.ts",
        "gateway-to-subgraph: src/gateway/server.ts -> src/gateway/helper.ts -> src/shared/util.ts -> src/exchange/thing.ts -> src/catalog/product.ts",
        "no-circular: src/catalog/product.ts -> src/exchange/thing.ts -> src/catalog/product.ts",
        "shared-to-above: src/shared/util.ts -> src/exchange/thing.ts",
        "subgraph-to-gateway: src/accounts/seller.ts -> src/gateway/helper.ts",
        "subgraph-to-other-subgraph: src/catalog/product.ts -> src/exchange/thing.ts",
        "subgraph-to-other-subgraph: src/exchange/thing.ts -> src/catalog/product.ts",
      ]);
    });
  });
});
