/**
 * One storage interface for every destination: object stores (S3, Azure Blob),
 * a local or mounted folder, GitHub Releases. publish-binaries, update-markers
 * and repository publishing all write through it.
 */
import { ReleaseError } from '../core/errors.js';
/** A compare-and-swap lost its race: the object changed (or appeared) since it was read. */
export class PreconditionFailedError extends ReleaseError {
  name = 'PreconditionFailedError';
  constructor(location, key, options = {}) {
    super('PRECONDITION_FAILED', `${location}: ${key} changed since it was read`, { ...options, userError: false });
  }
}
export class StorageError extends ReleaseError {
  name = 'StorageError';
  constructor(message, options = {}) {
    super('STORAGE_ERROR', message, { ...options, userError: false });
  }
}
/** Joins key segments with '/', without doubled or leading slashes. */
export function joinKey(...parts) {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .join('/');
}
