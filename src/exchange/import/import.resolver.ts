import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from "type-graphql";
import type { ExchangeContext } from "../context";
import type { OfferImportRecord } from "./import.model";
import { OfferImportErrorConnection, OfferImportType } from "./import.type";

@ArgsType()
class ImportErrorsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 100, description: "How many errors to return" })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Errors after this cursor; null: from the start" })
  after?: string | null;
}

@ArgsType()
class ImportProgressArgs {
  @Field(() => ID, { description: "The import's id" })
  id!: string;
}

@Resolver(() => OfferImportType)
export class ImportResolver {
  @Query(() => OfferImportType, { nullable: true, description: "Private: the seller who started it or an admin." })
  offerImport(@Arg("id", () => ID, { description: "The import's id" }) id: string, @Ctx() ctx: ExchangeContext) {
    return ctx.services.imports.get(ctx.principal, id);
  }

  @Subscription(() => OfferImportType, {
    description: "Private: the seller who started it or an admin. The import as it is now, then again as it progresses; completes after DONE or FAILED.",
    subscribe: async ({ args, context }) => {
      const ctx = context as ExchangeContext;
      const imp = await ctx.services.imports.require(ctx.principal, (args as ImportProgressArgs).id);
      return ctx.services.imports.progress(imp);
    },
  })
  offerImportProgress(@Root() imp: OfferImportRecord, @Args() _args: ImportProgressArgs): OfferImportRecord {
    return imp;
  }

  @FieldResolver(() => ID, { description: "The import's id" })
  id(@Root() imp: OfferImportRecord) {
    return imp._id;
  }

  @FieldResolver()
  seller(@Root() imp: OfferImportRecord) {
    return { id: imp.sellerId };
  }

  @FieldResolver()
  marketplace(@Root() imp: OfferImportRecord) {
    return { id: imp.marketplaceId };
  }

  @FieldResolver(() => OfferImportErrorConnection, { description: "The lines that failed, in line order, a page at a time" })
  errors(@Root() imp: OfferImportRecord, @Args() args: ImportErrorsArgs, @Ctx() ctx: ExchangeContext) {
    return ctx.services.imports.errors(imp, args);
  }
}
