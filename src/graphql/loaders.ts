import type { LoaderFactories } from './context';
import { customerLoaders } from './customers/customer.loaders';
import { modelLoaders } from './models/models.loaders';

/**
 * Every DataLoader of the API, by name. A domain adds its factories here (one import, one spread), as it adds
 * its resolvers to resolvers.ts; a name defined twice fails at start.
 */
function combine(...lists: LoaderFactories[]): LoaderFactories {
  const out: LoaderFactories = {};
  for (const list of lists) {
    for (const [name, factory] of Object.entries(list)) {
      if (name in out) throw new Error(`a DataLoader named "${name}" is defined twice`);
      out[name] = factory;
    }
  }
  return out;
}

export const loaderFactories: LoaderFactories = combine(customerLoaders, modelLoaders);
