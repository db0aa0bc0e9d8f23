import { dashboardRoute } from './dashboard/dashboard.route';
import { segmentExportRoute } from './export/segment-export.route';
import type { RouteDefinition } from './routes';

/** The service's HTTP routes besides /graphql, /healthz and /readyz; the server serves this list. */
export const appRoutes: readonly RouteDefinition[] = [segmentExportRoute, dashboardRoute];
