import ELK, { type ElkNode } from "elkjs/lib/elk.bundled.js";
import type { ExplorerOffer } from "./offers";

export const NODE_WIDTH = 250;
export const OFFER_HEIGHT = 118;
export const SELLER_HEIGHT = 44;

export interface Placed {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  sellers: (Placed & { name: string })[];
  offers: Placed[];
  edges: { id: string; from: string; to: string; points: { x: number; y: number }[] }[];
}

const elk = new ELK();

export const sellerNodeId = (id: string) => `seller:${id}`;

/** Which nodes and edges the graph has: the layout is recomputed only when this changes, not when a quantity does. */
export function shapeKey(offers: readonly ExplorerOffer[]): string {
  return offers.map((o) => `${o.id}<${o.source?.id ?? o.seller.id}`).sort().join(",");
}

/**
 * Lays the offer graph out in layers, left to right: sellers, their direct
 * offers, then each hop of forwarding (elkjs's layered algorithm).
 */
export async function layoutGraph(offers: readonly ExplorerOffer[]): Promise<GraphLayout> {
  const sellers = new Map(offers.map((o) => [o.seller.id, o.seller.name]));
  const ids = new Set(offers.map((o) => o.id));
  const edges = offers.map((o) => ({
    id: `edge:${o.id}`,
    sources: [o.source && ids.has(o.source.id) ? o.source.id : sellerNodeId(o.seller.id)],
    targets: [o.id],
  }));
  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
      "elk.spacing.nodeNode": "24",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.padding": "[top=16,left=16,bottom=16,right=16]",
    },
    children: [
      ...[...sellers.keys()].map((id) => ({ id: sellerNodeId(id), width: NODE_WIDTH - 40, height: SELLER_HEIGHT })),
      ...offers.map((o) => ({ id: o.id, width: NODE_WIDTH, height: OFFER_HEIGHT })),
    ],
    edges,
  };
  const laid = await elk.layout(graph);
  const placed = new Map((laid.children ?? []).map((n) => [n.id, { id: n.id, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 }]));
  return {
    width: laid.width ?? 0,
    height: laid.height ?? 0,
    sellers: [...sellers].map(([id, name]) => ({ ...placed.get(sellerNodeId(id))!, id, name })),
    offers: offers.map((o) => placed.get(o.id)!),
    edges: (laid.edges ?? []).map((e) => {
      const section = (e as { sections?: { startPoint: { x: number; y: number }; endPoint: { x: number; y: number }; bendPoints?: { x: number; y: number }[] }[] }).sections?.[0];
      return {
        id: e.id,
        from: (e as { sources: string[] }).sources[0]!,
        to: (e as { targets: string[] }).targets[0]!,
        points: section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] : [],
      };
    }),
  };
}
