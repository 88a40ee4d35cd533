import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { ExchangeContext } from "../context";
import { SubmitOfferInput } from "../offer/offer.type";
import { SetStockInput } from "../stock/stock.type";
import type { BulkOutcome } from "./bulk";
import { BulkOfferPayloadType, BulkStockPayloadType } from "./bulk.type";

/** Outcomes as a payload: results in input order, and the counts. */
function payload<T>(outcomes: BulkOutcome<T>[], field: string) {
  const results = outcomes.map((o) => ({ index: o.index, [field]: o.error ? null : o.value, error: o.error ?? null }));
  const failed = outcomes.filter((o) => o.error).length;
  return { results, succeeded: outcomes.length - failed, failed };
}

@Resolver()
export class BulkResolver {
  @Mutation(() => BulkOfferPayloadType, { description: "Partners: 1 to 1,000 items, each applied on its own as submitOffer would be, in order." })
  async submitOffers(@Arg("input", () => [SubmitOfferInput], { description: "The items, 1 to 1,000" }) input: SubmitOfferInput[], @Ctx() ctx: ExchangeContext) {
    return payload(await ctx.services.offerBulk.submitMany(ctx.principal, input), "offer");
  }

  @Mutation(() => BulkStockPayloadType, { description: "1 to 1,000 items, each applied on its own as setStock would be, in order." })
  async setStocks(@Arg("input", () => [SetStockInput], { description: "The items, 1 to 1,000" }) input: SetStockInput[], @Ctx() ctx: ExchangeContext) {
    return payload(await ctx.services.stockBulk.setMany(ctx.principal, input), "stockLevel");
  }
}
