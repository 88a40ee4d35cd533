import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import type { AccountsContext } from "../context";
import type { PrincipalKindEnum } from "../viewer/principal.type";
import { RotateApiKeyPayload } from "./api-key.type";

@Resolver()
export class ApiKeyResolver {
  @Mutation(() => RotateApiKeyPayload, {
    description:
      "A seller or marketplace: its own key (accountId omitted or its own id). Admin: any account's key (accountId required). The old key is refused at once.",
  })
  async rotateApiKey(
    @Ctx() ctx: AccountsContext,
    @Arg("accountId", () => ID, { nullable: true, description: "The seller or marketplace whose key to replace; omitted: the caller's own" }) accountId?: string | null,
  ): Promise<RotateApiKeyPayload> {
    const { kind, id, apiKey } = await ctx.services.keyRotation.rotate(ctx.principal, accountId);
    return { account: { kind: kind as PrincipalKindEnum, id }, apiKey };
  }
}
