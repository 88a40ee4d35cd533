import { Schema, type Connection, type Model } from "mongoose";
import { intentSchema, type SettleIntent } from "../offer/intent";
import type { QuantityPolicy } from "../rules/types";

export interface RouteRecord {
  _id: string; // `${fromId}:${toId}`
  fromId: string;
  toId: string;
  active: boolean;
  autoForward: boolean;
  quantityPolicy: QuantityPolicy;
  createdAt: Date;
  updatedAt: Date;
  /** Set with every change of the route, cleared once the offers over it are re-evaluated. */
  intent?: SettleIntent;
}

const routeSchema = new Schema<RouteRecord>(
  {
    _id: { type: String, required: true },
    fromId: { type: String, required: true },
    toId: { type: String, required: true },
    active: { type: Boolean, required: true },
    autoForward: { type: Boolean, required: true },
    quantityPolicy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    intent: { type: intentSchema, required: false },
  },
  { versionKey: false },
);
routeSchema.index({ fromId: 1, createdAt: 1 });
routeSchema.index({ toId: 1, createdAt: 1 });
routeSchema.index({ "intent.at": 1 }, { sparse: true });

export type RouteModel = Model<RouteRecord>;

export const routeModel = (connection: Connection): RouteModel =>
  connection.model<RouteRecord>("ForwardingRoute", routeSchema, "routes");

export const routeKey = (fromId: string, toId: string) => `${fromId}:${toId}`;
