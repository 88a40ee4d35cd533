/**
 * The walls between the parts of offergate, checked by test/unit/architecture.test.ts
 * (and by `npx depcruise src web clients/typescript/src`).
 * Subgraphs meet only through entities; the gateway reaches them only over the wire;
 * shared code knows nobody above it; and no module imports itself through others.
 */
const SUBGRAPH = "^src/(accounts|catalog|exchange)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A circle of imports makes load order matter and hides which module owns what.",
      from: {},
      to: { circular: true },
    },
    {
      name: "subgraph-to-other-subgraph",
      severity: "error",
      comment: "Subgraphs meet only through federation entities, never through each other's code.",
      from: { path: SUBGRAPH },
      to: { path: SUBGRAPH, pathNot: "^src/$1/" },
    },
    {
      name: "gateway-to-subgraph",
      severity: "error",
      comment:
        "The gateway reaches subgraphs only over the wire, directly or through any module it imports; " +
        "only the embedded mode (src/app.ts, src/main.ts) wires them in process.",
      from: { path: "^src/gateway/" },
      to: { path: [SUBGRAPH, "^src/(app|main)\\.ts$"], reachable: true },
    },
    {
      name: "subgraph-to-gateway",
      severity: "error",
      comment: "A subgraph serves any gateway over the wire and knows none of its code.",
      from: { path: SUBGRAPH },
      to: { path: ["^src/gateway/", "^src/(app|main)\\.ts$"] },
    },
    {
      name: "shared-to-above",
      severity: "error",
      comment: "src/shared/ is under everything: it knows no subgraph, no gateway, no embedded mode, no tool.",
      from: { path: "^src/shared/" },
      to: { path: [SUBGRAPH, "^src/gateway/", "^src/tools/", "^src/(app|main)\\.ts$"] },
    },
    {
      name: "offer-reconciler-only-through-propagation",
      severity: "error",
      comment: "The reconciler (facts loaded, compare-and-set writes) is driven by OfferPropagation alone; other services go through it.",
      from: { path: "^src/", pathNot: ["^src/exchange/offer/offer\\.propagation\\.ts$", "^src/exchange/index\\.ts$"] },
      to: { path: "^src/exchange/offer/offer\\.reconciler\\.ts$" },
    },
    {
      name: "offer-transition-without-io",
      severity: "error",
      comment: "An offer's transition reads no database and no trace: its facts, the time and the trace context come in as arguments.",
      from: { path: "^src/exchange/offer/offer\\.transition\\.ts$" },
      to: { path: ["\\.repository\\.ts$", "^src/shared/(tracing|mongo|logger|bus)\\.ts$"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that does not resolve would hide an edge from the rules above.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports are edges too: a circle through types is still a circle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      // Type-only packages name their entry in `typings`.
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
