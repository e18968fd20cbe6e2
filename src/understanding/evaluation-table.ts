/**
 * The human-readable form of an `EvaluationReport` (`aiguilleur understand --eval`, the benchmark): headline
 * rates with their counts, per-intent precision and recall, then the most confused pairs, which tell a flow
 * designer which phrases to add.
 */
import type { EvaluationReport } from './evaluation.js';

export interface EvaluationTableOptions {
  /** First line, e.g. the file and the classifier. */
  readonly title: string;
  /** Confused pairs listed. @default 10 */
  readonly confusions?: number;
}

export function formatEvaluationTable(report: EvaluationReport, options: EvaluationTableOptions): string {
  const lines = [options.title, ''];
  const rate = (label: string, value: number | null, of: number): void => {
    if (value !== null) {
      lines.push(`${label.padEnd(36)} ${percent(value).padStart(6)}  (${Math.round(value * of)}/${of})`);
    }
  };
  rate('accuracy (out_of_scope as a class)', report.accuracy, report.samples);
  rate('in-scope accuracy', report.inScopeAccuracy, report.inScopeSamples);
  rate('out-of-scope detection rate', report.outOfScopeDetectionRate, report.outOfScopeSamples);
  rate('false rejection rate', report.falseRejectionRate, report.inScopeSamples);
  lines.push(
    '',
    `${'intent'.padEnd(24)} ${'support'.padStart(7)} ${'precision'.padStart(9)} ${'recall'.padStart(7)}`,
  );
  for (const metrics of report.perIntent) {
    lines.push(
      `${metrics.intent.padEnd(24)} ${String(metrics.support).padStart(7)} ` +
        `${optionalPercent(metrics.precision).padStart(9)} ${optionalPercent(metrics.recall).padStart(7)}`,
    );
  }
  const confusions = report.confusions.slice(0, options.confusions ?? 10);
  lines.push('', confusions.length === 0 ? 'no confusion' : 'most confused (expected → predicted)');
  for (const { expected, predicted, count } of confusions) {
    lines.push(`  ${`${expected} → ${predicted}`.padEnd(48)} ${count}`);
  }
  return lines.join('\n');
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function optionalPercent(value: number | null): string {
  return value === null ? '—' : percent(value);
}
