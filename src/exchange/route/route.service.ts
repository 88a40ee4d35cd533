import { requireAdminOr } from "../../shared/auth";
import { BadUserInputError, NotFoundError } from "../../shared/errors";
import type { Principal } from "../../shared/principal";
import type { EntityDirectory } from "../directory/entity-directory";
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
    const created = await this.routes.create({ fromId, toId, ...wanted });
    if (created) {
      if (created.autoForward) await this.settleRoute(fromId, toId, true);
      return created;
    }
    const updated = await this.routes.update(fromId, toId, wanted);
    if (!updated) throw new NotFoundError("route", `${fromId}→${toId}`);
    if (updated.changed) await this.settleRoute(fromId, toId, updated.route.autoForward);
    return updated.route;
  }

  /** Closes the route: the offers forwarded over it become ROUTE_CLOSED. */
  async close(principal: Principal | null, fromId: string, toId: string): Promise<Route> {
    await this.authorize(principal, fromId, toId);
    const updated = await this.routes.update(fromId, toId, { active: false });
    if (!updated) throw new NotFoundError("route", `${fromId}→${toId}`);
    if (updated.changed) await this.settleRoute(fromId, toId, false);
    return updated.route;
  }

  /** Re-evaluates the offers forwarded over the route, and forwards over it what now qualifies. */
  private async settleRoute(fromId: string, toId: string, autoForward: boolean): Promise<void> {
    const overRoute = await this.offers.forwardedBy(fromId, toId);
    await this.propagation.settle(
      overRoute.map((o) => o._id),
      { records: overRoute, ...(autoForward ? { autoForwardCandidates: () => this.offers.activeAt(fromId), autoForwardOnlyTo: toId } : {}) },
    );
  }

  listFrom(ids: readonly string[]): Promise<Route[]> {
    return this.routes.listFrom(ids);
  }

  listTo(ids: readonly string[]): Promise<Route[]> {
    return this.routes.listTo(ids);
  }
}
