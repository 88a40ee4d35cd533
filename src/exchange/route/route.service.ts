import { requireAdminOr } from "../../shared/auth";
import { BadUserInputError, NotFoundError } from "../../shared/errors";
import type { Principal } from "../../shared/principal";
import type { EntityDirectory } from "../directory/entity-directory";
import { newIntent, type SettleIntent } from "../offer/intent";
import type { OfferPropagation } from "../offer/offer.propagation";
import type { OfferRepository } from "../offer/offer.repository";
import type { QuantityPolicy } from "../rules/types";
import type { Route, RouteRepository } from "./route.repository";

/** Forwarding routes, decided by the downstream marketplace (`to`). */
export class RouteService {
  constructor(
    private readonly routes: RouteRepository,
    private readonly offers: OfferRepository,
    private readonly propagation: OfferPropagation,
    private readonly directory: EntityDirectory,
  ) {}

  private async authorize(principal: Principal | null, fromId: string, toId: string): Promise<void> {
    requireAdminOr(principal, { kind: "MARKETPLACE", id: toId });
    await Promise.all([this.directory.require("Marketplace", fromId), this.directory.require("Marketplace", toId)]);
  }

  /** Opens the route, or updates and reopens it; the same values again change nothing. */
  async open(
    principal: Principal | null,
    input: { fromMarketplaceId: string; toMarketplaceId: string; autoForward?: boolean | null; quantityPolicy?: QuantityPolicy | null },
  ): Promise<Route> {
    const { fromMarketplaceId: fromId, toMarketplaceId: toId } = input;
    await this.authorize(principal, fromId, toId);
    if (fromId === toId) throw new BadUserInputError("A route must join two different marketplaces");
    const wanted = {
      active: true,
      autoForward: input.autoForward ?? false,
      quantityPolicy: input.quantityPolicy ?? ("SELLER_GATED" as const),
    };
    // The change and the intent to re-evaluate the offers over the route are one atomic write.
    const intent = newIntent();
    // A new route has no offers over it yet: only an auto-forward one has work to do.
    const created = await this.routes.create({ fromId, toId, ...wanted }, wanted.autoForward ? intent : undefined);
    if (created) {
      if (created.autoForward) await this.settleRoute(fromId, toId, true, intent);
      return created;
    }
    const updated = await this.routes.update(fromId, toId, wanted, intent);
    if (!updated) throw new NotFoundError("route", `${fromId}→${toId}`);
    if (updated.changed) await this.settleRoute(fromId, toId, updated.route.autoForward, intent);
    return updated.route;
  }

  /** Closes the route: the offers forwarded over it become ROUTE_CLOSED. */
  async close(principal: Principal | null, fromId: string, toId: string): Promise<Route> {
    await this.authorize(principal, fromId, toId);
    const intent = newIntent();
    const updated = await this.routes.update(fromId, toId, { active: false }, intent);
    if (!updated) throw new NotFoundError("route", `${fromId}→${toId}`);
    if (updated.changed) await this.settleRoute(fromId, toId, false, intent);
    return updated.route;
  }

  /** Re-evaluates the offers forwarded over the route, and forwards over it what now qualifies; closes `intent`. */
  private async settleRoute(fromId: string, toId: string, autoForward: boolean, intent: SettleIntent): Promise<void> {
    await this.propagation.settleRoute(fromId, toId, autoForward, intent);
  }

  listFrom(ids: readonly string[]): Promise<Route[]> {
    return this.routes.listFrom(ids);
  }

  listTo(ids: readonly string[]): Promise<Route[]> {
    return this.routes.listTo(ids);
  }
}
