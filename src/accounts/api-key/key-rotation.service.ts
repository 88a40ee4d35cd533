import { requirePrincipal } from "../../shared/auth";
import { BadUserInputError, ForbiddenError, NotFoundError } from "../../shared/errors";
import { isIdOf } from "../../shared/ids";
import { logger } from "../../shared/logger";
import type { Principal } from "../../shared/principal";
import type { AccountRepository } from "../account/account.repository";
import type { ApiKeyRepository } from "./api-key.repository";
import type { ApiKeyService } from "./api-key.service";

/** Tells every gateway to forget what it cached for an account's keys (the event bus). */
export type KeyRevocationNotifier = (principalId: string) => Promise<void>;

/**
 * Replaces an account's API key: a seller or a marketplace its own, the
 * admin anyone's. The new key is stored first, then made the account's one
 * working key by a single atomic write (./api-key.repository.ts), so a
 * failure half-way leaves the old key working rather than none, and
 * concurrent rotations leave exactly one working key, the last one written;
 * then the gateways are told to drop their cached copy and end what the old
 * key holds open.
 */
export class KeyRotationService {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly keyRecords: ApiKeyRepository,
    private readonly accounts: { seller: AccountRepository; marketplace: AccountRepository },
    private readonly notify: KeyRevocationNotifier,
  ) {}

  async rotate(principal: Principal | null, accountId: string | null | undefined): Promise<{ kind: "SELLER" | "MARKETPLACE"; id: string; apiKey: string }> {
    const p = requirePrincipal(principal);
    if (p.kind === "SERVICE") throw new ForbiddenError();
    let target: string;
    if (p.kind === "ADMIN") {
      if (!accountId) throw new BadUserInputError('The admin key is set in the environment; pass the "accountId" of a seller or marketplace', { field: "accountId" });
      target = accountId;
    } else {
      target = accountId ?? p.id!;
      if (target !== p.id) throw new ForbiddenError("A seller or marketplace may rotate only its own key");
    }
    const kind = isIdOf("seller", target) ? "SELLER" : isIdOf("marketplace", target) ? "MARKETPLACE" : null;
    const found = kind ? await this.accounts[kind === "SELLER" ? "seller" : "marketplace"].findByIds([target]) : [];
    if (!kind || found.length === 0) throw new NotFoundError("seller or marketplace", target);

    const { keyId, apiKey } = await this.keys.issue(kind, target);
    await this.keyRecords.makeCurrent(target, keyId);
    try {
      await this.notify(target);
    } catch (error) {
      // The old key is revoked in the database already; gateways that missed the
      // message stop trusting their cached copy within their cache's few seconds.
      logger.warn("key revocation not broadcast", { account: target, error: (error as Error).message });
    }
    return { kind, id: target, apiKey };
  }
}
