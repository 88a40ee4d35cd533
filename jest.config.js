/**
 * Jest runs the TypeScript sources through swc. type-graphql reads the types of
 * decorated properties and parameters from `design:*` metadata, so swc must
 * emit legacy decorators with metadata, and class fields must not be defined
 * with [[Define]] semantics (that would overwrite the decorated properties).
 * `npm test` type-checks with tsc before jest runs, so swc only strips types.
 *
 * Jest runs modules in a VM context where `import()` needs
 * --experimental-vm-modules. The Rust query planner's runtime loads its native
 * planner with `await import(...)` from CommonJS, so that one file goes through
 * swc too, which turns the dynamic import into a `require`; so does the OTLP
 * exporter, which loads `http` that way (test/e2e/tracing.test.ts).
 *
 * jose is published as ES modules only: Node's own `require` loads them, Jest's
 * does not, so swc turns them into CommonJS for the tests.
 */
const dynamicImportToRequire = ["@graphql-hive/router-runtime", "@opentelemetry/otlp-exporter-base"];
const esmOnly = ["jose"];
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test", "<rootDir>/clients/typescript/test"],
  // The typed client by its package name, from its sources (as the type-check resolves it).
  moduleNameMapper: { "^@offergate/client$": "<rootDir>/clients/typescript/src/index.ts" },
  testMatch: ["**/*.test.ts"],
  setupFiles: ["<rootDir>/test/helpers/setup.ts"],
  testTimeout: 30_000,
  moduleFileExtensions: ["ts", "js", "cjs", "json", "node"],
  // Judged by the innermost node_modules: the exporter's copy is nested under the package that needs it.
  transformIgnorePatterns: [`/node_modules/(?!.*/node_modules/)(?!(${[...dynamicImportToRequire, ...esmOnly].join("|")})/)`],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        sourceMaps: "inline",
        module: { type: "commonjs" },
        jsc: {
          target: "es2022",
          parser: { syntax: "typescript", decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          keepClassNames: true,
        },
      },
    ],
    [`/node_modules/(${dynamicImportToRequire.join("|")})/.+\\.c?js$`]: [
      "@swc/jest",
      {
        module: { type: "commonjs", ignoreDynamic: false },
        jsc: { target: "es2022", parser: { syntax: "ecmascript" } },
      },
    ],
    [`/node_modules/(${esmOnly.join("|")})/.+\\.js$`]: [
      "@swc/jest",
      {
        module: { type: "commonjs" },
        jsc: { target: "es2022", parser: { syntax: "ecmascript" } },
      },
    ],
  },
};
