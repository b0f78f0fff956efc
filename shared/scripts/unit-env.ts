/** Setup of every unit test file: the PATH without the programs of .ci/tools (unit-path.ts). */
import { inject } from 'vitest';

process.env.PATH = inject('unitPath');
