/**
 * @cyclonedx/cyclonedx-library is CommonJS and finds its schemas from `__dirname`, which an ESM bundle does not
 * define: imported before the library, this gives it the bundle's folder, where the bundle script copies res/schema
 * (as ../res/schema of a `dist.node` folder).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const g = globalThis as { __dirname?: string };
g.__dirname ??= path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist.node');
