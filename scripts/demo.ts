/**
 * Demo data for a running offergate: a believable world of sellers,
 * marketplaces in three tiers joined by routes of every quantity policy,
 * products with real-looking GTINs, stock, and offers forwarded down the
 * chains; then stock keeps moving a little, so the explorer and the feeds
 * show life.
 *
 *   npm run demo -- [--url http://localhost:4000/graphql] [--admin-key og_admin_...] [--once]
 *                   [--sellers 24] [--marketplaces 20] [--products 30] [--interval-ms 1500]
 *
 * (or OFFERGATE_URL and ADMIN_API_KEY in the environment).
 */
import { parseArgs } from "node:util";

type QuantityPolicy = "SELLER_GATED" | "MIN_OF_CHAIN" | "FORWARDER_OWN";
const POLICIES: QuantityPolicy[] = ["SELLER_GATED", "MIN_OF_CHAIN", "FORWARDER_OWN"];

export interface DemoOptions {
  url: string;
  adminKey: string;
  sellers?: number;
  marketplaces?: number;
  products?: number;
  /** Where lines go (default: stdout). */
  log?: (line: string) => void;
  /** A seed for the choices, to make a world again (default: random). */
  seed?: number;
}

export interface DemoWorld {
  sellers: { id: string; name: string; apiKey: string }[];
  marketplaces: { id: string; name: string; apiKey: string; tier: 0 | 1 | 2 }[];
  products: { id: string; gtin: string; name: string }[];
  routes: { from: string; to: string; quantityPolicy: QuantityPolicy; autoForward: boolean }[];
  /** Offers submitted by sellers (forwards come on top, by auto-forwarding routes). */
  offers: number;
  stockLevels: number;
  /** The product with the most offers: the explorer's first stop. */
  showcaseProductId: string;
}

const SELLER_NAMES = [
  "Papelaria Sol", "Casa Aurora", "Bazar do Porto", "Ferragens Lima", "Oficina Verde", "Livraria Central",
  "Doce Lar Utilidades", "Mercearia Boa Vista", "Tech Mais", "Eletro Norte", "Brinquedos Arco-Íris", "Jardim & Cia",
  "Atelier Lua", "Distribuidora Sul", "Empório Serra", "Ótica Clara", "Pet Feliz", "Sapataria Passo Firme",
  "Cozinha Nobre", "Esporte Total", "Loja do Artesão", "Farmácia Vida", "Moda Brisa", "Som & Imagem",
  "Ateliê Ponto Fino", "Casa do Café", "Ferramentas Forte", "Papel & Tinta", "Luz da Vila", "Vinhos do Vale",
];
/** Tier 0 (sellers list there), tier 1 (regional, forwarded to by tier 0), tier 2 (niche, forwarded to by tier 1). */
const MARKETPLACE_TIERS = [
  ["Mercado Brasil", "Shopping Aurora", "Vitrine Nacional", "Feira Digital", "Grande Bazar"],
  ["Mercado Sul", "Compra Norte", "Praça Leste", "Balcão Oeste", "Rede Centro", "Mercado Litoral", "Serra Shop", "Vale Compras"],
  ["Clube do Colecionador", "Casa & Estilo", "Loja do Campo", "Outlet Express", "Achados Raros", "Cantinho Gourmet", "Oficina do Lar"],
] as const;
const PRODUCT_NAMES = [
  "Caneta tinteiro azul", "Caderno pautado A5", "Café torrado 500 g", "Chaleira elétrica 1,7 L", "Fone de ouvido sem fio",
  "Mochila impermeável 25 L", "Garrafa térmica 750 ml", "Luminária de mesa LED", "Jogo de panelas 5 peças", "Tênis de corrida",
  "Bola de futebol oficial", "Regador de jardim 5 L", "Tesoura de poda", "Cafeteira italiana 6 xícaras", "Teclado mecânico",
  "Mouse óptico", "Ração para gatos 3 kg", "Óculos de sol polarizado", "Relógio de parede", "Quebra-cabeça 1000 peças",
  "Vinho tinto Malbec", "Azeite extravirgem 500 ml", "Toalha de banho algodão", "Lápis de cor 24 cores", "Agenda 2027",
  "Carregador USB-C 20 W", "Caixa de som portátil", "Cobertor de microfibra", "Panela de pressão 4,5 L", "Kit de chaves de fenda",
  "Livro de receitas", "Vaso de cerâmica", "Cadeira dobrável", "Lanterna recarregável", "Balança de cozinha digital",
  "Fita métrica 5 m", "Escova de dentes elétrica", "Mate em folhas 1 kg", "Chá verde 20 sachês", "Aparelho de jantar 20 peças",
];

