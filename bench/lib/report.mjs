// The results of a run: one row per case, printed and written as JSON, Markdown and an SVG chart.
import * as fs from 'node:fs';
import * as path from 'node:path';

const round = (n) => Math.round(n * 100) / 100;

/** A target on the ratio (DB Porter / native), optionally with a memory ceiling. */
export function ratioTarget(most, nativeName, peakMbMost) {
  return {
    ratio: most,
    peakMb: peakMbMost,
    text: `≤ ${most}× ${nativeName}${peakMbMost ? `, RSS ≤ ${peakMbMost} MB` : ''}`,
    check: (ratio, ours) => ratio <= most && (!peakMbMost || ours.peakMb <= peakMbMost),
  };
}

export class Results {
  cases = [];

  /** One case: DB Porter's run next to the native tool's, in the same run on the same data. */
  record(name, ours, native, nativeName, target, rowsMoved) {
    const ratio = native ? ours.seconds / native.seconds : undefined;
    const row = {
      case: name,
      dbporterSeconds: round(ours.seconds),
      native: nativeName,
      nativeSeconds: native ? round(native.seconds) : null,
      ratio: ratio !== undefined ? round(ratio) : null,
      rowsPerSecond: Math.round(rowsMoved / ours.seconds),
      peakRssMb: Math.round(ours.peakMb),
      target: target?.text ?? '',
      targetRatio: target?.ratio ?? null,
      met: target && ratio !== undefined ? target.check(ratio, ours) : null,
    };
    this.cases.push(row);
    console.error(
      `  ${name}: ${row.dbporterSeconds} s${native ? ` vs ${nativeName} ${row.nativeSeconds} s (${row.ratio}×)` : ''}, ` +
        `${row.rowsPerSecond.toLocaleString('en-US')} rows/s, peak ${row.peakRssMb} MB${row.met === null ? '' : row.met ? ' — target met' : ' — TARGET MISSED'}`,
    );
  }

  /** Writes <stem>.json, <stem>.md and <stem>.svg into `dir`; returns the Markdown. */
  write(dir, stem, about) {
    fs.mkdirSync(dir, { recursive: true });
    const report = { when: new Date().toISOString(), ...about, cases: this.cases };
    fs.writeFileSync(path.join(dir, `${stem}.json`), JSON.stringify(report, null, 2) + '\n');
    const md = [
      `# Benchmark, ${report.when.slice(0, 10)}, ${about.rows.toLocaleString('en-US')} rows, median of ${about.repeat} runs`,
      '',
      `Node ${about.node}, ${about.cpus} CPUs. Ratio = DB Porter time / native tool time, both measured in this run. Chart: [${stem}.svg](${stem}.svg).`,
      '',
      '| case | DB Porter (s) | native | native (s) | ratio | rows/s | peak RSS (MB) | target | met |',
      '|---|---|---|---|---|---|---|---|---|',
      ...this.cases.map(
        (c) =>
          `| ${c.case} | ${c.dbporterSeconds} | ${c.native.replace(/\|/g, '\\|')} | ${c.nativeSeconds ?? '—'} | ${c.ratio ?? '—'} | ${c.rowsPerSecond.toLocaleString('en-US')} | ${c.peakRssMb} | ${c.target} | ${c.met === null ? '' : c.met ? 'yes' : 'no'} |`,
      ),
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, `${stem}.md`), md);
    fs.writeFileSync(path.join(dir, `${stem}.svg`), ratioChart(this.cases, report.when.slice(0, 10)));
    return md;
  }

  get missed() {
    return this.cases.filter((c) => c.met === false);
  }
}

const escapeXml = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

/**
 * A horizontal bar per compared case: its ratio, its target as a tick, green when met. The axis is
 * logarithmic (0.25× to the largest ratio), so that 0.5× and 50× both read.
 */
export function ratioChart(cases, date) {
  const rows = cases.filter((c) => c.ratio !== null);
  const labelWidth = 430;
  const barWidth = 420;
  const rowHeight = 22;
  const top = 48;
  const height = top + rows.length * rowHeight + 40;
  const min = 0.25;
  const max = 2 ** Math.ceil(Math.log2(Math.max(4, ...rows.map((c) => Math.max(c.ratio, c.targetRatio ?? 0)))));
  const x = (ratio) => labelWidth + (Math.log(Math.max(ratio, min) / min) / Math.log(max / min)) * barWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 60}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">DB Porter time / native tool time (${escapeXml(date)}; log scale, lower is better; | = target)</text>`,
  ];
  for (let tick = min; tick <= max; tick *= 2) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${height - 34}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 20}" text-anchor="middle" fill="#555">${tick}×</text>`);
  }
  parts.push(`<line x1="${x(1)}" y1="${top - 6}" x2="${x(1)}" y2="${height - 34}" stroke="#888" stroke-dasharray="4 3"/>`);
  rows.forEach((c, i) => {
    const y = top + i * rowHeight;
    const colour = c.met === null ? '#7f8c9a' : c.met ? '#2e9e5b' : '#d0453b';
    parts.push(`<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${escapeXml(`${c.case} vs ${c.native}`)}</text>`);
    parts.push(`<rect x="${labelWidth}" y="${y + 3}" width="${Math.max(1, x(c.ratio) - labelWidth)}" height="${rowHeight - 8}" fill="${colour}"/>`);
    parts.push(`<text x="${x(c.ratio) + 4}" y="${y + 14}" fill="#333">${c.ratio}×</text>`);
    if (c.targetRatio !== null) parts.push(`<line x1="${x(c.targetRatio)}" y1="${y + 1}" x2="${x(c.targetRatio)}" y2="${y + rowHeight - 3}" stroke="black" stroke-width="2"/>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
