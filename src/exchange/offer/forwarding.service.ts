import { requireAdminOr, requirePrincipal } from "../../shared/auth";
import {
  ForwardCycleError,
  MaxDepthExceededError,
  NoRouteError,
  NotFoundError,
  OfferNotActiveError,
  StockGateClosedError,
  type DomainError,
} from "../../shared/errors";
import { newId } from "../../shared/ids";
import type { Principal } from "../../shared/principal";
import type { EntityDirectory } from "../directory/entity-directory";
import type { MarketplaceSettings, SettingsRepository } from "../marketplace/settings.repository";
import type { Route, RouteRepository } from "../route/route.repository";
import { checkForward } from "../rules/forwarding";
import { stockKey } from "../stock/stock.model";
import type { StockRepository } from "../stock/stock.repository";
import { draftOffer, forwardedOfferKey, type OfferRecord } from "./offer.model";
import type { OfferRepository } from "./offer.repository";

/** The error each failed check raises, with what the client needs to act on it. */
const VERDICT_ERRORS: Record<string, (o: OfferRecord, toId: string, names: { market: string; product: string }) => DomainError> = {
  OFFER_NOT_ACTIVE: (o) => new OfferNotActiveError(`Offer ${o._id} is ${o.status}, not ACTIVE`, { offerId: o._id }),
  NO_ROUTE: (o, to) =>
    new NoRouteError(`No active forwarding route from ${o.marketplaceId} to ${to}`, { from: o.marketplaceId, to }),
  FORWARD_CYCLE: (o, to) =>
    new ForwardCycleError(`Marketplace ${to} is already in the offer's path`, { offerId: o._id, to }),
  MAX_DEPTH_EXCEEDED: (o) =>
    new MaxDepthExceededError(`Forwarding offer ${o._id} again would exceed the maximum forwarding depth`, {
      depth: o.depth,
    }),
  STOCK_GATE_CLOSED: (o, _to, names) =>
    new StockGateClosedError(
      `Stock gate closed: marketplace ${names.market} has no stock of product ${names.product}, and it forwards a product only while it holds it`,
      { marketplaceId: o.marketplaceId, productId: o.productId },
    ),
};

/** An offer that may be forwarded to a marketplace. */
export interface ForwardTarget {
  source: OfferRecord;
  target: MarketplaceSettings;
}

/** `forwardOffer` once its checks passed: what to forward where, and the forward already there, if any. */
export interface ForwardPlan extends ForwardTarget {
  existing: OfferRecord | null;
}

/** The forward of `source` at `target`, before its first evaluation. */
export const draftForward = ({ source, target }: ForwardTarget): OfferRecord =>
  draftOffer(newId("offer"), {
    key: forwardedOfferKey(source._id, target.marketplaceId),
    sellerId: source.sellerId,
    marketplaceId: target.marketplaceId,
    productId: source.productId,
    sourceId: source._id,
    viaId: source.marketplaceId,
    path: [...source.path, target.marketplaceId],
    depth: source.depth + 1,
    price: source.price,
    currency: source.currency,
    status: target.autoApprove ? "ACTIVE" : "PENDING",
  });

/**
 * The checks of forwarding offers down routes, by hand (`forwardOffer`) and
 * automatically (`autoForward` routes); `OfferPropagation` writes the forwards.
 */
export class ForwardingService {
  constructor(
    private readonly offers: OfferRepository,
    private readonly routes: RouteRepository,
    private readonly settings: SettingsRepository,
    private readonly stock: StockRepository,
    private readonly directory: EntityDirectory,
    private readonly maxDepth: number,
  ) {}

  /** `forwardOffer`: the caller's rights, then the contract's checks in order. */
  async check(principal: Principal | null, offerId: string, toId: string): Promise<ForwardPlan> {
    requirePrincipal(principal);
    const offer = await this.offers.findById(offerId);
    if (!offer) throw new NotFoundError("offer", offerId);
    requireAdminOr(principal, { kind: "MARKETPLACE", id: offer.marketplaceId });
    await this.directory.require("Marketplace", toId);

    const [route, settings, stock] = await Promise.all([
      this.routes.get(offer.marketplaceId, toId),
      this.settings.getMany([offer.marketplaceId, toId]),
      this.stock.get(offer.marketplaceId, offer.productId),
    ]);
    const verdict = checkForward({
      offer,
      targetMarketplaceId: toId,
      routeActive: route?.active ?? false,
      maxDepth: this.maxDepth,
      forwarder: { requireStockToForward: settings.get(offer.marketplaceId)!.requireStockToForward, stock: stock.quantity },
    });
    if (!verdict.ok) {
      const names =
        verdict.code === "STOCK_GATE_CLOSED"
          ? {
              market: await this.directory.describe("Marketplace", offer.marketplaceId),
              product: await this.directory.describe("Product", offer.productId),
            }
          : { market: offer.marketplaceId, product: offer.productId };
      throw VERDICT_ERRORS[verdict.code]!(offer, toId, names);
    }

    const [existing] = await this.offers.findByKeys([forwardedOfferKey(offer._id, toId)]);
    return { source: offer, target: settings.get(toId)!, existing: existing ?? null };
  }

  /**
   * Of the offers in `frontier`, each with every active auto-forward route
   * out of its marketplace (only to `onlyTo` when given) that it passes the
   * checks of and has no forward over yet, in any status, withdrawn included.
   */
  async autoForwardable(frontier: readonly OfferRecord[], onlyTo?: string): Promise<ForwardTarget[]> {
    const marketplaces = [...new Set(frontier.map((o) => o.marketplaceId))];
    const routes = (await this.routes.autoForwardFromMany(marketplaces)).filter((r) => onlyTo === undefined || r.toId === onlyTo);
    if (routes.length === 0) return [];
    const routesFrom = new Map<string, Route[]>();
    for (const r of routes) routesFrom.set(r.fromId, [...(routesFrom.get(r.fromId) ?? []), r]);
    const targets = [...new Set(routes.map((r) => r.toId))];
    const [settings, stock] = await Promise.all([
      this.settings.getMany([...marketplaces, ...targets]),
      this.stock.quantities(frontier.map((o) => stockKey(o.marketplaceId, o.productId))),
    ]);
    const pairs = frontier.flatMap((o) =>
      (routesFrom.get(o.marketplaceId) ?? [])
        .filter(
          (r) =>
            checkForward({
              offer: o,
              targetMarketplaceId: r.toId,
              routeActive: r.active,
              maxDepth: this.maxDepth,
              forwarder: {
                requireStockToForward: settings.get(o.marketplaceId)!.requireStockToForward,
                stock: stock.get(stockKey(o.marketplaceId, o.productId)) ?? 0,
              },
            }).ok,
        )
        .map((r) => ({ source: o, toId: r.toId })),
    );
    const existing = new Set(
      (await this.offers.findByKeys(pairs.map((p) => forwardedOfferKey(p.source._id, p.toId)))).map((o) => o.key),
    );
    return pairs
      .filter((p) => !existing.has(forwardedOfferKey(p.source._id, p.toId)))
      .map((p) => ({ source: p.source, target: settings.get(p.toId)! }));
  }
}
