/**
 * The frame of a quicklook picture: a title above the map, and below it a legend (a colour bar with
 * its value range, or class swatches) and a scale bar, so that a PNG says what it shows on its own.
 */
import { StitchError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { drawText, GLYPH_HEIGHT, textWidth } from './font.js';
import { RgbaImage } from './image.js';
import { CLASS_PALETTE, rampColor, type Rgb } from './png.js';

/** How the map's colours read: the {@link rampColor} ramp over a value range, or class colours. */
export type Legend =
  | { kind: 'ramp'; label: string; range: [number, number] }
  | { kind: 'classes'; names: readonly string[] };

/**
 * What frames a map: its title, its legend and, when the ground size of a map pixel is known, a scale bar.
 */
export interface FrameOptions {
  title: string;
  legend?: Legend;
  /** Ground distance of one map pixel along x, in metres; draws a scale bar. */
  metresPerPixel?: number;
}

/** The keys of {@link FrameOptions} (the compiler checks the list is complete). */
const FRAME_OPTION_KEYS = optionKeys<FrameOptions>()(['title', 'legend', 'metresPerPixel']);

const PAD = 4;
const INK: Rgb = [20, 20, 20];
const PAPER: Rgb = [255, 255, 255];
const NO_DATA: Rgb = [205, 205, 205];
const MIN_WIDTH = 200;
const BAR_HEIGHT = 8;

/**
 * Composes the framed picture: the title band, the map (`rgba`, `width` x `height`; transparent
 * pixels shown light grey as "no data") and a band with the legend and the scale bar. The picture is
 * at least 200 pixels wide (a narrower map is centred).
 *
 * @example
 * ```ts
 * import { frameMap, renderClasses, writePng } from 'geoslice/quicklook';
 *
 * const classes = new Uint8Array(256 * 256).map((_, i) => (i % 256 < 128 ? 0 : 1));
 * const img = frameMap(renderClasses(classes, 256, 256), 256, 256, {
 *   title: 'Classes',
 *   legend: { kind: 'classes', names: ['water', 'trees'] },
 *   metresPerPixel: 10,
 * });
 * await writePng('classes.png', img.width, img.height, img.data);
 * ```
 */
export function frameMap(rgba: Uint8Array, width: number, height: number, opts: FrameOptions): RgbaImage {
  checkOptionKeys(opts, FRAME_OPTION_KEYS, 'frameMap', StitchError);
  const w = Math.max(width, MIN_WIDTH);
  const titleScale = textWidth(opts.title, 2) <= w - 2 * PAD ? 2 : 1;
  const titleBand = GLYPH_HEIGHT * titleScale + 2 * PAD;
  const legendRows = opts.legend ? legendHeight(opts.legend, w) + PAD : 0;
  const scaleRows = opts.metresPerPixel ? GLYPH_HEIGHT + PAD : 0;
  const footer = PAD + legendRows + scaleRows;
  const img = new RgbaImage(w, titleBand + height + footer, PAPER);
  drawText(img, PAD, PAD, opts.title, INK, titleScale);

  const mapX = Math.floor((w - width) / 2);
  img.fillRect(mapX, titleBand, width, height, NO_DATA);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) {
      const i = (r * width + c) * 4;
      if (rgba[i + 3] > 0) img.set(mapX + c, titleBand + r, [rgba[i], rgba[i + 1], rgba[i + 2]]);
    }

  let y = titleBand + height + PAD;
  if (opts.legend) {
    drawLegend(img, opts.legend, y);
    y += legendRows;
  }
  if (opts.metresPerPixel) drawScaleBar(img, opts.metresPerPixel, y);
  return img;
}

/**
 * The scale bar for a map of `metresPerPixel`: the largest length of 1, 2 or 5 times a power of ten
 * metres that spans at most a third of `maxPixels`, its length in pixels and its label.
 */
export function scaleBar(metresPerPixel: number, maxPixels: number): { metres: number; pixels: number; label: string } {
  const most = (maxPixels / 3) * metresPerPixel;
  let metres = 10 ** Math.floor(Math.log10(most));
  for (const f of [5, 2])
    if (metres * f <= most) {
      metres *= f;
      break;
    }
  const label = metres >= 1000 ? `${metres / 1000} km` : `${metres} m`;
  return { metres, pixels: Math.max(1, Math.round(metres / metresPerPixel)), label };
}

function legendHeight(legend: Legend, w: number): number {
  if (legend.kind === 'ramp') return GLYPH_HEIGHT + 2 + BAR_HEIGHT + 2 + GLYPH_HEIGHT;
  return swatchRows(legend.names, w).length * (GLYPH_HEIGHT + 3);
}

function drawLegend(img: RgbaImage, legend: Legend, y: number): void {
  if (legend.kind === 'classes') {
    swatchRows(legend.names, img.width).forEach((row, r) => {
      let x = PAD;
      for (const k of row) {
        const top = y + r * (GLYPH_HEIGHT + 3);
        img.fillRect(x, top, GLYPH_HEIGHT, GLYPH_HEIGHT, CLASS_PALETTE[k % CLASS_PALETTE.length]);
        drawText(img, x + GLYPH_HEIGHT + 3, top, legend.names[k], INK);
        x += swatchWidth(legend.names[k]);
      }
    });
    return;
  }
  drawText(img, PAD, y, legend.label, INK);
  const barY = y + GLYPH_HEIGHT + 2;
  const barW = Math.min(160, img.width - 2 * PAD);
  for (let c = 0; c < barW; c++) img.fillRect(PAD + c, barY, 1, BAR_HEIGHT, rampColor(c / (barW - 1)));
  const [lo, hi] = legend.range.map(formatValue);
  drawText(img, PAD, barY + BAR_HEIGHT + 2, lo, INK);
  drawText(img, PAD + barW - textWidth(hi), barY + BAR_HEIGHT + 2, hi, INK);
}

function drawScaleBar(img: RgbaImage, metresPerPixel: number, y: number): void {
  const { pixels, label } = scaleBar(metresPerPixel, img.width - 2 * PAD);
  const mid = y + 3;
  img.fillRect(PAD, mid, pixels, 2, INK);
  img.fillRect(PAD, y, 1, GLYPH_HEIGHT - 1, INK);
  img.fillRect(PAD + pixels - 1, y, 1, GLYPH_HEIGHT - 1, INK);
  drawText(img, PAD + pixels + 4, y, label, INK);
}

function swatchWidth(name: string): number {
  return GLYPH_HEIGHT + 3 + textWidth(name) + 8;
}

/** Class indexes grouped into rows that fit the picture width. */
function swatchRows(names: readonly string[], w: number): number[][] {
  const rows: number[][] = [[]];
  let x = PAD;
  names.forEach((name, k) => {
    const sw = swatchWidth(name);
    if (x + sw > w - PAD && rows[rows.length - 1].length > 0) {
      rows.push([]);
      x = PAD;
    }
    rows[rows.length - 1].push(k);
    x += sw;
  });
  return rows;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}
