import { randomUUID } from "node:crypto";
import { Schema } from "mongoose";

/**
 * A durable intent to re-evaluate the offers that depend on a fact (a stock
 * level, a route, a marketplace's settings), written in the same atomic
 * update as the change of that fact and cleared, by its id, once they are
 * settled. A crash in between leaves it for the sweep (see OfferPropagation).
 */
export interface SettleIntent {
  id: string;
  at: Date;
}

export const newIntent = (): SettleIntent => ({ id: randomUUID(), at: new Date() });

/** The intent's place in a fact's document; absent when nothing waits. */
export const intentSchema = new Schema<SettleIntent>({ id: String, at: Date }, { _id: false });
