// The MCP Apps views (src/views/*): each entry is bundled by esbuild for the browser and written
// with its stylesheet into ONE self-contained HTML file, dist/views/<name>.html, that loads
// nothing from anywhere (no remote scripts, fonts or images). Its content-security policy allows
// exactly the inline script and style it carries (by SHA-256 hash), nothing else: no network
// (connect-src 'none'), no frames, no forms. The server (src/server/apps.ts) serves these files
// as ui:// resources to clients that declare the extension.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The views: file name → entry and title. */
export const VIEWS = {
  "masking-matrix": { entry: "src/views/matrix.ts", title: "Masking matrix" },
  "findings-explorer": { entry: "src/views/findings.ts", title: "Classification findings" },
};

const sha256 = (text) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** Builds every view into `outDir` (default dist/views); returns {name: bytes}. */
export async function buildViews(outDir = join(root, "dist", "views")) {
  mkdirSync(outDir, { recursive: true });
  const css = readFileSync(join(root, "src", "views", "style.css"), "utf8").replace(/\n\s*/g, "");
  const sizes = {};
  for (const [name, view] of Object.entries(VIEWS)) {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [view.entry],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      target: "es2022",
      minify: true,
      legalComments: "none",
      logLevel: "warning",
      tsconfig: "src/views/tsconfig.json",
    });
    // "</script" inside the code would end the element early: escape it (a no-op in JS strings).
    const js = result.outputFiles[0].text.replace(/<\/(script)/gi, "<\\/$1").trim();
    const csp = [
      "default-src 'none'",
      `script-src ${sha256(js)}`,
      `style-src ${sha256(css)}`,
      "img-src 'none'",
      "font-src 'none'",
      "connect-src 'none'",
      "frame-src 'none'",
      "form-action 'none'",
      "base-uri 'none'",
    ].join("; ");
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${view.title}</title><style>${css}</style></head><body><main id="app"></main><script>${js}</script></body></html>\n`;
    const target = join(outDir, `${name}.html`);
    writeFileSync(`${target}.tmp`, html);
    renameSync(`${target}.tmp`, target);
    sizes[name] = Buffer.byteLength(html);
  }
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = await buildViews();
  for (const [name, bytes] of Object.entries(sizes)) console.log(`dist/views/${name}.html ${bytes} bytes`);
}
