import { isDuplicateKey } from "../../shared/mongo";
import { newIntent, type SettleIntent } from "../offer/intent";
import type { QuantityPolicy } from "../rules/types";
import { routeKey, type RouteModel, type RouteRecord } from "./route.model";

export interface Route {
  fromId: string;
  toId: string;
  active: boolean;
  autoForward: boolean;
  quantityPolicy: QuantityPolicy;
  createdAt: Date;
}

const toRoute = (r: RouteRecord): Route => ({
  fromId: r.fromId,
  toId: r.toId,
  active: r.active,
  autoForward: r.autoForward,
  quantityPolicy: r.quantityPolicy,
  createdAt: r.createdAt,
});

export class RouteRepository {
  constructor(private readonly model: RouteModel) {}

  async get(fromId: string, toId: string): Promise<Route | null> {
    const row = await this.model.findById(routeKey(fromId, toId)).lean<RouteRecord>();
    return row ? toRoute(row) : null;
  }

  /** Routes by `routeKey`, one query. */
  async getMany(keys: readonly string[]): Promise<Map<string, Route>> {
    if (keys.length === 0) return new Map();
    const rows = await this.model.find({ _id: { $in: [...new Set(keys)] } }).lean<RouteRecord[]>();
    return new Map(rows.map((r) => [r._id, toRoute(r)]));
  }

  /** Creates the route (with `intent` when it has work to do: an auto-forward route), or returns null when it already exists (the caller then updates it). */
  async create(route: Omit<Route, "createdAt">, intent?: SettleIntent): Promise<Route | null> {
    const now = new Date();
    const record: RouteRecord = { _id: routeKey(route.fromId, route.toId), ...route, createdAt: now, updatedAt: now, ...(intent ? { intent } : {}) };
    try {
      await this.model.create(record);
      return toRoute(record);
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /** Applies `set` unless the route already has exactly those values; returns the route and whether it changed. */
  async update(
    fromId: string,
    toId: string,
    set: Partial<Pick<Route, "active" | "autoForward" | "quantityPolicy">>,
    intent: SettleIntent = newIntent(),
  ): Promise<{ route: Route; changed: boolean } | null> {
    const _id = routeKey(fromId, toId);
    const differs = Object.entries(set).map(([k, v]) => ({ [k]: { $ne: v } }));
    const row = await this.model
      .findOneAndUpdate({ _id, $or: differs }, { $set: { ...set, updatedAt: new Date(), intent } }, { returnDocument: "after" })
      .lean<RouteRecord>();
    if (row) return { route: toRoute(row), changed: true };
    const current = await this.get(fromId, toId);
    return current ? { route: current, changed: false } : null;
  }

  async listFrom(fromIds: readonly string[]): Promise<Route[]> {
    const rows = await this.model.find({ fromId: { $in: fromIds } }).sort({ createdAt: 1, _id: 1 }).lean<RouteRecord[]>();
    return rows.map(toRoute);
  }

  async listTo(toIds: readonly string[]): Promise<Route[]> {
    const rows = await this.model.find({ toId: { $in: toIds } }).sort({ createdAt: 1, _id: 1 }).lean<RouteRecord[]>();
    return rows.map(toRoute);
  }

  async autoForwardFromMany(fromIds: readonly string[]): Promise<Route[]> {
    if (fromIds.length === 0) return [];
    const rows = await this.model
      .find({ fromId: { $in: fromIds }, active: true, autoForward: true })
      .lean<RouteRecord[]>();
    return rows.map(toRoute);
  }

  /** Clears the route's intent, unless a later change has set another since. */
  async clearIntent(fromId: string, toId: string, intent: SettleIntent): Promise<void> {
    await this.model.updateOne({ _id: routeKey(fromId, toId), "intent.id": intent.id }, { $unset: { intent: 1 } });
  }

  /** Routes whose intent was set at or before `cutoff`: changes whose offers may not have been re-evaluated. */
  async withIntent(cutoff: Date, limit: number): Promise<(Route & { intent: SettleIntent })[]> {
    const rows = await this.model.find({ "intent.at": { $lte: cutoff } }).limit(limit).lean<RouteRecord[]>();
    return rows.map((r) => ({ ...toRoute(r), intent: r.intent! }));
  }
}
