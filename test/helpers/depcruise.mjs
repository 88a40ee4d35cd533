// dependency-cruiser is ESM only and jest's module VM cannot import ESM, so the
// architecture test runs it here, in a plain node process, and reads the JSON it prints.
// Usage: node depcruise.mjs <config> <tsconfig> <baseDir> <path>...
import { cruise } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

const [config, tsconfig, baseDir, ...paths] = process.argv.slice(2);
const options = await extractDepcruiseOptions(config);
const result = await cruise(paths, { ...options, baseDir }, {}, { tsConfig: extractTSConfig(tsconfig) });
const { summary, modules } = result.output;
process.stdout.write(
  JSON.stringify({
    modules: modules.map((m) => m.source),
    violations: summary.violations.map((v) => ({
      rule: v.rule.name,
      from: v.from,
      to: v.to,
      cycle: v.cycle?.map((step) => step.name),
      via: v.via?.map((step) => step.name),
    })),
  }),
);
