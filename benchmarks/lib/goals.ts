import { writeFileSync } from 'node:fs';

/** One goal of issue 14 as a benchmark measured it. */
export interface Goal {
  label: string;
  /** The measured figure (a ratio, or MB for memory); NaN when not measured. */
  value: number;
  target: number;
  /** `>=`: the figure must reach the target; `<=`: it must stay within it. */
  direction: '>=' | '<=';
  /** Unit printed after the figures (e.g. ' MB'); none for ratios. */
  unit?: string;
  /** Why the goal was not measured, when it was not. */
  skipped?: string;
}

/** `MET` / `NOT MET` / `SKIPPED` with the figure and the goal, one line. */
export function describeGoal(g: Goal): string {
  if (g.skipped !== undefined) return `  SKIPPED ${g.label}: ${g.skipped}`;
  const met = g.direction === '>=' ? g.value >= g.target : g.value <= g.target;
  const u = g.unit ?? '';
  const digits = u ? 0 : 2;
  return `  ${met ? 'MET    ' : 'NOT MET'} ${g.label}: ${g.value.toFixed(digits)}${u} (goal ${g.direction} ${g.target}${u})`;
}

/**
 * Prints the measured goals under `title`, then `notes` (figures without a goal, settings), and,
 * when `summary` is a path (`--summary`), writes both as JSON there for `benchmarks/loader.ts`, which prints the goals of all benchmarks
 * together.
 */
export function reportGoals(title: string, goals: Goal[], notes: string[], summary: string): void {
  const measured = goals.filter((g) => g.skipped !== undefined || !Number.isNaN(g.value));
  console.log(`\n${title}`);
  for (const g of measured) console.log(describeGoal(g));
  if (notes.length > 0) console.log('');
  for (const n of notes) console.log(`  ${n}`);
  if (summary) writeFileSync(summary, JSON.stringify({ goals: measured, notes }));
}
