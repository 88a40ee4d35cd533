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
  private readonly known = new Set<string>();
  private readonly loaders: Record<"accounts" | "catalog", DataLoader<string, boolean>>;

  constructor(private readonly options: DirectoryOptions) {
    this.loaders = {
      accounts: new DataLoader((keys) => this.lookup(options.accountsUrl(), ["Seller", "Marketplace"], keys), {
        cache: false,
      }),
      catalog: new DataLoader((keys) => this.lookup(options.catalogUrl(), ["Product"], keys), { cache: false }),
    };
  }

  private async lookup(url: string, types: EntityType[], keys: readonly string[]): Promise<boolean[]> {
    const representations = keys.map((k) => {
      const [typename, id] = k.split("|");
      return { __typename: typename, id };
    });
    let body: { data?: { _entities: ({ id: string } | null)[] }; errors?: unknown[] };
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [PRINCIPAL_HEADER]: signPrincipal(SERVICE_PRINCIPAL, this.options.internalSecret),
        },
        body: JSON.stringify({
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ${types.map((t) => `... on ${t} { id }`).join(" ")} } }`,
          variables: { r: representations },
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
      body = (await response.json()) as typeof body;
    } catch {
      throw new ServiceUnavailableError();
    }
    if (!body.data?._entities) throw new ServiceUnavailableError();
    return body.data._entities.map((e) => e !== null && e !== undefined);
  }

  async exists(type: EntityType, id: string): Promise<boolean> {
    if (!isIdOf(KIND_OF[type], id)) return false;
    const key = `${type}|${id}`;
    if (this.known.has(key)) return true;
    const found = await this.loaders[type === "Product" ? "catalog" : "accounts"].load(key);
    if (found) this.known.add(key);
    return found;
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
