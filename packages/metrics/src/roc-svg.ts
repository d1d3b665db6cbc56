import {
  legendText,
  pixelPath,
  ROC_PALETTE,
  type RocPlotCurve,
  type RocPlotOptions,
  rocLayout,
  toPixel,
} from './roc-plot.js';

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const f = (x: number) => (Math.round(x * 100) / 100).toString();

/** The paper's Fig. 2 as an SVG document: axes, chance diagonal, one curve per label, legend. */
export function rocCurvesToSvg(
  curves: readonly RocPlotCurve[],
  options: RocPlotOptions = {},
): string {
  const L = rocLayout(curves, options);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="sans-serif">`,
    `<rect width="${L.width}" height="${L.height}" fill="#ffffff"/>`,
    `<text x="${f(L.left + L.size / 2)}" y="26" font-size="18" text-anchor="middle">${escapeXml(L.title)}</text>`,
  ];
  for (const t of L.ticks) {
    const [x] = toPixel(L, t, 0);
    const [, y] = toPixel(L, 0, t);
    out.push(
      `<line x1="${f(x)}" y1="${f(L.top)}" x2="${f(x)}" y2="${f(L.top + L.size)}" stroke="#e6e6e6"/>`,
      `<line x1="${f(L.left)}" y1="${f(y)}" x2="${f(L.left + L.size)}" y2="${f(y)}" stroke="#e6e6e6"/>`,
      `<text x="${f(x)}" y="${f(L.top + L.size + 18)}" font-size="12" text-anchor="middle">${t.toFixed(1)}</text>`,
      `<text x="${f(L.left - 8)}" y="${f(y + 4)}" font-size="12" text-anchor="end">${t.toFixed(1)}</text>`,
    );
  }
  out.push(
    `<rect x="${L.left}" y="${L.top}" width="${L.size}" height="${L.size}" fill="none" stroke="#000000"/>`,
    `<line x1="${L.left}" y1="${L.top + L.size}" x2="${L.left + L.size}" y2="${L.top}" stroke="#888888" stroke-dasharray="6 4"/>`,
    `<text x="${f(L.left + L.size / 2)}" y="${f(L.top + L.size + 40)}" font-size="14" text-anchor="middle">False positive rate</text>`,
    `<text transform="translate(18 ${f(L.top + L.size / 2)}) rotate(-90)" font-size="14" text-anchor="middle">True positive rate</text>`,
  );
  curves.forEach((c, i) => {
    const colour = ROC_PALETTE[i % ROC_PALETTE.length]!;
    const points = pixelPath(L, c)
      .map((p) => p.map(f).join(','))
      .join(' ');
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="1.6" points="${points}"><title>${escapeXml(legendText(c))}</title></polyline>`,
    );
    const y = L.legendY + i * L.legendLine;
    out.push(
      `<line x1="${L.legendX}" y1="${f(y + L.legendLine / 2)}" x2="${L.legendX + 24}" y2="${f(y + L.legendLine / 2)}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${L.legendX + 30}" y="${f(y + L.legendLine / 2 + 4)}" font-size="12">${escapeXml(legendText(c))}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
