export type { ChecksumFiles, FileDigests } from './files.ts';
export {
  checksumContents,
  checksumPaths,
  SHA256SUMS,
  SHA512SUMS,
  writeChecksumFiles,
  writeDigestFiles,
} from './files.ts';
export type { SumEntry } from './sums.ts';
export { formatSums, parseSums } from './sums.ts';
export type { SumsMismatch } from './verify.ts';
export { checkDigestFiles, checkSums, parseDigestFile, verifyChecksumFile } from './verify.ts';
