import "reflect-metadata";
import { runStandalone } from "../shared/standalone";

/** The gateway's modules, loaded once the port is known to be free: a busy port is told before seconds of loading. */
const load = async () => {
  const [accounts, catalog, exchange, federation, authenticate, bus, edge, direct, gateway, httpServer, metrics, liveAccess, importsForward, pages] = await Promise.all([
    import("../accounts/schema.js"),
    import("../catalog/schema.js"),
    import("../exchange/schema.js"),
    import("../shared/federation.js"),
    import("./authenticate.js"),
    import("../shared/bus.js"),
    import("./edge.js"),
    import("./direct-subscriptions.js"),
    import("./gateway.js"),
    import("./http-server.js"),
    import("./metrics.js"),
    import("./live-access.js"),
    import("./imports-forward.js"),
    import("./pages.js"),
  ]);
  return { ...accounts, ...catalog, ...exchange, ...federation, ...authenticate, ...bus, ...edge, ...direct, ...gateway, ...httpServer, ...metrics, ...liveAccess, ...importsForward, ...pages };
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
 * `npm run start:gateway`: the gateway alone, on PORT, composing the
 * supergraph from the subgraphs' schemas (built from this same code) and the
 * URLs it is given.
 */
runStandalone("gateway", ["INTERNAL_SECRET", "ACCOUNTS_URL", "CATALOG_URL", "EXCHANGE_URL"], async (config) => {
  const {
    buildAccountsSchema,
    buildCatalogSchema,
    buildExchangeSchema,
    composeSupergraph,
    subgraphSdl,
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
    LiveAccess,
    importsForward,
    createPages,
  } = await load();
  const urls = config.subgraphUrls as Required<typeof config.subgraphUrls>;
  const [accounts, catalog, exchange] = await Promise.all([buildAccountsSchema(), buildCatalogSchema(), buildExchangeSchema()]);
  const { supergraphSdl } = composeSupergraph([
    { name: "accounts", url: urls.accounts, sdl: subgraphSdl(accounts) },
    { name: "catalog", url: urls.catalog, sdl: subgraphSdl(catalog) },
    { name: "exchange", url: urls.exchange, sdl: subgraphSdl(exchange) },
  ]);
  const edge = edgeOptions(config);
  // Key rotations on any accounts replica reach this gateway's cache through Redis; without it the cache expires on its own.
  const bus = config.redisUrl ? await createRedisBus(config.redisUrl) : createLocalBus();
  const authenticate = createAuthenticator(httpKeyLookup(() => urls.accounts, config.internalSecret!), (id) => bus.revocationGeneration(id));
  const liveAccess = new LiveAccess(authenticate);
  bus.onRevokeKeys((id) => void liveAccess.revoked(id));
  bus.onRevocationsMissed(() => void liveAccess.revokedAll());
  const running = await startGatewayServer(
    {
      gateway: createGateway({
        supergraphSdl,
        authenticate,
        liveAccess,
        ...edge,
        internalSecret: config.internalSecret!,
      }),
      metrics: createMetrics(),
      direct: directSubscriptions([
        webSocketDirect(accounts, urls.accounts, config.internalSecret!, edge.subscriptions),
        webSocketDirect(catalog, urls.catalog, config.internalSecret!, edge.subscriptions),
        webSocketDirect(exchange, urls.exchange, config.internalSecret!, edge.subscriptions),
      ]),
      imports: importsForward({ authenticate, exchangeUrl: () => urls.exchange, internalSecret: config.internalSecret! }),
      ready: () => subgraphsReady(Object.values(urls)),
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
      await running.close();
      await edge.rateLimiter.close();
      await bus.close();
    },
  };
}, (config) => config.port);
