/**
 * Math functions as module bindings for the churn models' hot loops: a global lookup (`Math.log`) is much slower
 * inside VM contexts such as the test runner, so the likelihoods and special functions import them from here.
 */
export const { PI, abs, exp, floor, log, log1p, max, min, pow, round, sign, sin, sqrt, tan } = Math;
