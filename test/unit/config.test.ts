import { ConfigError, loadConfig } from "../../src/shared/config";

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
};

const goodKey = "k".repeat(24);
const goodSecret = "s".repeat(32);

describe("loadConfig", () => {
  it("gives the documented defaults for an empty environment", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: "development",
      host: "127.0.0.1",
      corsOrigins: [],
      port: 4000,
      maxForwardDepth: 3,
      logLevel: "info",
      introspection: true,
      subgraphPorts: { accounts: 4001, catalog: 4002, exchange: 4003 },
      limits: { maxDepth: 15, maxAliases: 50, maxTokens: 10_000, maxBodyBytes: 1_048_576, maxBatch: 10, ratePerMinute: 1200 },
    });
    expect(config.mongodbUri).toBeUndefined();
    expect(config.adminApiKey).toBeUndefined();
    // Unset, without MONGODB_URI: the embedded database's 16 for a new database (a laid-out one keeps its own).
    expect(config.feedLayout).toEqual({ configured: undefined, whenUnset: 16 });
  });

  it("reads and converts values", () => {
    const config = loadConfig({
      PORT: "8080",
      MONGODB_URI: "mongodb://db:27017/offergate",
      REDIS_URL: "redis://cache:6379",
      MAX_FORWARD_DEPTH: "5",
      INTROSPECTION: "false",
      ADMIN_API_KEY: goodKey,
      FEED_PARTITIONS: "8",
    });
    expect(config).toMatchObject({
      port: 8080,
      mongodbUri: "mongodb://db:27017/offergate",
      redisUrl: "redis://cache:6379",
      maxForwardDepth: 5,
      introspection: false,
      adminApiKey: goodKey,
      feedLayout: { configured: 8, whenUnset: 1 },
    });
    // With MONGODB_URI and FEED_PARTITIONS unset: one collection, the production layout.
    expect(loadConfig({ MONGODB_URI: "mongodb+srv://cluster0.example.mongodb.net/offergate" }).feedLayout).toEqual({ configured: undefined, whenUnset: 1 });
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ PORT: "", MONGODB_URI: "" })).toMatchObject({ port: 4000, mongodbUri: undefined });
  });

  it.each([
    ["PORT", "not-a-port"],
    ["PORT", "70000"],
    ["PORT", "-1"],
    ["MONGODB_URI", "postgres://db"],
    ["REDIS_URL", "http://cache"],
    ["ADMIN_API_KEY", "short"],
    ["INTERNAL_SECRET", "short"],
    ["MAX_FORWARD_DEPTH", "0"],
    ["MAX_FORWARD_DEPTH", "2.5"],
    ["LOG_LEVEL", "verbose"],
    ["NODE_ENV", "staging"],
    ["INTROSPECTION", "yes"],
    ["ACCOUNTS_URL", "not a url"],
    ["RATE_LIMIT_PER_MINUTE", "0"],
    ["FEED_PARTITIONS", "0"],
    ["FEED_PARTITIONS", "65"],
    ["FEED_PARTITIONS", "many"],
  ])("rejects %s=%p, naming the variable", (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it("reports every problem at once, and the message names each variable", () => {
    const env = { PORT: "x", MONGODB_URI: "nope", LOG_LEVEL: "loud", MAX_BATCH: "0" };
    const problems = problemsOf(env);
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["LOG_LEVEL", "MAX_BATCH", "MONGODB_URI", "PORT"]);
    let message = "";
    try {
      loadConfig(env);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of Object.keys(env)) expect(message).toContain(name);
  });

  it("refuses NODE_ENV=production without ADMIN_API_KEY (or INTERNAL_SECRET)", () => {
    expect(problemsOf({ NODE_ENV: "production", INTERNAL_SECRET: goodSecret })).toEqual([
      expect.stringMatching(/^ADMIN_API_KEY: .*production/),
    ]);
    expect(problemsOf({ NODE_ENV: "production", ADMIN_API_KEY: goodKey })).toEqual([
      expect.stringMatching(/^INTERNAL_SECRET: /),
    ]);
    expect(problemsOf({ NODE_ENV: "production", ADMIN_API_KEY: "", INTERNAL_SECRET: goodSecret })).toEqual([
      expect.stringMatching(/^ADMIN_API_KEY: /),
    ]);
    expect(problemsOf({ NODE_ENV: "production" }).map((p) => p.split(":")[0]).sort()).toEqual([
      "ADMIN_API_KEY",
      "INTERNAL_SECRET",
    ]);
  });

  it("accepts production with both secrets, and turns introspection off there by default", () => {
    const config = loadConfig({ NODE_ENV: "production", ADMIN_API_KEY: goodKey, INTERNAL_SECRET: goodSecret });
    expect(config.introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", ADMIN_API_KEY: goodKey, INTERNAL_SECRET: goodSecret, INTROSPECTION: "true" }).introspection).toBe(true);
  });

  it("reads CORS_ORIGINS as a comma-separated list of origins, and refuses anything else", () => {
    expect(loadConfig({ CORS_ORIGINS: "https://app.example.com, http://localhost:3000" }).corsOrigins).toEqual(["https://app.example.com", "http://localhost:3000"]);
    for (const bad of ["*", "app.example.com", "https://app.example.com/", "https://app.example.com/path", "ftp://files.example.com", "https://a.example, null"]) {
      expect(problemsOf({ CORS_ORIGINS: bad })).toEqual([expect.stringMatching(/^CORS_ORIGINS: /)]);
    }
  });

  it("reports a missing production secret together with other bad variables", () => {
    const problems = problemsOf({ NODE_ENV: "production", PORT: "x", INTERNAL_SECRET: goodSecret });
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["ADMIN_API_KEY", "PORT"]);
  });
});

describe("the standalone gateway's supergraph source", () => {
  it("reads SUBGRAPH_URLS as name=url pairs, and polls every 10 s by default", () => {
    const config = loadConfig({ SUBGRAPH_URLS: "accounts=http://a:1/graphql, catalog=http://c:2/graphql" });
    expect(config.supergraphSubgraphs).toEqual({ accounts: "http://a:1/graphql", catalog: "http://c:2/graphql" });
    expect(config.supergraphPollMs).toBe(10_000);
    expect(loadConfig({ SUPERGRAPH_PATH: "/etc/offergate/supergraph.graphql" }).supergraphPath).toBe("/etc/offergate/supergraph.graphql");
  });

  it("refuses a pair that is not name=url, and both sources at once", () => {
    expect(problemsOf({ SUBGRAPH_URLS: "accounts=http://a/graphql,catalog" })).toEqual([expect.stringMatching(/^SUBGRAPH_URLS: "catalog" is not name=url/)]);
    expect(problemsOf({ SUBGRAPH_URLS: "accounts=not a url" })[0]).toMatch(/^SUBGRAPH_URLS/);
    expect(problemsOf({ SUBGRAPH_URLS: "accounts=http://a/graphql", SUPERGRAPH_PATH: "x.graphql" })[0]).toMatch(/^SUPERGRAPH_PATH: not with SUBGRAPH_URLS/);
  });

  it("turns tracing on with an http(s) OTLP endpoint only, and leaves it off by default", () => {
    expect(loadConfig({}).tracing).toEqual({ endpoint: undefined, serviceName: undefined });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SERVICE_NAME: "og" }).tracing).toEqual({
      endpoint: "http://collector:4318",
      serviceName: "og",
    });
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })[0]).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://collector:4317" })[0]).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT: must be an http/);
  });
});
