/** A package file as built, with what the repository indexes need to describe it. */
import type { Format, PackageSpec } from './spec.ts';

export interface BuiltPackage {
  format: Format;
  name: string;
  /** The format's full version: [epoch:]version-release. */
  version: string;
  arch: string;
  fileName: string;
  data: Buffer;
  sha256: string;
  spec: PackageSpec;
  /** deb: the control file. */
  control?: string;
  /** rpm: where the main header is in the file, and the cpio's size. */
  rpm?: { headerStart: number; headerEnd: number; archiveSize: number };
}
