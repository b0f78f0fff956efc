/**
 * One FileStorage write in a child process, for the signal tests: node file-storage-child.fixture.ts <root> <source>.
 * The declared digest is wrong on purpose: the write takes its whole time (copy, then hash) and is then refused.
 */
import { stat } from 'node:fs/promises';
import { FileStorage } from './file-storage.ts';

const [root, source] = process.argv.slice(2) as [string, string];
const { size } = await stat(source);
await new FileStorage(root).put('release/v1.31.2/kubernetes.tar.gz', { file: source }, { sha256: '0'.repeat(64), size });
