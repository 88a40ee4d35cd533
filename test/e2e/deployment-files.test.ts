import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { CONFIG_VARIABLES, loadConfig } from "../../src/shared/config";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
import { until } from "../helpers/live";
import { OtlpReceiver } from "../helpers/otlp-receiver";
import { freePort, runNode, type RunningProcess } from "../helpers/processes";
import { describeWithRedis, REDIS_URL } from "../helpers/redis";

/**
 * No container engine runs here, so the deployment files are checked for what
 * can be checked without one: they parse, every variable they set is one
 * offergate reads and validates, every command they run exists in the build,
 * and the services of compose.yaml, started by their own commands with their
 * own environment outside containers, serve a request through the gateway.
 */
const ROOT = join(__dirname, "..", "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
}

/** compose.yaml with `${VAR:?...}` and `${VAR}` replaced from `vars`. */
function compose(vars: Record<string, string>): Record<string, ComposeService> {
  const text = read("compose.yaml").replace(/\$\{(\w+)(:?[?-][^}]*)?\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`compose.yaml uses \${${name}}, not given`);
    return vars[name];
  });
  return (parseYaml(text, { merge: true }) as { services: Record<string, ComposeService> }).services;
}

const secrets = {
  ADMIN_API_KEY: `og_admin_${randomBytes(18).toString("base64url")}`,
  INTERNAL_SECRET: randomBytes(32).toString("base64url"),
};
const offergateServices = (services: Record<string, ComposeService>) =>
  Object.entries(services).filter(([, s]) => s.image === "offergate:local");

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const stages = dockerfile.match(/^FROM .+$/gm) ?? [];
  const final = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));

  it("builds in one stage and runs from another, with production dependencies only", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(final).toMatch(/COPY --from=deps .*node_modules/);
    expect(final).not.toMatch(/npm ci(?! --omit=dev)/);
  });

  it("runs as a user other than root, with a health check on /health", () => {
    expect(final).toMatch(/^USER (?!root\b)\w+/m);
    expect(final).toMatch(/^HEALTHCHECK .*\\\n.*\/health/m);
  });

  it("starts a file the build makes", () => {
    const cmd = JSON.parse(/^CMD (\[.+\])$/m.exec(final)![1]) as string[];
    expect(cmd[0]).toBe("node");
    expect(existsSync(join(ROOT, cmd[1]))).toBe(true);
  });
});

describe("compose.yaml", () => {
  const services = compose(secrets);

  it("has a MongoDB replica set, Redis, the three subgraphs and two gateways behind one port", () => {
    expect(services.mongo.command).toEqual(expect.arrayContaining(["--replSet"]));
    expect(services.redis).toBeDefined();
    const commands = offergateServices(services).map(([, s]) => s.command!.join(" "));
    for (const part of ["accounts", "catalog", "exchange"]) expect(commands).toContain(`node dist/${part}/server.js`);
    expect(commands.filter((c) => c === "node dist/gateway/server.js")).toHaveLength(2);
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    // Beside the one public port, only the trace UI, and on the host's loopback.
    expect(published.filter((p) => !p.startsWith("127.0.0.1:"))).toEqual(["4000:4000"]);
    expect(published.filter((p) => p.startsWith("127.0.0.1:"))).toEqual(["127.0.0.1:16686:16686"]);
    const nginx = read("deploy/nginx.conf");
    expect(nginx).toMatch(/server gateway-1:4000/);
    expect(nginx).toMatch(/server gateway-2:4000/);
  });

  it("sends every part's traces by OTLP to a collector, and on to Jaeger", () => {
    for (const [, s] of offergateServices(services)) expect(s.environment!.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://otel-collector:4318");
    const collector = services["otel-collector"]!;
    const [mount] = collector.volumes ?? [];
    const [file, inContainer] = mount!.split(":");
    expect(collector.command).toContain(`--config=${inContainer}`);
    const config = parseYaml(read(file!)) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      exporters: Record<string, { endpoint: string }>;
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    };
    expect(config.receivers.otlp.protocols.http.endpoint).toBe("0.0.0.0:4318");
    expect(config.service.pipelines.traces.receivers).toEqual(["otlp"]);
    expect(config.service.pipelines.traces.exporters.map((e) => config.exporters[e]!.endpoint)).toEqual(["jaeger:4317"]);
    expect(services.jaeger!.image).toMatch(/^jaegertracing\/all-in-one:/);
  });

  it("refuses to start without the secrets", () => {
    expect(() => compose({})).toThrow(/ADMIN_API_KEY/);
  });

  it.each(offergateServices(compose(secrets)).map(([name]) => name))("%s: every variable is one offergate reads, and valid", (name) => {
    const env = services[name].environment!;
    expect(Object.keys(env).filter((v) => !CONFIG_VARIABLES.includes(v))).toEqual([]);
    expect(() => loadConfig(env)).not.toThrow();
    const [, script] = services[name].command!;
    expect(existsSync(join(ROOT, script))).toBe(true);
  });
});

