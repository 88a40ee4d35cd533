import { randomBytes } from "node:crypto";
import type { Connection } from "mongoose";
import { createAccountsSubgraph } from "./accounts";
import { createCatalogSubgraph } from "./catalog";
import { createExchangeSubgraph } from "./exchange";
import { createAuthenticator, httpKeyLookup, inProcessKeyLookup } from "./gateway/authenticate";
import { directSubscriptions, inProcessDirect, webSocketDirect } from "./gateway/subscriptions";
import { edgeOptions, serverLimits } from "./gateway/edge";
import { createGateway } from "./gateway/gateway";
import { LiveAccess } from "./gateway/subscriptions";
import { startGatewayServer, type RunningGateway } from "./gateway/http-server";
import { importsForward } from "./gateway/imports-forward";
import { createMetrics } from "./gateway/metrics";
import { createPages } from "./gateway/pages";
import { createLocalBus, createRedisBus, type EventBus } from "./shared/bus";
import type { Config } from "./shared/config";
import { startEmbeddedMongo, type EmbeddedMongo } from "./shared/embedded-mongo";
import { composeSupergraph, subgraphSdl } from "./shared/federation";
import { logger } from "./shared/logger";
import { connectMongo, pingMongo } from "./shared/mongo";
import { startSubgraphServer, type RunningSubgraph } from "./shared/subgraph-server";
import type { LocalSubgraph } from "./gateway/in-process";

export interface Offergate {
  url: string;
  port: number;
  adminApiKey: string;
  mongoUri: string;
  subgraphs: Record<string, RunningSubgraph>;
  /** The same subgraphs as the gateway calls them in-process: schema and per-request context. */
  local: Record<string, LocalSubgraph>;
  gateway: RunningGateway;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * How the gateway reaches the subgraphs: "in-process" (default) calls
   * their schemas directly, subscriptions included; "http" goes over
   * loopback HTTP, and WebSockets for subscriptions, as separate processes do.
   */
  subgraphTransport?: "in-process" | "http";
  /** The gateway's query planner (default "rust"). */
  queryPlanner?: "rust" | "javascript";
}

/**
 * Runs everything in one process: the three subgraphs on loopback ports, the
 * supergraph composed from their live SDL, and the gateway on `config.port`.
 * Without MONGODB_URI it starts an embedded MongoDB server and stops it on close.
 */
export async function startOffergate(config: Config, options: StartOptions = {}): Promise<Offergate> {
  const adminApiKey = config.adminApiKey ?? `og_admin_${randomBytes(24).toString("base64url")}`;
  const internalSecret = config.internalSecret ?? randomBytes(32).toString("base64url");
  let embedded: EmbeddedMongo | undefined;
  const mongoUri = config.mongodbUri ?? (embedded = await startEmbeddedMongo()).uri;
  if (embedded) logger.info("embedded MongoDB server started", { engine: embedded.engine });

  const connections: Connection[] = [];
  const connect = async (name: string) => {
    const c = await connectMongo(mongoUri, `offergate-${name}`);
    connections.push(c);
    return c;
  };
  const subgraphs: Record<string, RunningSubgraph> = {};
  const local: Record<string, LocalSubgraph> = {};
  const serve = async (subgraph: Parameters<typeof startSubgraphServer>[0]) => {
    local[subgraph.name] = subgraph;
    return startSubgraphServer({ ...subgraph, introspection: config.introspection }, 0);
  };
  let bus: EventBus | undefined;
  let stopExchange: (() => Promise<void>) | undefined;
  const edge = edgeOptions(config);
  try {
    bus = config.redisUrl ? await createRedisBus(config.redisUrl) : createLocalBus();
    subgraphs.accounts = await serve(
      await createAccountsSubgraph({
        connection: await connect("accounts"),
        adminApiKey,
        internalSecret,
        revokeKeys: (id) => bus!.revokeKeys(id),
      }),
    );
    subgraphs.catalog = await serve(await createCatalogSubgraph({ connection: await connect("catalog"), internalSecret }));
    const exchange = await createExchangeSubgraph({
      connection: await connect("exchange"),
      bus,
      internalSecret,
      maxForwardDepth: config.maxForwardDepth,
      feedSweepIntervalMs: config.feedSweepIntervalMs,
      feedPollMs: config.feedPollMs,
      feedLayout: config.feedLayout,
      webhooks: config.webhooks,
      imports: config.imports,
      accountsUrl: () => subgraphs.accounts!.url,
      catalogUrl: () => subgraphs.catalog!.url,
    });
    stopExchange = exchange.stop;
    subgraphs.exchange = await serve(exchange);
    const { supergraphSdl } = composeSupergraph(
      Object.values(subgraphs).map((s) => ({ name: s.name, url: s.url, sdl: subgraphSdl(s.schema) })),
    );
    const metrics = createMetrics();
    const inProcess = options.subgraphTransport === "http" ? undefined : local;
    // Keys are checked the way the gateway reaches the subgraphs: by a call in this process, or over HTTP.
    const authenticate = createAuthenticator(
      inProcess ? inProcessKeyLookup(inProcess.accounts!, internalSecret) : httpKeyLookup(() => subgraphs.accounts!.url, internalSecret),
      (id) => bus!.revocationGeneration(id),
    );
    // A rotated key is forgotten by this gateway's cache, and what it holds open ended, at once; on other replicas through the bus.
    const liveAccess = new LiveAccess(authenticate);
    bus.onRevokeKeys((id) => void liveAccess.revoked(id));
    bus.onRevocationsMissed(() => void liveAccess.revokedAll());
    const gateway = await startGatewayServer(
      {
        gateway: createGateway({
          supergraphSdl,
          authenticate,
          ...edge,
          internalSecret,
          inProcess,
          liveAccess,
          queryPlanner: options.queryPlanner,
        }),
        metrics,
        direct: directSubscriptions(
          inProcess
            ? Object.values(inProcess).map(inProcessDirect)
            : Object.values(subgraphs).map((s) => webSocketDirect(s.schema, s.url, internalSecret, edge.subscriptions)),
        ),
        imports: importsForward({ authenticate, exchangeUrl: () => subgraphs.exchange!.url, internalSecret }),
        ready: async () => (await Promise.all([...connections.map((c) => pingMongo(c)), bus!.ping()])).every(Boolean),
        ...serverLimits(config),
        sessions: edge.liveSessions,
        authenticate,
        pages: createPages(config.pages),
      },
      config.port,
      config.host,
    );
    return {
      url: gateway.url,
      port: gateway.port,
      adminApiKey,
      mongoUri,
      subgraphs,
      local,
      gateway,
      close: async () => {
        await gateway.close();
        await edge.rateLimiter.close();
        await stopExchange?.();
        for (const s of Object.values(subgraphs)) await s.close();
        await bus?.close();
        for (const c of connections) await c.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await edge.rateLimiter.close();
    await stopExchange?.().catch(() => undefined);
    for (const s of Object.values(subgraphs)) await s.close().catch(() => undefined);
    await bus?.close();
    for (const c of connections) await c.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}
