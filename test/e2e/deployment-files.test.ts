import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { CONFIG_VARIABLES, loadConfig } from "../../src/shared/config";
import { startJongodb, type EmbeddedMongo } from "../../src/shared/embedded-mongo";
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
    expect(published).toEqual(["4000:4000"]);
    const nginx = read("deploy/nginx.conf");
    expect(nginx).toMatch(/server gateway-1:4000/);
    expect(nginx).toMatch(/server gateway-2:4000/);
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
  afterAll(async () => {
    for (const p of running) await p.stop("SIGKILL");
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

  it("start by their own commands and environment, and serve a query through a gateway", async () => {
    const services = compose(secrets);
    const ports: Record<string, number> = {};
    for (const [name] of offergateServices(services)) ports[name] = await freePort();
    // What the container network would resolve: each service's host and port here.
    const local = (value: string) =>
      value
        .replace(/^mongodb:\/\/mongo:27017\/offergate\?replicaSet=rs0$/, mongo.uri)
        .replace(/^redis:\/\/redis:6379$/, REDIS_URL)
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
  }, 90_000);
});