/** GS1 check digit: weights 3, 1, 3, ... from the rightmost digit of the body. */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

/** A small deterministic generator (mulberry32), so a seed makes the same world. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    sample: <T>(items: readonly T[], n: number): T[] => [...items].sort(() => next() - 0.5).slice(0, n),
  };
}

class GraphQLFailure extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function graphql(url: string, apiKey: string) {
  return async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) throw new GraphQLFailure(String(body.errors[0]!.extensions?.code), body.errors[0]!.message);
    return body.data as T;
  };
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Creates the world; returns what it created. */
export async function createDemoWorld(options: DemoOptions): Promise<DemoWorld> {
  const log = options.log ?? ((line: string) => console.log(line));
  const admin = graphql(options.url, options.adminKey);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rnd = random(seed);
  const sellerCount = Math.min(options.sellers ?? 24, SELLER_NAMES.length);
  const productCount = Math.min(options.products ?? 30, PRODUCT_NAMES.length);
  // A company prefix of this run (GS1 Brazil is 789): names and GTINs never clash with an earlier run.
  const company = String(rnd.int(1000, 9999));
  const suffix = ` #${company}`;

  // Per tier, a share of the names: `marketplaces` in all.
  const all = MARKETPLACE_TIERS.flat().length;
  const wanted = Math.min(options.marketplaces ?? all, all);
  const planned = MARKETPLACE_TIERS.flatMap((names, tier) =>
    names.slice(0, Math.max(1, Math.round((names.length * wanted) / all))).map((name) => ({ name, tier: tier as 0 | 1 | 2 })),
  );
  log(`Creating ${planned.length} marketplaces, ${sellerCount} sellers and ${productCount} products on ${options.url} ...`);
  const marketplaces: DemoWorld["marketplaces"] = [];
  await pool(planned, 4, async ({ name, tier }) => {
    const { createMarketplace } = await admin<{ createMarketplace: { marketplace: { id: string }; apiKey: string } }>(
      "mutation($name: String!) { createMarketplace(input: { name: $name }) { marketplace { id } apiKey } }",
      { name: name + suffix },
    );
    marketplaces.push({ id: createMarketplace.marketplace.id, name, apiKey: createMarketplace.apiKey, tier });
  });
  marketplaces.sort((a, b) => planned.findIndex((p) => p.name === a.name) - planned.findIndex((p) => p.name === b.name));
  const tier = (t: number) => marketplaces.filter((m) => m.tier === t);

  // A few marketplaces differ from the defaults: one reviews every offer, one forwards without holding stock.
  const reviewing = tier(1)[0];
  if (reviewing) await admin("mutation($id: ID!) { configureMarketplace(input: { marketplaceId: $id, autoApprove: false }) { id } }", { id: reviewing.id });
  const ungated = tier(0)[1];
  if (ungated) await admin("mutation($id: ID!) { configureMarketplace(input: { marketplaceId: $id, requireStockToForward: false }) { id } }", { id: ungated.id });

  const products: DemoWorld["products"] = [];
  await pool(PRODUCT_NAMES.slice(0, productCount), 4, async (name) => {
    const body = `789${company}${String(PRODUCT_NAMES.indexOf(name) + 1).padStart(5, "0")}`;
    const gtin = `${body}${gtinCheckDigit(body)}`;
    const { createProduct } = await admin<{ createProduct: { id: string } }>(
      "mutation($gtin: String!, $name: String!) { createProduct(input: { gtin: $gtin, name: $name }) { id } }",
      { gtin, name },
    );
    products.push({ id: createProduct.id, gtin, name });
  });
  products.sort((a, b) => a.gtin.localeCompare(b.gtin));

  // Routes: each regional marketplace takes from two of the first tier, each niche one from two regional ones,
  // policies in turn; auto-forwarding, so offers flow down as soon as the gates open.
  const routes: DemoWorld["routes"] = [];
  let turn = 0;
  for (const [downstream, upstream] of [
    [tier(1), tier(0)],
    [tier(2), tier(1)],
  ] as const) {
    for (const to of downstream) {
      for (const from of rnd.sample(upstream, Math.min(2, upstream.length))) {
        routes.push({ from: from.id, to: to.id, quantityPolicy: POLICIES[turn++ % POLICIES.length]!, autoForward: true });
      }
    }
  }
  await pool(routes, 4, (r) =>
    admin(
      "mutation($input: OpenRouteInput!) { openRoute(input: $input) { active } }",
      { input: { fromMarketplaceId: r.from, toMarketplaceId: r.to, autoForward: r.autoForward, quantityPolicy: r.quantityPolicy } },
    ).then(() => undefined),
  );

  // Forwarders hold stock of most products (the gate open), not all (closed for the rest).
  const stock: { ownerId: string; productId: string; quantity: number }[] = [];
  for (const m of [...tier(0), ...tier(1)]) {
    for (const p of rnd.sample(products, Math.ceil(products.length * 0.7))) stock.push({ ownerId: m.id, productId: p.id, quantity: rnd.int(1, 30) });
  }

  const sellers: DemoWorld["sellers"] = [];
  await pool(SELLER_NAMES.slice(0, sellerCount), 4, async (name) => {
    const { createSeller } = await admin<{ createSeller: { seller: { id: string }; apiKey: string } }>(
      "mutation($name: String!) { createSeller(input: { name: $name }) { seller { id } apiKey } }",
      { name: name + suffix },
    );
    sellers.push({ id: createSeller.seller.id, name, apiKey: createSeller.apiKey });
  });
  sellers.sort((a, b) => SELLER_NAMES.indexOf(a.name) - SELLER_NAMES.indexOf(b.name));

  // Each seller: one or two first-tier marketplaces, a handful of products, its own stock (some sold out).
  const listings: { seller: DemoWorld["sellers"][number]; marketplaceId: string; productId: string; price: number }[] = [];
  for (const s of sellers) {
    const where = rnd.sample(tier(0), rnd.int(1, 2));
    await pool(where, 2, (m) =>
      admin("mutation($s: ID!, $m: ID!) { affiliateSeller(sellerId: $s, marketplaceId: $m) { createdAt } }", { s: s.id, m: m.id }).then(() => undefined),
    );
    for (const p of rnd.sample(products, rnd.int(3, 6))) {
      stock.push({ ownerId: s.id, productId: p.id, quantity: rnd.next() < 0.15 ? 0 : rnd.int(1, 40) });
      const price = rnd.int(5, 400) * 100 - rnd.pick([0, 1, 10, 11]);
      for (const m of where) listings.push({ seller: s, marketplaceId: m.id, productId: p.id, price });
    }
  }
  log(`Setting ${stock.length} stock levels ...`);
  await pool(stock, 4, (level) =>
    admin("mutation($input: SetStockInput!) { setStock(input: $input) { version } }", { input: level }).then(() => undefined),
  );
  log(`Submitting ${listings.length} offers (auto-forwarded down the routes) ...`);
  // As each seller, with its own key, as a partner would.
  await pool(listings, 4, (l) =>
    graphql(options.url, l.seller.apiKey)(
      "mutation($input: SubmitOfferInput!) { submitOffer(input: $input) { id } }",
      { input: { sellerId: l.seller.id, marketplaceId: l.marketplaceId, productId: l.productId, price: l.price, currency: "BRL" } },
    ).then(() => undefined),
  );

  const counts = new Map<string, number>();
  for (const l of listings) counts.set(l.productId, (counts.get(l.productId) ?? 0) + 1);
  const showcaseProductId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? products[0]!.id;
  return { sellers, marketplaces, products, routes, offers: listings.length, stockLevels: stock.length, showcaseProductId };
}

