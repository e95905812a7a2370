// Removes dist/ before a build so that files of deleted or moved sources never ship.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
