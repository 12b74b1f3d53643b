/**
 * Growth fits for `concord bench scale`: least squares on log-log points (the exponent of
 * cost in size), a straight-line fit (seconds per row), and a step check that flags any step
 * whose cost grows faster than the protocol's formula allows. Pure functions, no I/O.
 */

/** y ≈ coefficient · x^exponent, fitted by least squares on (log x, log y). */
export interface PowerFit {
  exponent: number;
  coefficient: number;
  /** Coefficient of determination of the log-log fit (1 = perfect). */
  r2: number;
}

/** y ≈ intercept + slope · x, fitted by least squares. */
export interface LinearFit {
  slope: number;
  intercept: number;
  r2: number;
}

/** One step between consecutive sizes, compared with the formula's growth. */
export interface StepCheck {
  from: number;
  to: number;
  /** Measured growth y(to) / y(from). */
  growth: number;
  /** Growth the formula allows, f(to) / f(from). */
  formulaGrowth: number;
  /** Local exponent log(growth) / log(to / from). */
  exponent: number;
  /** True when growth > formulaGrowth · (1 + slack). */
  flagged: boolean;
}

function checkPoints(xs: readonly number[], ys: readonly number[], positive: boolean): void {
  if (xs.length !== ys.length) throw new RangeError(`fit: ${xs.length} x values but ${ys.length} y values`);
  if (xs.length < 2) throw new RangeError(`fit: need at least 2 points, got ${xs.length}`);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y) || (positive && (x <= 0 || y <= 0))) {
      throw new RangeError(`fit: point ${i} (${x}, ${y}) must be finite${positive ? ' and positive for a log-log fit' : ''}`);
    }
  }
}

/** Least-squares line through (xs, ys). */
export function fitLinear(xs: readonly number[], ys: readonly number[]): LinearFit {
  checkPoints(xs, ys, false);
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) throw new RangeError('fit: every x is the same; the growth cannot be fitted');
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2 };
}

/** Exponent and coefficient of y ≈ c·x^k by least squares on logs. */
export function fitPowerLaw(xs: readonly number[], ys: readonly number[]): PowerFit {
  checkPoints(xs, ys, true);
  const f = fitLinear(xs.map(Math.log), ys.map(Math.log));
  return { exponent: f.slope, coefficient: Math.exp(f.intercept), r2: f.r2 };
}

/**
 * Compare each step's growth with the formula f (e.g. x => x**3 for matmul compute, x => x for
 * element-wise ops, n => n*(n-1) for all-to-all traffic on one host). `slack` absorbs timing
 * noise: 0.3 flags a step only if it grows 30 % more than the formula says.
 */
export function checkSteps(xs: readonly number[], ys: readonly number[], formula: (x: number) => number, slack = 0.3): StepCheck[] {
  checkPoints(xs, ys, true);
  const out: StepCheck[] = [];
  for (let i = 1; i < xs.length; i++) {
    const from = xs[i - 1]!;
    const to = xs[i]!;
    const growth = ys[i]! / ys[i - 1]!;
    const formulaGrowth = formula(to) / formula(from);
    const exponent = Math.log(growth) / Math.log(to / from);
    out.push({ from, to, growth, formulaGrowth, exponent, flagged: growth > formulaGrowth * (1 + slack) });
  }
  return out;
}
