// Bundles the pages (the GraphQL IDE and the offer explorer) into dist/web:
// each asset named by a hash of its content, so the gateway serves them as
// immutable, and one HTML file per page that names them.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(fileURLToPath(import.meta.url));
// Beside the compiled server, so that whatever ships dist/ ships the pages.
const out = join(root, "..", "dist", "web");
const pages = {
  ide: { entry: "ide/main.tsx", title: "offergate · GraphQL IDE" },
  explorer: { entry: "explorer/main.tsx", title: "offergate · offer explorer" },
};

await rm(out, { recursive: true, force: true });
await mkdir(join(out, "assets"), { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(pages).map(([name, p]) => [name, p.entry])),
  bundle: true,
  minify: true,
  format: "esm",
  splitting: true,
  target: ["chrome110", "firefox110", "safari16"],
  outdir: join(out, "assets"),
  entryNames: "[name]-[hash]",
  chunkNames: "chunk-[hash]",
  assetNames: "[name]-[hash]",
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".svg": "file", ".png": "file" },
  define: { "process.env.NODE_ENV": '"production"' },
  metafile: true,
  logLevel: "warning",
});

const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
for (const [name, page] of Object.entries(pages)) {
  const [file, meta] = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === page.entry);
  const script = `/assets/${basename(file)}`;
  const style = meta.cssBundle ? `\n    <link rel="stylesheet" href="/assets/${basename(meta.cssBundle)}" />` : "";
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escape(page.title)}</title>
    <link rel="icon" href="data:," />${style}
    <script type="module" src="${script}"></script>
  </head>
  <body>
    <div id="root"></div>
  </body>
</html>
`;
  await writeFile(join(out, `${name}.html`), html);
}