/** One small stock movement: a level goes up or down by 1 to 3 (never below 0). */
export async function moveStock(
  options: Pick<DemoOptions, "url" | "adminKey">,
  world: DemoWorld,
  rnd = random(Math.floor(Math.random() * 2 ** 31)),
): Promise<{ ownerId: string; productId: string; delta: number; quantity: number }> {
  const admin = graphql(options.url, options.adminKey);
  const owners = [...world.sellers.map((s) => s.id), ...world.marketplaces.filter((m) => m.tier < 2).map((m) => m.id)];
  for (;;) {
    const ownerId = rnd.pick(owners);
    const productId = rnd.pick(world.products).id;
    const delta = rnd.pick([-3, -2, -1, -1, 1, 1, 2, 3]);
    try {
      const { adjustStock } = await admin<{ adjustStock: { quantity: number } }>(
        "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { quantity } }",
        { input: { ownerId, productId, delta } },
      );
      return { ownerId, productId, delta, quantity: adjustStock.quantity };
    } catch (error) {
      // Below zero: pick another level.
      if (!(error instanceof GraphQLFailure && error.code === "INSUFFICIENT_STOCK")) throw error;
    }
  }
}

/** Offers forwarded so far: every offer listed at the marketplaces sellers do not list at. */
export async function countForwards(url: string, world: DemoWorld): Promise<number> {
  let forwards = 0;
  for (const m of world.marketplaces.filter((m) => m.tier > 0)) {
    const { marketplace } = await graphql(url, m.apiKey)<{ marketplace: { offers: { totalCount: number } } }>(
      "query($id: ID!) { marketplace(id: $id) { offers(first: 0) { totalCount } } }",
      { id: m.id },
    );
    forwards += marketplace.offers.totalCount;
  }
  return forwards;
}

