/** Churn (BG/NBD, MBG/NBD) and value (Gamma-Gamma, CLV) models: pure TypeScript, no database or API code. */
export * from './bgnbd';
export * from './churn-fit';
export * from './clv';
export * from './gamma-gamma';
export * from './metrics';
export * from './optimizer';
export * from './rfm-data';
export * from './simulate';
export * from './special-functions';
export * from './summary';
