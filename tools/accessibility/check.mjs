// axe-core (WCAG 2.1 A and AA, and best practice) and a horizontal-overflow check, in headless
// Chromium at a desktop width and a phone width, over each HTML file named on the command line.
// Exits 1 on any violation or any page wider than its window; prints what it found either way.
//
//   node check.mjs reports/a/report.html reports/b/report.html
//
// CHROMIUM names the browser (default /usr/bin/chromium). The page is opened from a file:
// URL with no network: the report must stand alone.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const WIDTHS = [1280, 400];
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check.mjs FILE.html...");
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), "report-a11y-"));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  userDataDir: profile,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
let failures = 0;
try {
  for (const file of files) {
    for (const width of WIDTHS) {
      const page = await browser.newPage();
      await page.setViewport({ width, height: 900 });
      // No request leaves the page: anything but the file itself and data: URIs is refused.
      await page.setRequestInterception(true);
      const refused = [];
      page.on("request", (request) => {
        const url = request.url();
        if (url.startsWith("data:") || url === pathToFileURL(resolve(file)).href) request.continue();
        else { refused.push(url); request.abort(); }
      });
      await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: "load" });
      await page.addScriptTag({ path: AXE });
      const result = await page.evaluate(async (tags) => {
        const axeResult = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
        const root = document.documentElement;
        const wide = [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1
                         && !e.closest(".table-scroll"))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}${e.className ? "." + e.className : ""} (${Math.round(e.getBoundingClientRect().right)} px)`);
        const smallest = Math.min(...[...document.querySelectorAll("p, li, td, th, figcaption, caption")]
          .filter((e) => e.textContent.trim())
          .map((e) => parseFloat(getComputedStyle(e).fontSize)));
        return {
          violations: axeResult.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
                                                         first: v.nodes[0] && v.nodes[0].target.join(" ") })),
          incomplete: axeResult.incomplete.map((v) => v.id).join(", ") || "none",
          passes: axeResult.passes.length,
          scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide, smallest,
        };
      }, TAGS);
      const overflow = result.scrollWidth > result.clientWidth;
      const bad = result.violations.length > 0 || overflow || refused.length > 0;
      failures += bad ? 1 : 0;
      console.log(`${bad ? "FAIL" : "ok  "} ${file} at ${width} px: ${result.violations.length} violations, `
                  + `${result.passes} rules passed, to review by hand: ${result.incomplete}; page ${result.scrollWidth} px `
                  + `wide in a ${result.clientWidth} px window; smallest text ${result.smallest} px`);
      for (const v of result.violations) console.log(`     ${v.id} (${v.impact}, ${v.nodes} nodes, e.g. ${v.first}): ${v.help}`);
      if (overflow) console.log(`     wider than the window: ${result.wide.join("; ") || "(no single element)"}`);
      for (const url of refused) console.log(`     refused to load ${url}`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