/** What to print for a world: the keys and the URLs to open. */
export function describeWorld(url: string, world: DemoWorld, forwards: number): string[] {
  const origin = new URL(url).origin;
  const byPolicy = POLICIES.map((p) => `${world.routes.filter((r) => r.quantityPolicy === p).length} ${p}`).join(", ");
  return [
    "",
    `Created ${world.sellers.length} sellers, ${world.marketplaces.length} marketplaces, ${world.products.length} products,`,
    `${world.routes.length} routes (${byPolicy}), ${world.stockLevels} stock levels, ${world.offers} offers and ${forwards} forwards.`,
    "",
    "Open:",
    `  ${origin}/?productId=${world.showcaseProductId}   the offer explorer, on the busiest product`,
    `  ${origin}/                                the offer explorer (search by name or GTIN, e.g. ${world.products[0]!.gtin})`,
    `  ${origin}/graphql                         the GraphQL IDE (set Authorization: Bearer <key>)`,
    "",
    "Marketplace keys (offerFeed, offerEvents, webhooks):",
    ...world.marketplaces.map((m) => `  ${`${m.name} (tier ${m.tier})`.padEnd(32)} ${m.id}  ${m.apiKey}`),
    "Seller keys (submitOffer, setStock):",
    ...world.sellers.map((s) => `  ${s.name.padEnd(32)} ${s.id}  ${s.apiKey}`),
  ];
}

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      "admin-key": { type: "string" },
      once: { type: "boolean" },
      "interval-ms": { type: "string" },
      sellers: { type: "string" },
      marketplaces: { type: "string" },
      products: { type: "string" },
    },
  });
  const count = (value: string | undefined) => (value === undefined ? undefined : Math.max(1, Number(value)));
  const url = values.url ?? process.env.OFFERGATE_URL ?? "http://localhost:4000/graphql";
  const adminKey = values["admin-key"] ?? process.env.ADMIN_API_KEY;
  if (!adminKey) {
    console.error("The admin key is needed: --admin-key og_admin_... (or ADMIN_API_KEY), as `npm start` printed it.");
    process.exit(2);
  }
  const world = await createDemoWorld({
    url,
    adminKey,
    sellers: count(values.sellers),
    marketplaces: count(values.marketplaces),
    products: count(values.products),
  });
  for (const line of describeWorld(url, world, await countForwards(url, world))) console.log(line);
  if (values.once) return;

  const interval = Number(values["interval-ms"] ?? 1500);
  console.log(`\nMoving stock a little every ${interval} ms (Ctrl-C to stop) ...`);
  const names = new Map([...world.sellers, ...world.marketplaces].map((a) => [a.id, a.name]));
  const productNames = new Map(world.products.map((p) => [p.id, p.name]));
  let stopped = false;
  process.once("SIGINT", () => (stopped = true));
  while (!stopped) {
    await new Promise((resolve) => setTimeout(resolve, interval));
    if (stopped) break;
    const move = await moveStock({ url, adminKey }, world);
    const delta = `${move.delta > 0 ? "+" : ""}${move.delta}`;
    console.log(`  ${names.get(move.ownerId)} (${move.ownerId}): ${productNames.get(move.productId)} (${move.productId}) ${delta} → ${move.quantity}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`demo failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
