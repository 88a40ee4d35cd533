import { evaluateDirectOffer, evaluateForwardedOffer } from "../rules/availability";
import { feedEventFor, visibleChange, type VisibleState } from "../rules/feed-events";
import type { Availability, OfferEventType, OfferStatus } from "../rules/types";
import { routeKey } from "../route/route.model";
import type { Route } from "../route/route.repository";
import { stockKey } from "../stock/stock.model";
import { unflushedOutbox, type OfferRecord, type OutboxEvent } from "./offer.model";
import type { OfferWrite } from "./offer.repository";

/**
 * An offer's step under the rules, with no I/O: the facts it reads come in,
 * its new state, the write that records it and its feed event come out. The
 * reconciler loads the facts and makes the writes.
 */

/** What a mutation may change on an offer itself; the rest is derived. */
export interface OfferChange {
  status?: OfferStatus;
  price?: number;
  currency?: string;
}

/** The facts a set of offers is evaluated against. */
export interface OfferFacts {
  /** Stock levels by `stockKey(owner, product)`; a level not here is 0. */
  stock: Map<string, number>;
  /** Routes by `routeKey(from, to)`; a route not here is closed. */
  routes: Map<string, Route>;
  /** Each forwarding marketplace's `requireStockToForward`; one not here requires stock. */
  requireStock: Map<string, boolean>;
  /** The sources of forwarded offers, by id; a source not here is unavailable. */
  sources: Map<string, OfferRecord>;
  /** The W3C trace context of the request, kept with each event it raises. */
  traceparent?: string;
}

/** What must be read to evaluate `records`: the stock levels, routes, forwarders' settings and sources they depend on. */
export function factKeys(records: readonly OfferRecord[]) {
  const forwarded = records.filter((r) => r.depth > 0);
  return {
    stock: records.map((r) => stockKey(r.depth === 0 ? r.sellerId : r.viaId!, r.productId)),
    routes: forwarded.map((r) => routeKey(r.viaId!, r.marketplaceId)),
    forwarders: forwarded.map((r) => r.viaId!),
    sources: forwarded.map((r) => r.sourceId!),
  };
}

const VISIBLE_FIELDS = [
  "status",
  "price",
  "currency",
  "available",
  "quantity",
  "unavailableReason",
] as const satisfies readonly (keyof VisibleState)[];

/** An offer's feed event, as its outbox keeps it (see `OutboxEvent`). */
const eventOf = (type: OfferEventType, after: VisibleState, occurredAt: Date, traceparent: string | undefined): OutboxEvent => {
  const event: OutboxEvent = { type, available: after.available, quantity: after.quantity, unavailableReason: after.unavailableReason, occurredAt };
  // Stored only when traced: the same for every offer the one request changes, so shared writes stay shared.
  if (traceparent) event.traceparent = traceparent;
  return event;
};

const visible = (o: Pick<OfferRecord, keyof VisibleState>): VisibleState => ({
  status: o.status,
  price: o.price,
  currency: o.currency,
  available: o.available,
  quantity: o.quantity,
  unavailableReason: o.unavailableReason,
});

/** The derived part of an offer under the given facts: its availability, and a forwarded offer's price and currency, which are its source's. */
export function derive(record: OfferRecord, facts: OfferFacts): Availability & { price: number; currency: string } {
  if (record.depth === 0) {
    return {
      ...evaluateDirectOffer({
        status: record.status,
        sellerStock: facts.stock.get(stockKey(record.sellerId, record.productId)) ?? 0,
      }),
      price: record.price,
      currency: record.currency,
    };
  }
  const source = facts.sources.get(record.sourceId!);
  const route = facts.routes.get(routeKey(record.viaId!, record.marketplaceId)) ?? null;
  return {
    ...evaluateForwardedOffer({
      status: record.status,
      route,
      source: source ?? { available: false, quantity: 0, unavailableReason: "WITHDRAWN" },
      forwarder: {
        requireStockToForward: facts.requireStock.get(record.viaId!) ?? true,
        stock: facts.stock.get(stockKey(record.viaId!, record.productId)) ?? 0,
      },
    }),
    price: source?.price ?? record.price,
    currency: source?.currency ?? record.currency,
  };
}

/** What the offer shows under `facts`, with its own status, price and currency as given in `offer`. */
const visibleUnder = (offer: OfferRecord, facts: OfferFacts): VisibleState => ({ status: offer.status, ...derive(offer, facts) });

export interface Transition {
  /** The compare-and-set write, without the offer's id and `rev`. */
  write: Omit<OfferWrite, "id" | "rev">;
  /** The offer as the write leaves it. */
  result: OfferRecord;
  /** Nothing shown changes, no event, and the outbox keeps what it holds: the write would only move `rev`. */
  noop: boolean;
}

/**
 * The write that moves `current` to `next` (its status, price and currency
 * as changed) under `facts`, with its feed event, and the offer as it will
 * be. The write holds only what changed, as values the same for every
 * offer given the same change (counters are increments, the event carries
 * no number and no price of its own), so that offers changed alike share
 * one update.
 */
export function transition(current: OfferRecord, next: OfferRecord, facts: OfferFacts, now: Date): Transition {
  const after = visibleUnder(next, facts);
  const before = visible(current);
  const type = feedEventFor(before, after);
  const changed = visibleChange(before, after);
  const set: Partial<OfferRecord> = {};
  for (const key of VISIBLE_FIELDS) if (after[key] !== current[key]) Object.assign(set, { [key]: after[key] });
  let waiting = unflushedOutbox(current);
  // Events still waiting keep the price they were raised at.
  if (set.price !== undefined) waiting = waiting.map((e) => (e.price === undefined ? { ...e, price: current.price } : e));
  const events: OutboxEvent[] = type ? [eventOf(type, after, now, facts.traceparent)] : [];
  set.outbox = [...waiting, ...events];
  set.hasPending = set.outbox.length > 0;
  if (changed) set.updatedAt = now;
  // What this offer shows feeds the offers forwarded from it: the intent to catch them up is
  // durable with the change (an older one still waiting is kept: it is swept first).
  if (changed && !current.settleAt) set.settleAt = now;
  const inc: OfferWrite["inc"] = {};
  if (changed) inc.version = 1;
  if (events.length > 0) inc.eventCount = events.length;
  const result: OfferRecord = {
    ...current,
    ...set,
    rev: current.rev + 1,
    version: current.version + (inc.version ?? 0),
    eventCount: current.eventCount + (inc.eventCount ?? 0),
  };
  const noop = !changed && events.length === 0 && waiting.length === current.outbox.length && set.hasPending === current.hasPending;
  return { write: { set, inc }, result, noop };
}

/** A new offer (a draft) as it is inserted: its derived state under `facts`, and its first event. */
export function initialState(record: OfferRecord, facts: OfferFacts): OfferRecord {
  const after = visibleUnder(record, facts);
  const type = feedEventFor(null, after);
  const outbox = type ? [eventOf(type, after, record.createdAt, facts.traceparent)] : [];
  // A new offer is evaluated again once inserted (facts may move meanwhile) and may be auto-forwarded: both wait on this.
  return { ...record, ...after, eventCount: outbox.length, outbox, hasPending: outbox.length > 0, settleAt: record.createdAt };
}
