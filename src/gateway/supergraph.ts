import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { getStitchingOptionsFromSupergraphSdl } from "@graphql-tools/federation";
import { Kind, parse, print, visit, type GraphQLSchema } from "graphql";
import { composeSupergraph } from "../shared/federation";
import { logger } from "../shared/logger";
import { PRINCIPAL_HEADER, signPrincipal } from "../shared/principal";

/** A subgraph as the supergraph names it: where the gateway reaches it, and its own schema (enough to validate an operation). */
export interface SupergraphSubgraph {
  name: string;
  url: string;
  schema: GraphQLSchema;
}

/** One checked supergraph: its SDL and the subgraphs it names. */
export interface Supergraph {
  sdl: string;
  subgraphs: SupergraphSubgraph[];
}

/** Where the gateway's supergraph comes from; it may change while the gateway runs. */
export interface SupergraphSource {
  current(): Supergraph;
  /** Called with each new supergraph, once it has been checked; a bad one is logged and the current one kept. */
  onChange(listener: (supergraph: Supergraph) => void): void;
  close(): void;
}

const argument = (node: { arguments?: readonly { name: { value: string }; value: unknown }[] }, name: string) => {
  const value = node.arguments?.find((a) => a.name.value === name)?.value as { kind: string; value?: string } | undefined;
  return value?.kind === Kind.STRING ? value.value : undefined;
};

/**
 * Reads a supergraph: the subgraphs of its `join__Graph` enum, each with its
 * own schema extracted from the supergraph. Throws when it is not one.
 */
export function readSupergraph(sdl: string): Supergraph {
  const document = parse(sdl, { noLocation: true });
  // By their join__Graph value (ACCOUNTS), as the extraction below names them.
  const graphs = new Map<string, { name: string; url: string }>();
  visit(document, {
    EnumValueDefinition(node) {
      const graph = node.directives?.find((d) => d.name.value === "join__graph");
      const name = graph && argument(graph, "name");
      const url = graph && argument(graph, "url");
      if (name && url) graphs.set(node.name.value, { name, url });
    },
  });
  if (graphs.size === 0) throw new Error("not a supergraph: no @join__graph subgraphs");
  const { subschemas } = getStitchingOptionsFromSupergraphSdl({ supergraphSdl: document });
  const subgraphs = [...graphs].map(([graph, { name, url }]) => {
    const schema = subschemas.find((s) => s.name === graph)?.schema;
    if (!schema) throw new Error(`supergraph: no schema for subgraph "${name}"`);
    return { name, url, schema };
  });
  return { sdl, subgraphs };
}

/** The supergraph with the URLs of the subgraphs named in `urls` replaced (others as they are). */
export function withSubgraphUrls(sdl: string, urls: Record<string, string | undefined>): string {
  if (!Object.values(urls).some(Boolean)) return sdl;
  return print(
    visit(parse(sdl), {
      Directive(node) {
        if (node.name.value !== "join__graph") return undefined;
        const url = urls[argument(node, "name") ?? ""];
        if (!url) return undefined;
        return {
          ...node,
          arguments: node.arguments?.map((a) => (a.name.value === "url" ? { ...a, value: { kind: Kind.STRING, value: url } } : a)),
        };
      },
    }),
  );
}

/** A supergraph that never changes (the embedded mode, tests). */
export function fixedSupergraph(sdl: string): SupergraphSource {
  const supergraph = readSupergraph(sdl);
  return { current: () => supergraph, onChange: () => undefined, close: () => undefined };
}

/** Keeps the last good supergraph and tells listeners of each new one. */
function changing(first: Supergraph) {
  let current = first;
  const listeners: ((s: Supergraph) => void)[] = [];
  return {
    current: () => current,
    onChange: (listener: (s: Supergraph) => void) => void listeners.push(listener),
    offer(sdl: string, from: string) {
      if (sdl === current.sdl) return;
      let next: Supergraph;
      try {
        next = readSupergraph(sdl);
      } catch (error) {
        logger.error("new supergraph refused; the current one is kept", { from, error: error instanceof Error ? error.message : String(error) });
        return;
      }
      current = next;
      logger.info("supergraph changed", { from, subgraphs: next.subgraphs.map((s) => `${s.name}=${s.url}`) });
      for (const listener of listeners) listener(next);
    },
  };
}

/**
 * The supergraph in a file, with the URLs in `urls` put in place of the
 * file's. The file's directory is watched (a file replaced by a rename, as
 * editors and mounted config maps do, is seen too); each change is read again
 * and, if it is a supergraph, replaces the current one.
 */
export async function fileSupergraph(path: string, urls: Record<string, string | undefined> = {}): Promise<SupergraphSource> {
  const load = async () => withSubgraphUrls(await readFile(path, "utf8"), urls);
  const state = changing(readSupergraph(await load()));
  let timer: NodeJS.Timeout | undefined;
  const reread = () =>
    load().then(
      (sdl) => state.offer(sdl, path),
      (error: unknown) => logger.error("supergraph file unreadable; the current one is kept", { path, error: String(error) }),
    );
  const watcher: FSWatcher = watch(dirname(path), (_event, file) => {
    if (file && file !== basename(path) && !file.startsWith("..")) return;
    // A write comes as several events: read once they settle.
    clearTimeout(timer);
    timer = setTimeout(() => void reread(), 50);
  });
  watcher.on("error", (error) => logger.error("supergraph file no longer watched", { path, error: String(error) }));
  return {
    current: state.current,
    onChange: state.onChange,
    close: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

/** A subgraph's SDL, by the federation's `_service` query (signed: subgraphs serve only the gateway). */
export async function fetchSubgraphSdl(url: string, internalSecret: string): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", [PRINCIPAL_HEADER]: await signPrincipal(null, internalSecret) },
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: unknown) => {
    throw new Error(`${url}: no SDL (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)})`);
  });
  const body = (await response.json().catch(() => undefined)) as { data?: { _service?: { sdl?: string } } } | undefined;
  const sdl = body?.data?._service?.sdl;
  if (!response.ok || typeof sdl !== "string") throw new Error(`${url}: no SDL (HTTP ${response.status})`);
  return sdl;
}

/** The supergraph composed from the subgraphs' SDL, fetched from each. */
export async function composeFromSubgraphs(urls: Record<string, string>, internalSecret: string): Promise<string> {
  const subgraphs = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => ({ name, url, sdl: await fetchSubgraphSdl(url, internalSecret).catch((e: Error) => Promise.reject(new Error(`subgraph ${name} at ${e.message}`))) })),
  );
  return composeSupergraph(subgraphs).supergraphSdl;
}

/**
 * The supergraph composed from the subgraphs at `urls`: fetched and composed
 * at start (a failure there stops the start), then again every `pollMs`; a
 * subgraph that does not answer, or a composition that fails, keeps the
 * current supergraph.
 */
export async function composedSupergraph(urls: Record<string, string>, internalSecret: string, pollMs: number): Promise<SupergraphSource> {
  const state = changing(readSupergraph(await composeFromSubgraphs(urls, internalSecret)));
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = () => {
    timer = setTimeout(() => {
      composeFromSubgraphs(urls, internalSecret)
        .then(
          (sdl) => state.offer(sdl, "subgraphs"),
          (error: unknown) => logger.warn("subgraphs not composed; the current supergraph is kept", { error: error instanceof Error ? error.message : String(error) }),
        )
        .finally(() => !closed && poll());
    }, pollMs);
    timer.unref();
  };
  poll();
  return {
    current: state.current,
    onChange: state.onChange,
    close: () => {
      closed = true;
      clearTimeout(timer);
    },
  };
}
