/**
 * Dependency-free SVG charts for evaluation reports: a scatter plot with its OLS line and an ROC plot.
 * The output is a standalone SVG 1.1 document (opens in browsers, embeds in Markdown / HTML).
 */

/** Plot size and margins in SVG user units (pixels). */
export interface PlotFrame {
  /** Total width. Default 480. */
  width?: number;
  /** Total height. Default 360. */
  height?: number;
}

const MARGIN = { left: 60, right: 20, top: 36, bottom: 48 };
/** Colour-blind-safe palette (Okabe & Ito, 2008). */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#F0E442',
  '#000000',
];

/**
 * Escape text for SVG element content and attribute values.
 *
 * @example
 * ```ts
 * escapeXml('R^2 < 0.5 & "low"'); // 'R^2 &lt; 0.5 &amp; &quot;low&quot;'
 * ```
 */
export function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

/** Round to 2 decimals for compact coordinates. */
function c(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/**
 * About `count` round tick values inside [min, max] (steps of 1, 2 or 5 times a power of ten).
 *
 * @example
 * ```ts
 * niceTicks(0, 1, 5); // [0, 0.2, 0.4, 0.6, 0.8, 1]
 * ```
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  // d3's rule: round the raw step to 1, 2, 5 or 10 times a power of ten, whichever is nearest geometrically.
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const err = raw / mag;
  const step = mag * (err >= Math.sqrt(50) ? 10 : err >= Math.sqrt(10) ? 5 : err >= Math.SQRT2 ? 2 : 1);
  const ticks: number[] = [];
  const start = Math.ceil(min / step - 1e-9);
  for (let k = start; k * step <= max + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Linear map of a data interval onto a pixel interval (padded so points do not sit on the axes). */
export interface Scale {
  /** Data -> pixel. */
  (v: number): number;
  /** Data domain after padding. */
  domain: [number, number];
}

function scale(min: number, max: number, from: number, to: number, pad: number): Scale {
  let lo = min;
  let hi = max;
  if (!(hi > lo)) {
    // A constant column still gets a visible axis around its value.
    lo -= 0.5;
    hi += 0.5;
  } else {
    const p = (hi - lo) * pad;
    lo -= p;
    hi += p;
  }
  const f = ((v: number) => from + ((v - lo) / (hi - lo)) * (to - from)) as Scale;
  f.domain = [lo, hi];
  return f;
}

function frame(opts: PlotFrame): { w: number; h: number; x0: number; x1: number; y0: number; y1: number } {
  const w = opts.width ?? 480;
  const h = opts.height ?? 360;
  return { w, h, x0: MARGIN.left, x1: w - MARGIN.right, y0: h - MARGIN.bottom, y1: MARGIN.top };
}

function axes(
  sx: Scale,
  sy: Scale,
  f: ReturnType<typeof frame>,
  labels: { title?: string; xLabel?: string; yLabel?: string },
): string[] {
  const out: string[] = [];
  out.push(
    `<rect x="${c(f.x0)}" y="${c(f.y1)}" width="${c(f.x1 - f.x0)}" height="${c(f.y0 - f.y1)}" fill="none" stroke="#999"/>`,
  );
  for (const t of niceTicks(sx.domain[0], sx.domain[1])) {
    const x = sx(t);
    out.push(`<line x1="${c(x)}" y1="${c(f.y0)}" x2="${c(x)}" y2="${c(f.y0 + 5)}" stroke="#999"/>`);
    out.push(`<text x="${c(x)}" y="${c(f.y0 + 18)}" text-anchor="middle">${escapeXml(String(t))}</text>`);
  }
  for (const t of niceTicks(sy.domain[0], sy.domain[1])) {
    const y = sy(t);
    out.push(`<line x1="${c(f.x0 - 5)}" y1="${c(y)}" x2="${c(f.x0)}" y2="${c(y)}" stroke="#999"/>`);
    out.push(`<text x="${c(f.x0 - 8)}" y="${c(y + 4)}" text-anchor="end">${escapeXml(String(t))}</text>`);
  }
  if (labels.title) {
    out.push(
      `<text x="${c(f.w / 2)}" y="22" text-anchor="middle" font-size="14">${escapeXml(labels.title)}</text>`,
    );
  }
  if (labels.xLabel) {
    out.push(
      `<text x="${c((f.x0 + f.x1) / 2)}" y="${c(f.h - 10)}" text-anchor="middle">${escapeXml(labels.xLabel)}</text>`,
    );
  }
  if (labels.yLabel) {
    const cy = (f.y0 + f.y1) / 2;
    out.push(
      `<text x="16" y="${c(cy)}" text-anchor="middle" transform="rotate(-90 16 ${c(cy)})">${escapeXml(labels.yLabel)}</text>`,
    );
  }
  return out;
}

function svgDocument(f: ReturnType<typeof frame>, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.w}" height="${f.h}" viewBox="0 0 ${f.w} ${f.h}" ` +
      'font-family="Helvetica, Arial, sans-serif" font-size="11">',
    `<rect width="${f.w}" height="${f.h}" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Input of {@link scatterPlotSvg}. */
export interface ScatterPlotOptions extends PlotFrame {
  /** Horizontal values (e.g. an estimator's score per prompt). */
  x: ArrayLike<number>;
  /** Vertical values (e.g. factuality per prompt). */
  y: ArrayLike<number>;
  /** Title above the plot. */
  title?: string;
  /** Label under the horizontal axis (omit for none). */
  xLabel?: string;
  /** Label beside the vertical axis, rotated (omit for none). */
  yLabel?: string;
  /** Draw the OLS line y = intercept + slope x over the range of x (omit for none). */
  fit?: {
    /** Change in y per unit of x. */
    slope: number;
    /** y at x = 0. */
    intercept: number;
  };
}

/**
 * A scatter plot as an SVG document: one `<circle class="point">` per (x, y) pair, optional OLS line
 * (`<line class="fit">`). Non-finite pairs are left out.
 *
 * @example
 * ```ts
 * const svg = scatterPlotSvg({ x: scores, y: factuality, xLabel: 'semantic isotropy', yLabel: 'factuality' });
 * ```
 */
export function scatterPlotSvg(options: ScatterPlotOptions): string {
  const f = frame(options);
  const pts: [number, number][] = [];
  const n = Math.min(options.x.length, options.y.length);
  for (let i = 0; i < n; i++) {
    const a = options.x[i];
    const b = options.y[i];
    if (Number.isFinite(a) && Number.isFinite(b)) pts.push([a, b]);
  }
  const xsMin = Math.min(...pts.map((p) => p[0]));
  const xsMax = Math.max(...pts.map((p) => p[0]));
  const ysMin = Math.min(...pts.map((p) => p[1]));
  const ysMax = Math.max(...pts.map((p) => p[1]));
  const sx = pts.length ? scale(xsMin, xsMax, f.x0, f.x1, 0.05) : scale(0, 1, f.x0, f.x1, 0);
  const sy = pts.length ? scale(ysMin, ysMax, f.y0, f.y1, 0.05) : scale(0, 1, f.y0, f.y1, 0);
  const body = axes(sx, sy, f, options);
  for (const [a, b] of pts) {
    body.push(
      `<circle class="point" cx="${c(sx(a))}" cy="${c(sy(b))}" r="3" fill="${PALETTE[0]}" fill-opacity="0.7"/>`,
    );
  }
  if (options.fit && pts.length > 1 && xsMax > xsMin) {
    const { slope, intercept } = options.fit;
    body.push(
      `<line class="fit" x1="${c(sx(xsMin))}" y1="${c(sy(intercept + slope * xsMin))}" ` +
        `x2="${c(sx(xsMax))}" y2="${c(sy(intercept + slope * xsMax))}" stroke="${PALETTE[1]}" stroke-width="2"/>`,
    );
  }
  return svgDocument(f, body);
}

/** One curve of {@link rocPlotSvg}. */
export interface RocSeries {
  /** Legend text. */
  label: string;
  /** False-positive rates, from 0 to 1. */
  fpr: ArrayLike<number>;
  /** True-positive rates, from 0 to 1. */
  tpr: ArrayLike<number>;
  /** Area under the curve, shown in the legend when given. */
  auc?: number;
}

/**
 * ROC curves of several estimators in one SVG document: one `<polyline class="roc">` per series, the chance
 * diagonal dashed, a legend with each AUROC.
 *
 * @example
 * ```ts
 * const roc = rocCurve(scores, positive);
 * const svg = rocPlotSvg([{ label: 'isotropy', fpr: roc.fpr, tpr: roc.tpr, auc: 0.81 }]);
 * ```
 */
export function rocPlotSvg(
  series: readonly RocSeries[],
  options: PlotFrame & { title?: string } = {},
): string {
  const f = frame(options);
  const sx = scale(0, 1, f.x0, f.x1, 0);
  const sy = scale(0, 1, f.y0, f.y1, 0);
  const body = axes(sx, sy, f, {
    title: options.title ?? 'ROC',
    xLabel: 'false-positive rate',
    yLabel: 'true-positive rate',
  });
  body.push(
    `<line x1="${c(sx(0))}" y1="${c(sy(0))}" x2="${c(sx(1))}" y2="${c(sy(1))}" stroke="#bbb" stroke-dasharray="4 4"/>`,
  );
  series.forEach((s, k) => {
    const colour = PALETTE[k % PALETTE.length];
    const points: string[] = [];
    for (let i = 0; i < Math.min(s.fpr.length, s.tpr.length); i++)
      points.push(`${c(sx(s.fpr[i]))},${c(sy(s.tpr[i]))}`);
    body.push(
      `<polyline class="roc" points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
    );
    const ly = f.y0 - 10 - 16 * (series.length - 1 - k);
    const text = s.auc === undefined ? s.label : `${s.label} (AUROC ${s.auc.toFixed(3)})`;
    body.push(
      `<line x1="${c(f.x1 - 190)}" y1="${c(ly - 4)}" x2="${c(f.x1 - 172)}" y2="${c(ly - 4)}" stroke="${colour}" stroke-width="2"/>`,
    );
    body.push(`<text x="${c(f.x1 - 166)}" y="${c(ly)}">${escapeXml(text)}</text>`);
  });
  return svgDocument(f, body);
}