describe("Kubernetes manifests", () => {
  const dir = join(ROOT, "deploy", "k8s");
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => ({ file: f, doc: d.toJS() as Record<string, any> })));
  const deployments = docs.filter(({ doc }) => doc?.kind === "Deployment");
  const config = docs.find(({ doc }) => doc?.kind === "ConfigMap")!.doc.data as Record<string, string>;
  const secret = docs.find(({ doc }) => doc?.kind === "Secret")!.doc.stringData as Record<string, string>;

  it("parse, and list every resource file in the kustomization", () => {
    const kustomization = parseYaml(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as { resources: string[] };
    for (const resource of kustomization.resources) expect(existsSync(join(dir, resource))).toBe(true);
    expect(deployments.map(({ doc }) => doc.metadata.name).sort()).toEqual(["accounts", "catalog", "exchange", "gateway"]);
  });

  it.each(["accounts", "catalog", "exchange", "gateway"])("%s: probes, a user other than root, a valid environment", (name) => {
    const { doc } = deployments.find(({ doc }) => doc.metadata.name === name)!;
    const pod = doc.spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.readinessProbe.httpGet.path).toBe("/ready");
    expect(container.livenessProbe.httpGet.path).toBe("/health");
    expect(existsSync(join(ROOT, container.command[1]))).toBe(true);
    const env: Record<string, string> = { ...config, ...secret };
    for (const { name: variable, value } of container.env ?? []) env[variable] = value;
    expect(Object.keys(env).filter((v) => !CONFIG_VARIABLES.includes(v))).toEqual([]);
    expect(() => loadConfig(env)).not.toThrow();
  });
});

describeWithRedis("compose.yaml's services, outside containers", () => {
  let mongo: EmbeddedMongo;
  const running: RunningProcess[] = [];

  beforeAll(async () => {
    mongo = await startJongodb();
  });
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL");
    for (const stop of stops) await stop();
    await mongo?.stop();
  });

  it("the image's own command and environment serve /ready and a query", async () => {
    const dockerfile = read("Dockerfile");
    const final = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    const imageEnv = Object.fromEntries([...final.matchAll(/(\w+)=(\S+)/g)].filter(([, k]) => CONFIG_VARIABLES.includes(k)).map(([, k, v]) => [k, v]));
    expect(imageEnv.NODE_ENV).toBe("production");
    const cmd = JSON.parse(/^CMD (\[.+\])$/m.exec(final)![1]) as string[];
    const port = await freePort();
    const p = runNode(cmd[1].replace(/^dist\//, ""), { ...imageEnv, ...secrets, MONGODB_URI: mongo.uri, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" });
    running.push(p);
    await p.waitFor(/listening on/, 30_000);
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secrets.ADMIN_API_KEY}` },
      body: JSON.stringify({ query: "{ viewer { kind } }" }),
    });
    expect(await response.json()).toEqual({ data: { viewer: { kind: "ADMIN" } } });
  }, 60_000);

  it("start by their own commands and environment, serve a query through a gateway, and trace it across processes", async () => {
    const services = compose(secrets);
    // The collector's place: a real OTLP receiver.
    const otlp = await new OtlpReceiver().start();
    stops.push(() => otlp.stop());
    const ports: Record<string, number> = {};
    for (const [name] of offergateServices(services)) ports[name] = await freePort();
    // What the container network would resolve: each service's host and port here.
    const local = (value: string) =>
      value
        .replace(/^mongodb:\/\/mongo:27017\/offergate\?replicaSet=rs0$/, mongo.uri)
        .replace(/^redis:\/\/redis:6379$/, REDIS_URL)
        .replace(/^http:\/\/otel-collector:4318$/, otlp.endpoint)
        .replace(/^http:\/\/(accounts|catalog|exchange):\d+/, (_, host: string) => `http://127.0.0.1:${ports[host]}`);
    const start = (name: string) => {
      const s = services[name];
      const env = Object.fromEntries(Object.entries(s.environment!).map(([k, v]) => [k, local(v)]));
      for (const key of ["PORT", "ACCOUNTS_PORT", "CATALOG_PORT", "EXCHANGE_PORT"]) if (key in env) env[key] = String(ports[name]);
      env.HOST = "127.0.0.1";
      env.LOG_LEVEL = "warn";
      const p = runNode(s.command![1].replace(/^dist\//, ""), env);
      running.push(p);
      return p.waitFor(/listening on/, 30_000);
    };
    await Promise.all(["accounts", "catalog", "exchange"].map(start));
    await start("gateway-1");
    const response = await fetch(`http://127.0.0.1:${ports["gateway-1"]}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secrets.ADMIN_API_KEY}` },
      body: JSON.stringify({ query: "{ viewer { kind } products(first: 1) { totalCount } }" }),
    });
    expect(await response.json()).toEqual({ data: { viewer: { kind: "ADMIN" }, products: { totalCount: 0 } } });
    const ready = await fetch(`http://127.0.0.1:${ports["gateway-1"]}/ready`);
    expect(ready.status).toBe(200);
    // One trace, from the gateway's process into the subgraphs' (batched: sent within seconds).
    const spans = await until(
      () => otlp.spans,
      (all) => all.some((s) => s.service === "offergate-gateway" && s.name.startsWith("graphql.operation") && new Set(otlp.trace(s.traceId).map((t) => t.service)).has("offergate-catalog")),
      20_000,
      "a trace across the gateway and the catalog",
    );
    const operation = spans.find((s) => s.service === "offergate-gateway" && s.name.startsWith("graphql.operation") && otlp.trace(s.traceId).some((t) => t.service === "offergate-catalog"))!;
    const traced = new Set(otlp.trace(operation.traceId).map((s) => s.service));
    expect(traced).toEqual(new Set(["offergate-gateway", "offergate-accounts", "offergate-catalog"]));
    expect(otlp.trace(operation.traceId).some((s) => s.service === "offergate-catalog" && s.attributes["db.system"] === "mongodb")).toBe(true);
  }, 90_000);
});
