import "reflect-metadata";
import { join } from "node:path";
import { runStandalone } from "../shared/standalone";

/** The supergraph committed with this code (`npm run schema`), beside `dist/`. */
const COMMITTED_SUPERGRAPH = join(__dirname, "..", "..", "schema", "supergraph.graphql");

/** The gateway's modules, loaded once the port is known to be free: a busy port is told before seconds of loading. */
const load = async () => {
  const [logger, authenticate, bus, edge, direct, gateway, httpServer, metrics, supergraph, liveAccess, importsForward, pages] = await Promise.all([
    import("../shared/logger.js"),
    import("./authenticate.js"),
    import("../shared/bus.js"),
    import("./edge.js"),
    import("./subscriptions/direct.js"),
    import("./gateway.js"),
    import("./http-server.js"),
    import("./metrics.js"),
    import("./supergraph.js"),
    import("./subscriptions/live-access.js"),
    import("./imports-forward.js"),
    import("./pages.js"),
  ]);
  return { ...logger, ...authenticate, ...bus, ...edge, ...direct, ...gateway, ...httpServer, ...metrics, ...supergraph, ...liveAccess, ...importsForward, ...pages };
};

/** True when every subgraph says it is ready within 800 ms (each pings its database for at most 500): `/ready` answers in under a second. */
async function subgraphsReady(urls: string[]): Promise<boolean> {
  const answers = await Promise.all(
    urls.map((url) =>
      fetch(new URL("/ready", url), { signal: AbortSignal.timeout(800) }).then(
        (r) => r.ok,
        () => false,
      ),
    ),
  );
  return answers.every(Boolean);
}

/**
 * `npm run start:gateway`: the gateway alone, on PORT, over a supergraph it
 * knows only as SDL: composed from the subgraphs' SDL when SUBGRAPH_URLS is
 * set (fetched again every SUPERGRAPH_POLL_MS), else read from
 * SUPERGRAPH_PATH (default: the committed one; watched), with the URLs of
 * ACCOUNTS_URL, CATALOG_URL and EXCHANGE_URL in place of the file's. A new
 * supergraph replaces the current one while requests in flight finish.
 */
runStandalone("gateway", ["INTERNAL_SECRET"], async (config) => {
  const {
    logger,
    createAuthenticator,
    httpKeyLookup,
    createLocalBus,
    createRedisBus,
    edgeOptions,
    serverLimits,
    directSubscriptions,
    webSocketDirect,
    createGateway,
    startGatewayServer,
    createMetrics,
    composedSupergraph,
    fileSupergraph,
    LiveAccess,
    importsForward,
    createPages,
  } = await load();
  const source = config.supergraphSubgraphs
    ? await composedSupergraph(config.supergraphSubgraphs, config.internalSecret!, config.supergraphPollMs)
    : await fileSupergraph(config.supergraphPath ?? COMMITTED_SUPERGRAPH, config.subgraphUrls);
  const urlOf = (name: string) => {
    const subgraph = source.current().subgraphs.find((s) => s.name === name);
    if (!subgraph) throw new Error(`the supergraph has no "${name}" subgraph`);
    return subgraph.url;
  };
  urlOf("accounts"); // API keys are checked there: a supergraph without it cannot serve.
  const edge = edgeOptions(config);
  // Key rotations on any accounts replica reach this gateway's cache through Redis; without it the cache expires on its own.
  const bus = config.redisUrl ? await createRedisBus(config.redisUrl) : createLocalBus();
  const authenticate = createAuthenticator(httpKeyLookup(() => urlOf("accounts"), config.internalSecret!), (id) => bus.revocationGeneration(id));
  const liveAccess = new LiveAccess(authenticate);
  bus.onRevokeKeys((id) => void liveAccess.revoked(id));
  bus.onRevocationsMissed(() => void liveAccess.revokedAll());
  // Subscriptions one subgraph answers alone go to it directly, judged by its schema as the supergraph has it.
  const directFor = (supergraph: ReturnType<typeof source.current>) =>
    directSubscriptions(supergraph.subgraphs.map((s) => webSocketDirect(s.schema, s.url, config.internalSecret!, edge.subscriptions)));
  let direct = directFor(source.current());
  const gateway = createGateway({
    supergraphSdl: () => source.current().sdl,
    authenticate,
    liveAccess,
    ...edge,
    internalSecret: config.internalSecret!,
  });
  source.onChange((supergraph) => {
    direct = directFor(supergraph);
    void Promise.resolve(gateway.invalidateUnifiedGraph()).catch((error: unknown) =>
      logger.error("supergraph reload failed; the previous one still serves", { error: String(error) }),
    );
  });
  const running = await startGatewayServer(
    {
      gateway,
      metrics: createMetrics(),
      direct: (operation, principal) => direct(operation, principal),
      imports: importsForward({ authenticate, exchangeUrl: () => urlOf("exchange"), internalSecret: config.internalSecret! }),
      ready: () => subgraphsReady(source.current().subgraphs.map((s) => s.url)),
      ...serverLimits(config),
      sessions: edge.liveSessions,
      authenticate,
      pages: createPages(config.pages),
    },
    config.port,
    config.host,
  );
  return {
    ...running,
    close: async () => {
      source.close();
      await running.close();
      await edge.rateLimiter.close();
      await bus.close();
    },
  };
}, (config) => config.port);
