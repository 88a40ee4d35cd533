import mongoose from "mongoose";
import { startDatabase } from "./db";

export interface ProbeRow {
  documents: number;
  findMs: number;
  updateMs: number;
  insertMs: number;
}

/**
 * The embedded database on its own: time per find, update and insert by _id
 * in a collection of offer-like documents (with the offers' secondary indexes
 * shape), at growing sizes. A database that uses its indexes answers these in
 * the same time at any size; this one shows whether it scans.
 */
export async function probeDatabase(sizes = [500, 1_000, 2_000, 4_000, 10_000], ops = 5): Promise<ProbeRow[]> {
  const db = await startDatabase();
  const connection = await mongoose.createConnection(db.uri, { autoCreate: false, autoIndex: false }).asPromise();
  try {
    // Untyped: string _ids and free-form updates.
    const col = connection.db!.collection("probe") as unknown as {
      createIndex(spec: object, options?: object): Promise<unknown>;
      insertMany(docs: object[]): Promise<unknown>;
      insertOne(doc: object): Promise<unknown>;
      findOne(filter: object): Promise<unknown>;
      updateOne(filter: object, update: object): Promise<unknown>;
    };
    await col.createIndex({ key: 1 }, { unique: true });
    await col.createIndex({ marketplaceId: 1, _id: 1 });
    await col.createIndex({ sourceId: 1 });
    const doc = (i: number) => ({
      _id: `off_${String(i).padStart(24, "0")}`,
      key: `k${i}`,
      sellerId: `sel_${i % 100}`,
      marketplaceId: `mkt_${i % 30}`,
      sourceId: i % 3 ? `off_${String(i - 1).padStart(24, "0")}` : null,
      path: ["a", "b", "c"],
      price: i,
      available: true,
      quantity: 5,
      outbox: [],
      createdAt: new Date(),
    });
    const rows: ProbeRow[] = [];
    let n = 0;
    const timed = async (f: (i: number) => Promise<unknown>) => {
      const t = performance.now();
      for (let i = 0; i < ops; i++) await f(i);
      return (performance.now() - t) / ops;
    };
    for (const size of sizes) {
      while (n < size) {
        const batch = Array.from({ length: Math.min(1000, size - n) }, () => doc(n++));
        await col.insertMany(batch);
      }
      const pick = (i: number) => `off_${String((i * 7919) % size).padStart(24, "0")}`;
      const findMs = await timed((i) => col.findOne({ _id: pick(i) }));
      const updateMs = await timed((i) => col.updateOne({ _id: pick(i) }, { $set: { quantity: i }, $inc: { price: 1 } }));
      const insertMs = await timed(async () => {
        await col.insertOne(doc(n++));
      });
      rows.push({ documents: size, findMs, updateMs, insertMs });
      process.stdout.write(`database alone, ${size} documents: find ${findMs.toFixed(1)} ms, update ${updateMs.toFixed(1)} ms, insert ${insertMs.toFixed(1)} ms\n`);
    }
    return rows;
  } finally {
    await connection.close();
    await db.process.stop();
  }
}
