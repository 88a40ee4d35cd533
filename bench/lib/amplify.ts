import mongoose from "mongoose";

const ID = /\b(sel|off)_[0-9a-f]{24}\b/g;
const newHex = () => new mongoose.Types.ObjectId().toHexString();

function remap(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(ID, (id, kind: string) => {
      let mapped = ids.get(id);
      if (!mapped) ids.set(id, (mapped = `${kind}_${newHex()}`));
      return mapped;
    });
  }
  if (Array.isArray(value)) return value.map((v) => remap(v, ids));
  if (value && typeof value === "object" && !(value instanceof Date) && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, remap(v, ids)]));
  }
  return value;
}

/**
 * Grows a data set seeded through the API by copying whole sellers: each copy
 * of a template seller gets a fresh id, and so does every offer of its (its
 * direct offers and every offer forwarded from them), with its affiliations
 * and stock; marketplaces, routes and products are shared. A copy is the
 * template's documents with only the ids changed, so it holds exactly what
 * the rules computed for the template. The feed is not copied (outboxes are
 * left empty). This is only how the bench makes thousands of offers in
 * seconds: the embedded database scans its collections on every query, so
 * seeding them one submitOffer at a time grows with the square of their
 * number.
 */
export async function copySellers(uri: string, templateSellerIds: string[], copies: number): Promise<{ sellers: string[]; offers: number }> {
  const connection = await mongoose.createConnection(uri, { autoCreate: false, autoIndex: false }).asPromise();
  try {
    const db = connection.db!;
    const col = (name: string) => db.collection<Record<string, unknown>>(name);
    const sellers: string[] = [];
    let offers = 0;
    for (const sellerId of templateSellerIds) {
      const [seller, affiliations, stock, offerDocs] = await Promise.all([
        col("sellers").findOne({ _id: sellerId as never }),
        col("affiliations").find({ sellerId }).toArray(),
        col("stock_levels").find({ ownerId: sellerId }).toArray(),
        col("offers").find({ sellerId }).toArray(),
      ]);
      if (!seller) throw new Error(`template seller ${sellerId} not found`);
      for (let k = 1; k <= copies; k++) {
        const ids = new Map<string, string>();
        const copy = <T>(doc: T) => remap(doc, ids) as Record<string, unknown>;
        const newSeller: Record<string, unknown> = { ...copy(seller), name: `${seller.name as string} copy ${k}` };
        sellers.push(newSeller._id as string);
        await col("sellers").insertOne(newSeller);
        if (affiliations.length) await col("affiliations").insertMany(affiliations.map(copy));
        if (stock.length) await col("stock_levels").insertMany(stock.map(copy));
        const copied = offerDocs.map((o) => ({ ...copy(o), outbox: [], flushedThrough: o.eventCount, hasPending: false }));
        if (copied.length) await col("offers").insertMany(copied);
        offers += copied.length;
      }
    }
    return { sellers, offers };
  } finally {
    await connection.close();
  }
}
