import { StrictMode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { liveClient, request, type GraphQLResult } from "../shared/transport";
import { layoutGraph, shapeKey, type GraphLayout } from "./layout";
import {
  forwarderGate,
  formatPrice,
  mergeOffers,
  orderedOffers,
  PRODUCT_QUERY,
  reasonText,
  SEARCH_QUERY,
  UPDATES_SUBSCRIPTION,
  type ExplorerOffer,
  type ProductSummary,
} from "./offers";
import "./explorer.css";

type ProductPage = {
  product: (ProductSummary & { offers: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: ExplorerOffer }[] } }) | null;
};

/** Every offer of the product, page by page; null when there is no such product. */
async function readProduct(id: string): Promise<{ product: ProductSummary; offers: ExplorerOffer[] } | null> {
  const offers: ExplorerOffer[] = [];
  let after: string | null = null;
  let product: ProductSummary | null = null;
  for (let page = 0; page < 100; page++) {
    const result: GraphQLResult<ProductPage> = await request<ProductPage>(PRODUCT_QUERY, { id, after });
    if (result.errors?.length) throw new Error(result.errors[0]!.message);
    const found: ProductPage["product"] | undefined = result.data?.product;
    if (!found) return null;
    product = { id: found.id, gtin: found.gtin, name: found.name };
    offers.push(...found.offers.edges.map((e) => e.node));
    if (!found.offers.pageInfo.hasNextPage) break;
    after = found.offers.pageInfo.endCursor;
  }
  return { product: product!, offers };
}

