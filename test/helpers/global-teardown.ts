export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __segmentaTestPg?: { stop(): Promise<void> } }).__segmentaTestPg;
  await server?.stop();
}
