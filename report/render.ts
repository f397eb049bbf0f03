// A Vega-Lite spec → SVG (vega's headless View, no canvas) → PNG (resvg). Without a canvas vega
// guesses text widths generously, so the PNG is cropped to what is drawn. resvg draws no text at
// all without a font it can load, so the font is checked first.
import * as fs from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Debian's fonts-dejavu-core (scripts/apt-packages.txt); the specs name this family. */
export const FONT_FILES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];
const MARGIN = 12;

export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none", logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface Png {
  png: Buffer;
  width: number;
  height: number;
}

/** PNG at `scale` times the SVG's size (2: sharp on a high-density screen and in print). */
export function svgToPng(svg: string, scale = 2): Png {
  const missing = FONT_FILES.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(
      `no font for the figures' text (${missing.join(", ")}): apt-get install fonts-dejavu-core`,
    );
  }
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "#ffffff",
    font: { fontFiles: FONT_FILES, loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  const box = resvg.getBBox();
  if (box) {
    box.x -= MARGIN;
    box.y -= MARGIN;
    box.width += 2 * MARGIN;
    box.height += 2 * MARGIN;
    resvg.cropByBBox(box);
  }
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}

export async function toPng(spec: TopLevelSpec, scale = 2): Promise<Png> {
  return svgToPng(await toSvg(spec), scale);
}