function Search({ onPick }: { onPick: (id: string) => void }) {
  const [text, setText] = useState("");
  const [results, setResults] = useState<ProductSummary[]>([]);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stale = false;
    const timer = setTimeout(() => {
      const search = text.trim();
      request<{ products: { totalCount: number; edges: { node: ProductSummary }[] } }>(SEARCH_QUERY, { search: search || null, first: 20 })
        .then((r) => {
          if (stale) return;
          if (r.errors?.length) return setError(r.errors[0]!.message);
          setError(null);
          setResults(r.data!.products.edges.map((e) => e.node));
          setTotal(r.data!.products.totalCount);
        })
        .catch((e: unknown) => !stale && setError(String(e)));
    }, 200);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [text]);
  return (
    <section className="search">
      <label htmlFor="product-search">Find a product by name or GTIN</label>
      <input id="product-search" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="e.g. kettle or 7891234567895" autoFocus />
      {error && <p className="error" role="alert">{error}</p>}
      <p className="muted">{total === 0 ? "No product matches." : `${total} product${total === 1 ? "" : "s"}${total > results.length ? `, the first ${results.length} shown` : ""}.`}</p>
      <ul className="results">
        {results.map((p) => (
          <li key={p.id}>
            <a href={`/?productId=${encodeURIComponent(p.id)}`} onClick={(e) => (e.preventDefault(), onPick(p.id))}>
              <span className="name">{p.name}</span> <span className="muted">GTIN {p.gtin}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function OfferCard({ offer, offers, selected }: { offer: ExplorerOffer; offers: ReadonlyMap<string, ExplorerOffer>; selected: boolean }) {
  const gate = forwarderGate(offer, offers);
  const lines = [
    `${offer.status.toLowerCase()} · ${formatPrice(offer)}`,
    offer.available ? `available · quantity ${offer.quantity}` : `unavailable · ${reasonText(offer.unavailableReason)}`,
    offer.via ? `via ${offer.via.name}` : "direct from the seller",
    offer.via ? `its stock gate: ${gate}` : "",
  ];
  return (
    <>
      <rect className={`offer ${offer.available ? "available" : "unavailable"}${selected ? " selected" : ""}`} width="100%" height="100%" rx="8" />
      <text x="10" y="22" className="title">
        {offer.marketplace.name}
      </text>
      {lines.map((line, i) => (
        <text key={i} x="10" y={46 + i * 20}>
          {line}
        </text>
      ))}
    </>
  );
}

function Graph({ offers, layout, selected, onSelect }: { offers: ReadonlyMap<string, ExplorerOffer>; layout: GraphLayout; selected: string | null; onSelect: (id: string) => void }) {
  return (
    <svg className="graph" viewBox={`0 0 ${layout.width} ${layout.height}`} style={{ width: "100%", maxWidth: layout.width, height: "auto" }} role="img" aria-label="Offer graph: sellers on the left, each hop of forwarding to the right">
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" />
        </marker>
      </defs>
      {layout.edges.map((e) => (
        <polyline key={e.id} className="edge" points={e.points.map((p) => `${p.x},${p.y}`).join(" ")} markerEnd="url(#arrow)" />
      ))}
      {layout.sellers.map((s) => (
        <g key={s.id} transform={`translate(${s.x},${s.y})`}>
          <svg width={s.width} height={s.height}>
            <rect className="seller" width="100%" height="100%" rx="22" />
            <text x="14" y="27" className="title">
              {s.name}
            </text>
          </svg>
        </g>
      ))}
      {layout.offers.map((p) => {
        const offer = offers.get(p.id);
        return offer ? (
          <g key={p.id} transform={`translate(${p.x},${p.y})`} onClick={() => onSelect(p.id)} className="clickable">
            <svg width={p.width} height={p.height}>
              <OfferCard offer={offer} offers={offers} selected={selected === p.id} />
            </svg>
          </g>
        ) : null;
      })}
    </svg>
  );
}

function Details({ offer, offers, onClose }: { offer: ExplorerOffer; offers: ReadonlyMap<string, ExplorerOffer>; onClose: () => void }) {
  const rows: [string, string][] = [
    ["Offer", offer.id],
    ["Marketplace", `${offer.marketplace.name} (${offer.marketplace.id})`],
    ["Seller", `${offer.seller.name} (${offer.seller.id})`],
    ["Forwarded by", offer.via ? `${offer.via.name} · stock gate ${forwarderGate(offer, offers)}` : "— (direct offer)"],
    ["Source offer", offer.source?.id ?? "—"],
    ["Hops", String(offer.depth)],
    ["Status", offer.status],
    ["Available", offer.available ? "yes" : `no: ${offer.unavailableReason}`],
    ["Quantity", String(offer.quantity)],
    ["Price", formatPrice(offer)],
    ["Version", String(offer.version)],
    ["Updated", new Date(offer.updatedAt).toLocaleString()],
  ];
  return (
    <aside className="details" aria-label="Offer details">
      <button type="button" onClick={onClose} aria-label="Close details">
        ×
      </button>
      <h3>Offer at {offer.marketplace.name}</h3>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}

function ProductView({ productId, onBack }: { productId: string; onBack: () => void }) {
  const [product, setProduct] = useState<ProductSummary | null>(null);
  const [offers, setOffers] = useState<Map<string, ExplorerOffer>>(new Map());
  const [state, setState] = useState<"loading" | "ready" | "missing" | "error">("loading");
  const [live, setLive] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [layout, setLayout] = useState<GraphLayout | null>(null);

  const reload = useCallback(async () => {
    try {
      const read = await readProduct(productId);
      if (!read) return setState("missing");
      setProduct(read.product);
      setOffers((current) => mergeOffers(current, read.offers));
      setState("ready");
    } catch {
      setState("error");
    }
  }, [productId]);

  // Live first, then the read: an update that lands between the two is kept by version.
  useEffect(() => {
    const client = liveClient(() => void reload());
    const stop = client.subscribe<{ offerUpdates: ExplorerOffer }>(
      { query: UPDATES_SUBSCRIPTION, variables: { productId } },
      {
        next: (result) => {
          setLive(true);
          const offer = result.data?.offerUpdates;
          if (offer) setOffers((current) => mergeOffers(current, [offer]));
        },
        error: () => setLive(false),
        complete: () => setLive(false),
      },
    );
    const off = client.on("connected", () => setLive(true));
    const down = client.on("closed", () => setLive(false));
    void reload();
    return () => {
      off();
      down();
      stop();
      void client.dispose();
    };
  }, [productId, reload]);

  const ordered = useMemo(() => orderedOffers(offers), [offers]);
  const shape = useMemo(() => shapeKey(ordered), [ordered]);
  const latest = useRef(ordered);
  latest.current = ordered;
  useEffect(() => {
    let stale = false;
    layoutGraph(latest.current).then((l) => !stale && setLayout(l), () => undefined);
    return () => {
      stale = true;
    };
  }, [shape]);

  if (state === "missing") return <p role="alert">No product with the id {productId}.</p>;
  if (state === "error") return <p role="alert">The product could not be read. Reload the page to try again.</p>;
  const chosen = selected ? offers.get(selected) : undefined;
  return (
    <section className="product">
      <header>
        <button type="button" onClick={onBack}>
          ← Search
        </button>
        <h2>{product?.name ?? "…"}</h2>
        {product && <span className="muted">GTIN {product.gtin}</span>}
        <span className={`live ${live ? "on" : "off"}`} title="Offers follow changes as they happen">
          {live ? "live" : "connecting…"}
        </span>
      </header>
      <p className="legend">
        <span className="swatch available" /> available <span className="swatch unavailable" /> unavailable (with the reason) · sellers on the left, each hop of forwarding to the right · click an offer for its details
      </p>
      <div className="stage">
        <div className="canvas">
          {state === "loading" ? <p>Loading…</p> : ordered.length === 0 ? <p>No offer for this product yet.</p> : layout && <Graph offers={offers} layout={layout} selected={selected} onSelect={setSelected} />}
        </div>
        {chosen && <Details offer={chosen} offers={offers} onClose={() => setSelected(null)} />}
      </div>
      <h3 id="offer-list">Offers ({ordered.length})</h3>
      <ul className="offer-list" aria-labelledby="offer-list" aria-live="polite">
        {ordered.map((o) => (
          <li key={o.id} data-offer-id={o.id} data-available={String(o.available)} data-quantity={o.quantity} className={o.available ? "available" : "unavailable"}>
            <button type="button" onClick={() => setSelected(o.id)}>
              {o.seller.name} → {o.path.length > 2 ? `${o.via?.name ?? ""} → ` : ""}
              {o.marketplace.name}: {o.status.toLowerCase()}, {formatPrice(o)},{" "}
              {o.available ? `available, quantity ${o.quantity}` : `unavailable (${reasonText(o.unavailableReason)})`}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function App() {
  const [productId, setProductId] = useState(() => new URLSearchParams(window.location.search).get("productId"));
  useEffect(() => {
    const onPop = () => setProductId(new URLSearchParams(window.location.search).get("productId"));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const go = (id: string | null) => {
    window.history.pushState(null, "", id ? `/?productId=${encodeURIComponent(id)}` : "/");
    setProductId(id);
  };
  return (
    <main>
      <h1>
        <a href="/" onClick={(e) => (e.preventDefault(), go(null))}>
          offergate
        </a>{" "}
        <span className="muted">offer explorer</span> <a className="ide-link" href="/graphql">GraphQL IDE</a>
      </h1>
      {productId ? <ProductView key={productId} productId={productId} onBack={() => go(null)} /> : <Search onPick={go} />}
    </main>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
