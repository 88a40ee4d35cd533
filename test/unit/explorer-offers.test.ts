import { forwarderGate, mergeOffers, type ExplorerOffer } from "../../web/explorer/offers";

const market = (id: string, requireStockToForward = true) => ({ id, name: id, requireStockToForward });

function offer(id: string, fields: Partial<ExplorerOffer> = {}): ExplorerOffer {
  return {
    id,
    depth: 0,
    path: ["s", "A"],
    status: "ACTIVE",
    available: true,
    quantity: 5,
    price: 100,
    currency: "BRL",
    unavailableReason: null,
    version: 1,
    updatedAt: "2026-01-01T00:00:00.000Z",
    seller: { id: "s", name: "S" },
    marketplace: market("A"),
    via: null,
    source: null,
    ...fields,
  };
}

describe("the explorer's offer state", () => {
  it("keeps each offer's highest version, whatever order the query and the updates arrive in", () => {
    const start = mergeOffers(new Map(), [offer("o1", { version: 3, quantity: 3 })]);
    const older = mergeOffers(start, [offer("o1", { version: 2, quantity: 2 })]);
    expect(older.get("o1")!.quantity).toBe(3);
    const newer = mergeOffers(older, [offer("o1", { version: 4, quantity: 4 }), offer("o2")]);
    expect([newer.get("o1")!.quantity, newer.size]).toEqual([4, 2]);
    expect(start.get("o1")!.quantity).toBe(3); // the state it started from is left as it was
  });

  it("tells the forwarder's stock gate from public data only", () => {
    const source = offer("u");
    const forwarded = (fields: Partial<ExplorerOffer>, requireStock = true) =>
      offer("f", { depth: 1, via: market("A", requireStock), marketplace: market("B"), source: { id: "u" }, ...fields });
    const offers = (f: ExplorerOffer, u = source) => new Map([["u", u], ["f", f]]);
    expect(forwarderGate(source, offers(forwarded({})))).toBeNull();
    const open = forwarded({});
    expect(forwarderGate(open, offers(open))).toBe("open");
    const off = forwarded({}, false);
    expect(forwarderGate(off, offers(off))).toBe("off");
    const closed = forwarded({ available: false, quantity: 0, unavailableReason: "FORWARDER_OUT_OF_STOCK" });
    expect(forwarderGate(closed, offers(closed))).toBe("closed");
    // The same reason inherited from an unavailable source says nothing of this forwarder's gate.
    const upstream = offer("u", { available: false, quantity: 0, unavailableReason: "FORWARDER_OUT_OF_STOCK" });
    expect(forwarderGate(closed, offers(closed, upstream))).toBe("unknown");
    const routeClosed = forwarded({ available: false, quantity: 0, unavailableReason: "ROUTE_CLOSED" });
    expect(forwarderGate(routeClosed, offers(routeClosed))).toBe("unknown");
  });
});
