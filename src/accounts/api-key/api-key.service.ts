import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Principal } from "../../shared/principal";
import type { ApiKeyRepository } from "./api-key.repository";

/** `og_<key id, 16 hex>_<secret, 32 random bytes base64url>`: 256 bits of secret. */
const KEY_SHAPE = /^og_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (value: string): Buffer => createHash("sha256").update(value).digest();

/** Issues API keys (shown once, stored hashed) and resolves a presented key to its principal. */
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly adminApiKey: string,
  ) {}

  async issue(principalKind: "SELLER" | "MARKETPLACE", principalId: string): Promise<{ keyId: string; apiKey: string }> {
    const keyId = randomBytes(8).toString("hex");
    const secret = randomBytes(32).toString("base64url");
    await this.keys.insert({
      _id: keyId,
      secretHash: sha256(secret).toString("hex"),
      principalKind,
      principalId,
      createdAt: new Date(),
    });
    return { keyId, apiKey: `og_${keyId}_${secret}` };
  }

  /** The principal a key stands for, or null for a key that is unknown, malformed or revoked. */
  async authenticate(apiKey: string): Promise<Principal | null> {
    if (safeEqual(apiKey, this.adminApiKey)) return { kind: "ADMIN", id: null };
    const match = KEY_SHAPE.exec(apiKey);
    if (!match) return null;
    const record = await this.keys.findActive(match[1]!);
    if (!record) return null;
    const given = sha256(match[2]!);
    const stored = Buffer.from(record.secretHash, "hex");
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return null;
    return { kind: record.principalKind, id: record.principalId };
  }
}

/** Constant-time comparison of two strings of any length. */
function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}
