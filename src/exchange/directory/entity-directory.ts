import DataLoader from "dataloader";
import { NotFoundError, ServiceUnavailableError } from "../../shared/errors";
import { isIdOf } from "../../shared/ids";
import { PRINCIPAL_HEADER, SERVICE_PRINCIPAL, signPrincipal } from "../../shared/principal";

type EntityType = "Seller" | "Marketplace" | "Product";

const KIND_OF: Record<EntityType, "seller" | "marketplace" | "product"> = {
  Seller: "seller",
  Marketplace: "marketplace",
  Product: "product",
};

export interface DirectoryOptions {
  accountsUrl: () => string;
  catalogUrl: () => string;
  internalSecret: string;
  timeoutMs?: number;
}

/**
 * Answers "does this seller / marketplace / product exist?" from the subgraph
 * that owns it, through its `_entities`: batched (one call per subgraph per
 * tick) and cached for good once found, since ids never change or go away.
 * When the owner cannot be reached it fails closed with SERVICE_UNAVAILABLE.
 */
export class EntityDirectory {
  /** Entities found so far, by `Type|id`, with their names (neither ever changes). */
  private readonly known = new Map<string, string>();
  private readonly loaders: Record<"accounts" | "catalog", DataLoader<string, string | null>>;

  constructor(private readonly options: DirectoryOptions) {
    this.loaders = {
      accounts: new DataLoader((keys) => this.lookup(options.accountsUrl(), ["Seller", "Marketplace"], keys), {
        cache: false,
      }),
      catalog: new DataLoader((keys) => this.lookup(options.catalogUrl(), ["Product"], keys), { cache: false }),
    };
  }

  /** The name of each referenced entity, null where none exists. */
  private async lookup(url: string, types: EntityType[], keys: readonly string[]): Promise<(string | null)[]> {
    const representations = keys.map((k) => {
      const [typename, id] = k.split("|");
      return { __typename: typename, id };
    });
    let body: { data?: { _entities: ({ id: string; name: string } | null)[] }; errors?: unknown[] };
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [PRINCIPAL_HEADER]: await signPrincipal(SERVICE_PRINCIPAL, this.options.internalSecret),
        },
        body: JSON.stringify({
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ${types.map((t) => `... on ${t} { id name }`).join(" ")} } }`,
          variables: { r: representations },
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
      body = (await response.json()) as typeof body;
    } catch {
      throw new ServiceUnavailableError();
    }
    if (!body.data?._entities) throw new ServiceUnavailableError();
    return body.data._entities.map((e) => e?.name ?? null);
  }

  private async find(type: EntityType, id: string): Promise<string | null> {
    if (!isIdOf(KIND_OF[type], id)) return null;
    const key = `${type}|${id}`;
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    const name = await this.loaders[type === "Product" ? "catalog" : "accounts"].load(key);
    if (name !== null) this.known.set(key, name);
    return name;
  }

  /** Records an entity its owner has just named (a catalog look-up by GTIN, say), sparing a look-up by id. */
  remember(type: EntityType, id: string, name: string): void {
    if (isIdOf(KIND_OF[type], id)) this.known.set(`${type}|${id}`, name);
  }

  async exists(type: EntityType, id: string): Promise<boolean> {
    return (await this.find(type, id)) !== null;
  }

  /** `"Name" (id)` for messages; just the id when the name cannot be had. */
  async describe(type: EntityType, id: string): Promise<string> {
    const name = await this.find(type, id).catch(() => null);
    return name === null ? id : `"${name}" (${id})`;
  }

  /** Throws NOT_FOUND naming the kind when `id` is not an existing entity of that type. */
  async require(type: EntityType, id: string): Promise<void> {
    if (!(await this.exists(type, id))) throw new NotFoundError(KIND_OF[type], id);
  }

  /** An owner of stock is a seller or a marketplace, told apart by the id's kind. */
  async requireOwner(id: string): Promise<"SELLER" | "MARKETPLACE"> {
    if (isIdOf("seller", id)) {
      await this.require("Seller", id);
      return "SELLER";
    }
    if (isIdOf("marketplace", id)) {
      await this.require("Marketplace", id);
      return "MARKETPLACE";
    }
    throw new NotFoundError("seller or marketplace", id);
  }
}
